import { isTrue } from '../attributes';
import type { Rule } from '../rule';

export const rdsNotPublic: Rule = {
  id: 'PLAT-RDS-2',
  checkov: ['CKV_AWS_17'],
  trivy: ['AVD-AWS-0180'],
  resourceTypes: ['aws_db_instance'],
  description: 'RDS instances are not publicly accessible.',
  fix: 'set publiclyAccessible: false and place the instance in private subnets',
  check: (resource) => (isTrue(resource.config.publicly_accessible) ? 'publicly_accessible is true' : undefined),
};
