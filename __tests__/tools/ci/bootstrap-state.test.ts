import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { ensureStateBucket } from '../../../tools/lib/state-bucket';

/**
 * A real HTTP server in the S3 REST shape that keeps bucket state and records every request, so the
 * test sees exactly what the AWS SDK sends. (s3rver answers NotImplemented for the bucket settings.)
 */
async function recordingS3(): Promise<{ client: S3Client; requests: { method: string; path: string; query: string; body: string }[]; close(): Promise<void> }> {
  const buckets = new Set<string>();
  const requests: { method: string; path: string; query: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const bucket = url.pathname.split('/')[1];
      requests.push({ method: req.method ?? '', path: url.pathname, query: [...url.searchParams.keys()].join('&'), body: Buffer.concat(chunks).toString('utf8') });
      if (req.method === 'HEAD') res.writeHead(buckets.has(bucket) ? 200 : 404).end();
      else {
        if (req.method === 'PUT' && url.search === '') buckets.add(bucket);
        res.writeHead(200).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new S3Client({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { client, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('bootstrap:state', () => {
  const bucket = 'ppu-platform-tfstate-824357028182-eu-west-1';

  test('creates a missing bucket in the region, versioned, KMS-encrypted, public access blocked and TLS-only', async () => {
    const s3 = await recordingS3();
    try {
      expect(await ensureStateBucket(s3.client, bucket, 'eu-west-1')).toBe(true);
      const byQuery = Object.fromEntries(s3.requests.map((r) => [`${r.method} ${r.query}`, r.body]));
      expect(Object.keys(byQuery)).toEqual(['HEAD ', 'PUT ', 'PUT ownershipControls', 'PUT publicAccessBlock', 'PUT versioning', 'PUT encryption', 'PUT policy']);
      expect(byQuery['PUT ']).toContain('<LocationConstraint>eu-west-1</LocationConstraint>');
      expect(byQuery['PUT versioning']).toContain('<Status>Enabled</Status>');
      expect(byQuery['PUT encryption']).toMatch(/<SSEAlgorithm>aws:kms<\/SSEAlgorithm>.*<BucketKeyEnabled>true<\/BucketKeyEnabled>/s);
      for (const flag of ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets']) {
        expect(byQuery['PUT publicAccessBlock']).toContain(`<${flag}>true</${flag}>`);
      }
      const policy = JSON.parse(byQuery['PUT policy']);
      expect(policy.Statement).toEqual([
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]);
    } finally {
      await s3.close();
    }
  });

  test('is idempotent: a second run creates nothing and re-applies the settings', async () => {
    const s3 = await recordingS3();
    try {
      await ensureStateBucket(s3.client, bucket, 'eu-west-1');
      s3.requests.length = 0;
      expect(await ensureStateBucket(s3.client, bucket, 'eu-west-1')).toBe(false);
      expect(s3.requests.map((r) => `${r.method} ${r.query}`)).toEqual([
        'HEAD ', 'PUT ownershipControls', 'PUT publicAccessBlock', 'PUT versioning', 'PUT encryption', 'PUT policy',
      ]);
    } finally {
      await s3.close();
    }
  });
});
