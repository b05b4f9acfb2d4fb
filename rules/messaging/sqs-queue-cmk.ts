import { customerManagedKeyProblem, isSet } from '../attributes';
import type { Rule } from '../rule';

export const sqsQueueCustomerManagedKey: Rule = {
  id: 'PLAT-SQS-1',
  checkov: ['CKV_AWS_27'],
  trivy: ['AVD-AWS-0096', 'AVD-AWS-0135'],
  resourceTypes: ['aws_sqs_queue'],
  description: 'SQS queues (dead-letter queues included) are encrypted with a customer-managed KMS key, not SQS-managed SSE.',
  fix: 'set kmsMasterKeyId to the platform key ARN (and leave sqsManagedSseEnabled unset)',
  check: (resource) => {
    const key = resource.config.kms_master_key_id;
    if (!isSet(key)) return resource.config.sqs_managed_sse_enabled === true ? 'uses SQS-managed SSE instead of a KMS key' : 'kms_master_key_id is not set';
    return customerManagedKeyProblem('kms_master_key_id', key);
  },
};
