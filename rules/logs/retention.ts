import type { Rule } from '../rule';

export const logGroupRetention: Rule = {
  id: 'PLAT-LOGS-1',
  checkov: ['CKV_AWS_66'],
  resourceTypes: ['aws_cloudwatch_log_group'],
  description: 'Log groups have a retention period (logs are not kept, and paid for, forever).',
  fix: 'set retentionInDays from the account configuration (logRetentionDays), e.g. through the LogGroup construct',
  replacesCheckov: {
    CKV_AWS_338:
      'checkov asks for at least one year of retention; retention here is a per-account setting (logRetentionDays, flowLogRetentionDays) chosen for dev and staging, which hold no production data. PLAT-LOGS-1 requires that a retention is set.',
  },
  check: (resource) => {
    const days = Number(resource.config.retention_in_days ?? 0);
    return days > 0 ? undefined : 'retention_in_days is not set (never expire)';
  },
};
