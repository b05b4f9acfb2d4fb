import { asStrings } from '../attributes';
import type { Rule } from '../rule';

/** The log type that carries each engine's error and slow-query log. */
const MAIN_LOG: Readonly<Record<string, string>> = { postgres: 'postgresql', mysql: 'error', mariadb: 'error' };

export const rdsLogExports: Rule = {
  id: 'PLAT-RDS-7',
  checkov: ['CKV_AWS_129'],
  resourceTypes: ['aws_db_instance'],
  description: 'RDS instances export their database log to CloudWatch Logs.',
  fix: 'set enabledCloudwatchLogsExports: ["postgresql", "upgrade"] (and pre-create the encrypted log group)',
  check: (resource) => {
    const exported = asStrings(resource.config.enabled_cloudwatch_logs_exports);
    const needed = MAIN_LOG[String(resource.config.engine ?? '')] ?? 'error';
    return exported.includes(needed) ? undefined : `enabled_cloudwatch_logs_exports does not include ${needed}`;
  },
};
