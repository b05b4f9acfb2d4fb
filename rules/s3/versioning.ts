import { block } from '../attributes';
import type { Rule } from '../rule';

export const s3Versioning: Rule = {
  id: 'PLAT-S3-2',
  checkov: ['CKV_AWS_21'],
  trivy: ['AVD-AWS-0090'],
  resourceTypes: ['aws_s3_bucket'],
  description: 'Buckets keep object versions, so an overwrite or delete can be undone.',
  fix: 'add an aws_s3_bucket_versioning for the bucket with versioningConfiguration { status: "Enabled" } (and a lifecycle rule expiring old versions)',
  check: (resource, context) => {
    const versioning = context.referencing('aws_s3_bucket_versioning', resource)[0];
    if (!versioning) return 'no aws_s3_bucket_versioning references this bucket';
    const status = block(versioning.config.versioning_configuration)?.status;
    return status === 'Enabled' ? undefined : `versioning status is ${String(status)}`;
  },
};
