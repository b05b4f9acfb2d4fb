import { isSet } from '../attributes';
import type { Rule } from '../rule';

export const secretCustomerManagedKey: Rule = {
  id: 'PLAT-SECRETS-1',
  checkov: ['CKV_AWS_149'],
  trivy: ['AVD-AWS-0098'],
  resourceTypes: ['aws_secretsmanager_secret'],
  description: 'Secrets are encrypted with a customer-managed KMS key.',
  fix: 'set kmsKeyId to the platform key ARN',
  check: (resource) => {
    const key = resource.config.kms_key_id;
    if (!isSet(key)) return 'kms_key_id is not set (aws/secretsmanager key)';
    return String(key).startsWith('alias/aws/') ? `uses the AWS-managed key ${String(key)}` : undefined;
  },
};
