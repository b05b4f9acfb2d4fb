import { apiRequest, defineFunction } from '../defaults';

/** Object keys the download URLs are confined to. */
export const DOWNLOAD_PREFIX = 'downloads/';

/** Object key the dry run asks for; it never exists, so the answer is S3's 404. */
export const DRY_RUN_MISSING_KEY = 'downloads/codedeploy-dry-run/absent';

export default defineFunction({
  name: 'generate-presigned-url',
  description: 'Returns a presigned S3 download URL',
  reservedConcurrency: 20,
  sharedModules: ['platform_log', 'platform_http'],
  trigger: { kind: 'http' },
  environment: {
    BUCKET_NAME: { from: 'bucket-name' },
    URL_EXPIRY_SECONDS: { from: 'presigned-url-expiry-seconds' },
  },
  // A presigned URL carries the signer's permissions, so the role may read only downloads/. Listing
  // downloads/ lets S3 answer HeadObject of a missing key with 404 (without it: 403, no telling).
  grants: [
    { kind: 'bucket-read', prefix: DOWNLOAD_PREFIX },
    { kind: 'bucket-list', prefix: DOWNLOAD_PREFIX },
  ],
  // HeadObject of a key that never exists: proves the role and bucket path, presigns nothing.
  dryRun: { event: apiRequest('POST', '/files/download-url', { key: DRY_RUN_MISSING_KEY }), expect: { statusCode: 404 } },
  routes: [
    {
      method: 'POST',
      path: '/files/download-url',
      operationId: 'createDownloadUrl',
      summary: 'Returns a presigned URL to download a file',
      requestBodySchema: {
        type: 'object',
        required: ['key'],
        additionalProperties: false,
        properties: { key: { type: 'string', minLength: 1, maxLength: 1024 } },
      },
    },
  ],
});
