import { isTrue } from '../attributes';
import type { Rule } from '../rule';

export const rdsDeletionProtection: Rule = {
  id: 'PLAT-RDS-5',
  checkov: ['CKV_AWS_293'],
  trivy: ['AVD-AWS-0177'],
  resourceTypes: ['aws_db_instance'],
  description: 'RDS instances have deletion protection on.',
  fix: 'set deletionProtection: true (database.deletionProtection)',
  check: (resource) => (isTrue(resource.config.deletion_protection) ? undefined : 'deletion_protection is not true'),
};
