import type { Rule } from '../rule';
import { publicStatements } from './public-resource-policy';

export const sqsPolicyNotPublic: Rule = {
  id: 'PLAT-SQS-2',
  checkov: ['CKV_AWS_168'],
  resourceTypes: ['aws_sqs_queue_policy', 'aws_sqs_queue'],
  description: 'Queue policies admit named principals or services only: no Allow for "*" without a condition.',
  fix: 'name the principal (role ARN or service) or add a condition such as aws:SourceArn / aws:SourceAccount',
  check: (resource) => publicStatements(resource.config.policy),
};
