import type { Rule } from '../rule';
import { publicStatements } from './public-resource-policy';

export const snsPolicyNotPublic: Rule = {
  id: 'PLAT-SNS-2',
  checkov: ['CKV_AWS_169'],
  resourceTypes: ['aws_sns_topic_policy', 'aws_sns_topic'],
  description: 'Topic policies admit named principals or services only: an Allow for "*" needs a condition on aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID or aws:PrincipalAccount (other conditions such as aws:SecureTransport do not narrow who).',
  fix: 'name the principal (role ARN or service) or add a condition on aws:SourceArn / aws:SourceAccount / aws:PrincipalOrgID / aws:PrincipalAccount',
  check: (resource) => publicStatements(resource.config.policy),
};
