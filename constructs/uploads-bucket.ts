import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketCorsConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-cors-configuration';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import type { EncryptionKey } from './encryption-key';
import { denyInsecureTransport, type IGrantee } from './iam';
import { nameAcrossStacks } from './cross-stack';
import { ConstructPropsError } from './construct-props-error';

export interface UploadsBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** Encrypts every object (SSE-KMS with an S3 bucket key). */
  readonly encryptionKey: EncryptionKey;
  /** Browser origins allowed to use presigned URLs; none means no CORS configuration. Default: []. */
  readonly corsAllowedOrigins?: readonly string[];
  /** Incomplete multipart uploads are aborted after this many days. Default: 7. */
  readonly abortIncompleteUploadDays?: number;
  /** Overwritten or deleted versions are kept this long. Default: 30. */
  readonly noncurrentVersionRetentionDays?: number;
}

/**
 * The bucket the presigned-URL functions hand out uploads and downloads for: private (public
 * access blocked, ACLs disabled), versioned, KMS-encrypted, reachable over TLS only, with
 * lifecycle rules so abandoned uploads and old versions do not accumulate.
 */
export class UploadsBucket extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  private readonly encryptionKey: EncryptionKey;

  constructor(scope: Construct, id: string, props: UploadsBucketProps) {
    super(scope, id);
    validateBucketProps(props);
    this.encryptionKey = props.encryptionKey;
    const bucket = new S3Bucket(this, 'Bucket', { bucket: props.bucketName });
    // S3 ARNs carry only the bucket name (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html).
    this.bucketName = nameAcrossStacks(this, bucket.bucket, props.bucketName);
    this.bucketArn = nameAcrossStacks(this, bucket.arn, `arn:aws:s3:::${props.bucketName}`);

    new S3BucketPublicAccessBlock(this, 'PublicAccessBlock', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'Ownership', {
      bucket: bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    const versioning = new S3BucketVersioningA(this, 'Versioning', {
      bucket: bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'Encryption', {
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.encryptionKey.keyArn },
          // One data key per bucket rather than per object: far fewer KMS calls.
          bucketKeyEnabled: true,
        },
      ],
    });
    new S3BucketPolicy(this, 'Policy', {
      bucket: bucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          denyInsecureTransport('s3:*', [bucket.arn, `${bucket.arn}/*`]),
          {
            Sid: 'DenyOutdatedTls',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [bucket.arn, `${bucket.arn}/*`],
            Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
          },
        ],
      }),
    });
    new S3BucketLifecycleConfiguration(this, 'Lifecycle', {
      bucket: bucket.id,
      rule: [
        {
          id: 'abort-incomplete-uploads',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.abortIncompleteUploadDays ?? 7 }],
        },
        {
          id: 'expire-old-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionRetentionDays ?? 30 }],
          expiration: [{ expiredObjectDeleteMarker: true }],
        },
      ],
      // Noncurrent-version rules need versioning on first; S3 takes a while to report it enabled.
      dependsOn: [versioning],
    });
    const origins = props.corsAllowedOrigins ?? [];
    if (origins.length > 0) {
      new S3BucketCorsConfiguration(this, 'Cors', {
        bucket: bucket.id,
        corsRule: [
          {
            allowedOrigins: [...origins],
            // Presigned GET (download) and the presigned POST form of presigned-url-s3-upload, from the browser.
            allowedMethods: ['GET', 'HEAD', 'POST'],
            allowedHeaders: ['content-type', 'content-md5', 'x-amz-*'],
            exposeHeaders: ['ETag'],
            maxAgeSeconds: 3000,
          },
        ],
      });
    }
  }

  /** s3:GetObject on objects under keyPrefix (all objects if omitted), with decryption through S3. */
  grantRead(grantee: IGrantee, keyPrefix = ''): void {
    const suffix = this.sidSuffix(keyPrefix);
    grantee.addToPrincipalPolicy({ sid: `S3Read${suffix}`, actions: ['s3:GetObject'], resources: [this.objectsArn(keyPrefix)] });
    this.encryptionKey.grantViaService(grantee, `S3Decrypt${this.sidSuffix('')}`, ['kms:Decrypt'], 's3');
  }

  /** s3:PutObject under keyPrefix (all keys if omitted), with encryption through S3. */
  grantPut(grantee: IGrantee, keyPrefix = ''): void {
    const suffix = this.sidSuffix(keyPrefix);
    grantee.addToPrincipalPolicy({ sid: `S3Put${suffix}`, actions: ['s3:PutObject'], resources: [this.objectsArn(keyPrefix)] });
    // Multipart uploads decrypt the data key again for each part.
    this.encryptionKey.grantViaService(grantee, `S3Encrypt${this.sidSuffix('')}`, ['kms:GenerateDataKey', 'kms:Decrypt'], 's3');
  }

  /**
   * s3:ListBucket on the bucket (also what HeadBucket needs); with keyPrefix, listing is limited to
   * keys under it (and HeadObject of a missing key there answers 404 instead of 403).
   */
  grantList(grantee: IGrantee, keyPrefix = ''): void {
    // objectsArn refuses a prefix the object grants would refuse ('*', leading '/').
    this.objectsArn(keyPrefix);
    grantee.addToPrincipalPolicy({
      sid: `S3List${this.sidSuffix(keyPrefix)}`,
      actions: ['s3:ListBucket'],
      resources: [this.bucketArn],
      ...(keyPrefix ? { conditions: { StringLike: { 's3:prefix': `${keyPrefix}*` } } } : {}),
    });
  }

  private objectsArn(keyPrefix: string): string {
    if (keyPrefix.includes('*') || keyPrefix.startsWith('/')) {
      throw new ConstructPropsError(`UploadsBucket ${this.node.id}: key prefix '${keyPrefix}' must be a literal prefix like 'incoming/' (no '*', no leading '/')`);
    }
    return `${this.bucketArn}/${keyPrefix}*`;
  }

  /** Construct id plus the prefix, alphanumeric (IAM sid rule); prefixes differing only in punctuation share a sid and are refused. */
  private sidSuffix(keyPrefix: string): string {
    return `${this.node.id}${keyPrefix}`.replace(/[^A-Za-z0-9]/g, '');
  }
}

function validateBucketProps(props: UploadsBucketProps): void {
  if (!/^[a-z0-9](?!.*\.\.)[a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName) || /^\d+\.\d+\.\d+\.\d+$/.test(props.bucketName)) {
    throw new ConstructPropsError(`UploadsBucket: bucket name '${props.bucketName}' is not a valid S3 name; use 3-63 lower-case letters, digits, '.' and '-'`);
  }
  for (const origin of props.corsAllowedOrigins ?? []) {
    if (origin === '*' || !/^https?:\/\/[^/*]+$/.test(origin)) {
      throw new ConstructPropsError(`UploadsBucket ${props.bucketName}: CORS origin '${origin}' must be one scheme://host[:port] (no '*', no path)`);
    }
  }
  for (const [field, days] of [
    ['abortIncompleteUploadDays', props.abortIncompleteUploadDays],
    ['noncurrentVersionRetentionDays', props.noncurrentVersionRetentionDays],
  ] as const) {
    if (days !== undefined && (!Number.isInteger(days) || days < 1)) {
      throw new ConstructPropsError(`UploadsBucket ${props.bucketName}: ${field} ${days} must be a whole number of days, at least 1`);
    }
  }
}
