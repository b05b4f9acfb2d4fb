import type { Rule } from '../rule';
import { publicStatements } from './public-resource-policy';

export const snsPolicyNotPublic: Rule = {
  id: 'PLAT-SNS-2',
  checkov: ['CKV_AWS_169'],
  resourceTypes: ['aws_sns_topic_policy', 'aws_sns_topic'],
  description: 'Topic policies admit named principals or services only: no Allow for "*" without a condition.',
  fix: 'name the principal (role ARN or service) or add a condition such as aws:SourceArn / aws:SourceAccount',
  check: (resource) => publicStatements(resource.config.policy),
};
