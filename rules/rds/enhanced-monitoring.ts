import { isSet } from '../attributes';
import type { Rule } from '../rule';

export const rdsEnhancedMonitoring: Rule = {
  id: 'PLAT-RDS-8',
  checkov: ['CKV_AWS_118'],
  resourceTypes: ['aws_db_instance'],
  description: 'RDS Enhanced Monitoring is on (OS metrics at 60 s or finer).',
  fix: 'set monitoringInterval (database.monitoringIntervalSeconds) and monitoringRoleArn to a role with AmazonRDSEnhancedMonitoringRole',
  check: (resource) => {
    const interval = Number(resource.config.monitoring_interval ?? 0);
    if (interval <= 0) return 'monitoring_interval is 0 (Enhanced Monitoring off)';
    return isSet(resource.config.monitoring_role_arn) ? undefined : 'monitoring_role_arn is not set';
  },
};
