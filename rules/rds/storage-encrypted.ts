import { customerManagedKeyProblem, isTrue } from '../attributes';
import type { Rule } from '../rule';

export const rdsStorageEncrypted: Rule = {
  id: 'PLAT-RDS-1',
  checkov: ['CKV_AWS_16'],
  trivy: ['AVD-AWS-0080'],
  resourceTypes: ['aws_db_instance'],
  description: 'RDS storage is encrypted with a customer-managed KMS key.',
  fix: "set storageEncrypted: true and kmsKeyId to the account's platform key ARN",
  check: (resource) => {
    if (!isTrue(resource.config.storage_encrypted)) return 'storage_encrypted is not true';
    return customerManagedKeyProblem('kms_key_id', resource.config.kms_key_id);
  },
};
