import { apiRequest, defineFunction } from '../defaults';

/** Object keys the upload URLs are confined to. */
export const UPLOAD_PREFIX = 'uploads/';

export default defineFunction({
  name: 'presigned-url-s3-upload',
  description: 'Returns a presigned S3 upload URL',
  reservedConcurrency: 20,
  sharedModules: ['platform_log', 'platform_http'],
  trigger: { kind: 'http' },
  environment: {
    BUCKET_NAME: { from: 'bucket-name' },
    URL_EXPIRY_SECONDS: { from: 'presigned-url-expiry-seconds' },
    MAX_UPLOAD_BYTES: { from: 'max-upload-bytes' },
    ALLOWED_CONTENT_TYPES: 'application/json,application/octet-stream,application/zip,text/csv',
  },
  grants: [{ kind: 'bucket-put', prefix: UPLOAD_PREFIX }],
  // Signing is local: a URL nobody uses, no object written.
  dryRun: { event: apiRequest('POST', '/files/upload-url', { fileName: 'codedeploy-dry-run.csv', contentType: 'text/csv' }), expect: { statusCode: 200 } },
  routes: [
    {
      method: 'POST',
      path: '/files/upload-url',
      operationId: 'createUploadUrl',
      summary: 'Returns a presigned URL to upload a file',
      requestBodySchema: {
        type: 'object',
        required: ['fileName', 'contentType'],
        additionalProperties: false,
        properties: {
          fileName: { type: 'string', minLength: 1, maxLength: 255 },
          contentType: { type: 'string' },
          contentLength: { type: 'integer', minimum: 1 },
        },
      },
    },
  ],
});
