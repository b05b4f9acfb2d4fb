import { block, customerManagedKeyProblem, isTrue } from '../attributes';
import type { Rule } from '../rule';

export const dynamodbCustomerManagedKey: Rule = {
  id: 'PLAT-DYNAMODB-1',
  checkov: ['CKV_AWS_119'],
  trivy: ['AVD-AWS-0025'],
  resourceTypes: ['aws_dynamodb_table'],
  description: 'DynamoDB tables are encrypted with a customer-managed KMS key.',
  fix: 'set serverSideEncryption { enabled: true, kmsKeyArn: <platform key ARN> }',
  check: (resource) => {
    const encryption = block(resource.config.server_side_encryption);
    if (!isTrue(encryption?.enabled)) return 'server_side_encryption is not enabled (AWS-owned key)';
    return customerManagedKeyProblem('server_side_encryption.kms_key_arn', encryption?.kms_key_arn);
  },
};
