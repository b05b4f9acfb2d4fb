import type { Rule } from '../rule';

/** A week of point-in-time recovery: enough to notice a bad deploy after a weekend. */
const MIN_BACKUP_DAYS = 7;

export const rdsBackupRetention: Rule = {
  id: 'PLAT-RDS-4',
  checkov: ['CKV_AWS_133'],
  trivy: ['AVD-AWS-0077'],
  resourceTypes: ['aws_db_instance'],
  description: `RDS automated backups are kept for at least ${MIN_BACKUP_DAYS} days.`,
  fix: `set backupRetentionPeriod to ${MIN_BACKUP_DAYS} or more (database.backupRetentionDays)`,
  check: (resource) => {
    const days = Number(resource.config.backup_retention_period ?? 0);
    return days >= MIN_BACKUP_DAYS ? undefined : `backup_retention_period is ${days} day(s)`;
  },
};
