import { customerManagedKeyProblem } from '../attributes';
import type { Rule } from '../rule';

export const snsTopicCustomerManagedKey: Rule = {
  id: 'PLAT-SNS-1',
  checkov: ['CKV_AWS_26'],
  trivy: ['AVD-AWS-0095', 'AVD-AWS-0136'],
  resourceTypes: ['aws_sns_topic'],
  description: 'SNS topics are encrypted with a customer-managed KMS key.',
  fix: 'set kmsMasterKeyId to the platform key ARN and admit the publishing services in its key policy',
  check: (resource) => {
    return customerManagedKeyProblem('kms_master_key_id', resource.config.kms_master_key_id);
  },
};
