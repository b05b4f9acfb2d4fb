import { isTrue } from '../attributes';
import type { Rule } from '../rule';

const FLAGS = ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'];

export const s3PublicAccessBlock: Rule = {
  id: 'PLAT-S3-1',
  checkov: ['CKV2_AWS_6', 'CKV_AWS_53', 'CKV_AWS_54', 'CKV_AWS_55', 'CKV_AWS_56'],
  trivy: ['AVD-AWS-0094', 'AVD-AWS-0086', 'AVD-AWS-0087', 'AVD-AWS-0091', 'AVD-AWS-0093'],
  resourceTypes: ['aws_s3_bucket'],
  description: 'Every bucket has a public access block with all four flags on.',
  fix: 'add an aws_s3_bucket_public_access_block for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true',
  check: (resource, context) => {
    const block = context.referencing('aws_s3_bucket_public_access_block', resource)[0];
    if (!block) return 'no aws_s3_bucket_public_access_block references this bucket';
    const off = FLAGS.filter((flag) => !isTrue(block.config[flag]));
    return off.length > 0 ? `public access block ${block.address} leaves ${off.join(', ')} off` : undefined;
  },
};
