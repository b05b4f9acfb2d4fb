import type { Rule } from '../rule';

export const rdsMinorVersionUpgrade: Rule = {
  id: 'PLAT-RDS-10',
  checkov: ['CKV_AWS_226'],
  resourceTypes: ['aws_db_instance'],
  description: 'RDS applies minor engine upgrades (security patches) automatically in the maintenance window.',
  fix: 'leave autoMinorVersionUpgrade unset or set it to true',
  check: (resource) => {
    const value = resource.config.auto_minor_version_upgrade;
    return value === false || value === 'false' ? 'auto_minor_version_upgrade is false' : undefined;
  },
};
