import { customerManagedKeyProblem } from '../attributes';
import type { Rule } from '../rule';

export const logGroupKmsEncryption: Rule = {
  id: 'PLAT-LOGS-2',
  checkov: ['CKV_AWS_158'],
  trivy: ['AVD-AWS-0017'],
  resourceTypes: ['aws_cloudwatch_log_group'],
  description: 'Log groups are encrypted with a customer-managed KMS key.',
  fix: 'set kmsKeyId to the platform key ARN (the LogGroup construct does this and admits CloudWatch Logs in the key policy)',
  check: (resource) => customerManagedKeyProblem('kms_key_id', resource.config.kms_key_id),
};
