import { customerManagedKeyProblem } from '../attributes';
import type { Rule } from '../rule';

export const secretCustomerManagedKey: Rule = {
  id: 'PLAT-SECRETS-1',
  checkov: ['CKV_AWS_149'],
  trivy: ['AVD-AWS-0098'],
  resourceTypes: ['aws_secretsmanager_secret'],
  description: 'Secrets are encrypted with a customer-managed KMS key.',
  fix: 'set kmsKeyId to the platform key ARN',
  check: (resource) => {
    return customerManagedKeyProblem('kms_key_id', resource.config.kms_key_id);
  },
};
