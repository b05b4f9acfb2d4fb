import { isTrue } from '../attributes';
import type { Rule } from '../rule';

export const rdsIamAuthentication: Rule = {
  id: 'PLAT-RDS-3',
  checkov: ['CKV_AWS_161'],
  trivy: ['AVD-AWS-0176'],
  resourceTypes: ['aws_db_instance'],
  description: 'RDS IAM database authentication is enabled, so clients can connect with short-lived tokens instead of passwords.',
  fix: 'set iamDatabaseAuthenticationEnabled: true',
  check: (resource) => (isTrue(resource.config.iam_database_authentication_enabled) ? undefined : 'iam_database_authentication_enabled is not true'),
};
