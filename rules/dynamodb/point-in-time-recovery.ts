import { block, isTrue } from '../attributes';
import type { Rule } from '../rule';

export const dynamodbPointInTimeRecovery: Rule = {
  id: 'PLAT-DYNAMODB-2',
  checkov: ['CKV_AWS_28'],
  trivy: ['AVD-AWS-0024'],
  resourceTypes: ['aws_dynamodb_table'],
  description: 'DynamoDB tables have point-in-time recovery on.',
  fix: 'set pointInTimeRecovery { enabled: true }',
  check: (resource) => (isTrue(block(resource.config.point_in_time_recovery)?.enabled) ? undefined : 'point_in_time_recovery is not enabled'),
};
