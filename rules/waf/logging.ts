import type { Rule } from '../rule';

export const wafLogging: Rule = {
  id: 'PLAT-WAF-2',
  checkov: ['CKV2_AWS_31'],
  resourceTypes: ['aws_wafv2_web_acl'],
  description: 'Web ACLs log their decisions.',
  fix: 'add an aws_wafv2_web_acl_logging_configuration with resourceArn = the web ACL ARN and an aws-waf-logs-* destination',
  check: (resource, context) =>
    context.referencing('aws_wafv2_web_acl_logging_configuration', resource).length > 0 ? undefined : 'no aws_wafv2_web_acl_logging_configuration references this web ACL',
};
