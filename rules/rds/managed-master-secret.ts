import { customerManagedKeyProblem, isSet, isTrue } from '../attributes';
import type { Rule } from '../rule';

export const rdsManagedMasterSecret: Rule = {
  id: 'PLAT-RDS-12',
  resourceTypes: ['aws_db_instance'],
  description: 'The master password is generated, stored and rotated by RDS in Secrets Manager under a customer-managed key, never written in code or state.',
  fix: 'set manageMasterUserPassword: true and masterUserSecretKmsKeyId to the platform key ARN, and drop password',
  check: (resource) => {
    // A replica inherits its credentials from the source instance.
    if (isSet(resource.config.replicate_source_db)) return undefined;
    if (isSet(resource.config.password) || isSet(resource.config.password_wo)) return 'password is set in the configuration';
    if (!isTrue(resource.config.manage_master_user_password)) return 'manage_master_user_password is not true';
    return customerManagedKeyProblem('master_user_secret_kms_key_id', resource.config.master_user_secret_kms_key_id);
  },
};
