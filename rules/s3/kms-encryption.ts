import { block, blocks, customerManagedKeyProblem } from '../attributes';
import type { Rule } from '../rule';

export const s3KmsEncryption: Rule = {
  id: 'PLAT-S3-3',
  checkov: ['CKV_AWS_145'],
  trivy: ['AVD-AWS-0088', 'AVD-AWS-0132'],
  resourceTypes: ['aws_s3_bucket'],
  description: 'Buckets encrypt objects by default with a customer-managed KMS key.',
  fix: 'add an aws_s3_bucket_server_side_encryption_configuration with sseAlgorithm "aws:kms", kmsMasterKeyId = the platform key ARN and bucketKeyEnabled: true',
  check: (resource, context) => {
    const configuration = context.referencing('aws_s3_bucket_server_side_encryption_configuration', resource)[0];
    if (!configuration) return 'no aws_s3_bucket_server_side_encryption_configuration references this bucket';
    const defaults = blocks(configuration.config.rule).map((rule) => block(rule.apply_server_side_encryption_by_default));
    const kms = defaults.find((d) => String(d?.sse_algorithm ?? '').startsWith('aws:kms'));
    if (!kms) return `default encryption is ${defaults.map((d) => String(d?.sse_algorithm)).join(', ') || 'not set'}, not aws:kms`;
    return customerManagedKeyProblem('kms_master_key_id', kms.kms_master_key_id);
  },
};
