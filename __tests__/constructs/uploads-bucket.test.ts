import { UploadsBucket, type UploadsBucketProps } from '../../constructs/uploads-bucket';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';
import { constructionError, ref, testRole } from '../helpers/data-fixtures';

type Overrides = Partial<Omit<UploadsBucketProps, 'encryptionKey'>>;

function synthBucket(overrides: Overrides = {}, after?: (bucket: UploadsBucket) => void) {
  return synthWith((stack, key) => {
    const bucket = new UploadsBucket(stack, 'Uploads', { bucketName: 'ppu-uploads-111122223333-eu-west-1', encryptionKey: key, ...overrides });
    after?.(bucket);
  });
}

const json = synthBucket({ corsAllowedOrigins: ['https://app.example.com'] });
const [[bucketId, bucket]] = resourcesOf(json, 'aws_s3_bucket');
const bucketRef = ref('aws_s3_bucket', bucketId, 'id');
const bucketArn = ref('aws_s3_bucket', bucketId, 'arn');
const only = (type: string) => {
  const list = resourcesOf(json, type);
  expect(list).toHaveLength(1);
  expect(list[0][1].bucket).toBe(bucketRef);
  return list[0][1];
};
const keyArn = ref('aws_kms_key', resourcesOf(json, 'aws_kms_key')[0][0], 'arn');

function grantPolicy(grant: (bucket: UploadsBucket, role: ReturnType<typeof testRole>) => void) {
  const synthesized = synthBucket({}, (b) => grant(b, testRole(b)));
  const [[, policy]] = resourcesOf(synthesized, 'aws_iam_role_policy');
  return JSON.parse(policy.policy).Statement as Record<string, any>[];
}

test('the bucket has the given name', () => {
  expect(bucket.bucket).toBe('ppu-uploads-111122223333-eu-west-1');
});

test('all public access is blocked and ACLs are disabled', () => {
  expect(only('aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  expect(only('aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
});

test('versioning is enabled', () => {
  expect(only('aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
});

test('objects are encrypted with the customer-managed key and a bucket key', () => {
  expect(only('aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([
    { apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: keyArn }, bucket_key_enabled: true },
  ]);
});

test('the bucket policy denies every request not made over TLS 1.2 or newer', () => {
  const statements = JSON.parse(only('aws_s3_bucket_policy').policy).Statement;
  expect(statements).toEqual([
    { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [bucketArn, `${bucketArn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    { Sid: 'DenyOutdatedTls', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [bucketArn, `${bucketArn}/*`], Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } },
  ]);
});

test('a lifecycle rule aborts incomplete multipart uploads and old versions expire', () => {
  const rules = only('aws_s3_bucket_lifecycle_configuration').rule;
  expect(rules[0]).toMatchObject({ id: 'abort-incomplete-uploads', status: 'Enabled', abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] });
  expect(rules[1]).toMatchObject({ id: 'expire-old-versions', status: 'Enabled', noncurrent_version_expiration: [{ noncurrent_days: 30 }] });
});

test('the lifecycle configuration is applied after versioning, which its noncurrent-version rule needs', () => {
  const [[versioningId]] = resourcesOf(json, 'aws_s3_bucket_versioning');
  expect(only('aws_s3_bucket_lifecycle_configuration').depends_on).toEqual([`aws_s3_bucket_versioning.${versioningId}`]);
});

test('CORS admits the configured origins for presigned GET downloads and presigned POST form uploads, not PUT', () => {
  expect(only('aws_s3_bucket_cors_configuration').cors_rule).toEqual([
    expect.objectContaining({ allowed_origins: ['https://app.example.com'], allowed_methods: ['GET', 'HEAD', 'POST'], expose_headers: ['ETag'] }),
  ]);
});

test('without configured origins there is no CORS configuration', () => {
  expect(resourcesOf(synthBucket(), 'aws_s3_bucket_cors_configuration')).toEqual([]);
});

test('grantRead allows GetObject under the prefix and decryption through S3 only', () => {
  const statements = grantPolicy((b, role) => b.grantRead(role, 'downloads/'));
  expect(statements).toEqual([
    { Sid: 'S3ReadUploadsdownloads', Effect: 'Allow', Action: 's3:GetObject', Resource: expect.stringMatching(/\.arn\}\/downloads\/\*$/) },
    { Sid: 'S3DecryptUploads', Effect: 'Allow', Action: 'kms:Decrypt', Resource: expect.stringMatching(/aws_kms_key/), Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } } },
  ]);
});

test('grantPut allows PutObject under the prefix and encryption through S3 only', () => {
  const statements = grantPolicy((b, role) => b.grantPut(role, 'incoming/'));
  expect(statements.map((s) => [s.Sid, s.Action, s.Condition])).toEqual([
    ['S3PutUploadsincoming', 's3:PutObject', undefined],
    ['S3EncryptUploads', ['kms:GenerateDataKey', 'kms:Decrypt'], { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } }],
  ]);
  expect(statements[0].Resource).toMatch(/\/incoming\/\*$/);
});

test('grantList with a prefix allows ListBucket only for keys under it', () => {
  expect(grantPolicy((b, role) => b.grantList(role, 'downloads/'))).toEqual([
    {
      Sid: 'S3ListUploadsdownloads',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: expect.stringMatching(/^\$\{aws_s3_bucket\.[\w]+\.arn\}$/),
      Condition: { StringLike: { 's3:prefix': 'downloads/*' } },
    },
  ]);
});

test('grantList refuses a wildcard prefix', () => {
  expect(() => grantPolicy((b, role) => b.grantList(role, 'down*'))).toThrow(/key prefix 'down\*' must be a literal prefix/);
});

test('grantList allows ListBucket on the bucket only', () => {
  expect(grantPolicy((b, role) => b.grantList(role))).toEqual([{ Sid: 'S3ListUploads', Effect: 'Allow', Action: 's3:ListBucket', Resource: expect.stringMatching(/^\$\{aws_s3_bucket\.[\w]+\.arn\}$/) }]);
});

test('grants are safe to call twice and read and put share nothing they should not', () => {
  const statements = grantPolicy((b, role) => {
    b.grantRead(role);
    b.grantRead(role);
    b.grantPut(role);
  });
  expect(statements.map((s) => s.Sid)).toEqual(['S3ReadUploads', 'S3DecryptUploads', 'S3PutUploads', 'S3EncryptUploads']);
  expect(statements[0].Resource).toMatch(/\.arn\}\/\*$/);
});

describe('rejects bad input', () => {
  test('a bucket name S3 refuses', () => {
    expect(constructionError((stack, key) => new UploadsBucket(stack, 'U', { bucketName: 'Uploads_Bucket', encryptionKey: key }))).toMatch(
      /bucket name 'Uploads_Bucket' is not a valid S3 name/,
    );
  });

  test('a wildcard CORS origin', () => {
    expect(constructionError((stack, key) => new UploadsBucket(stack, 'U', { bucketName: 'ppu-uploads', encryptionKey: key, corsAllowedOrigins: ['*'] }))).toMatch(
      /CORS origin '\*' must be one scheme:\/\/host\[:port\]/,
    );
  });

  test('a key prefix with a wildcard', () => {
    expect(
      constructionError((stack, key) => {
        const b = new UploadsBucket(stack, 'U', { bucketName: 'ppu-uploads', encryptionKey: key });
        b.grantRead(testRole(stack), 'a/*');
      }),
    ).toMatch(/key prefix 'a\/\*' must be a literal prefix/);
  });
});
