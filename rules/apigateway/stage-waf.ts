import type { Rule } from '../rule';

export const apiStageWaf: Rule = {
  id: 'PLAT-APIGW-4',
  checkov: ['CKV2_AWS_29'],
  resourceTypes: ['aws_api_gateway_stage'],
  description: 'API Gateway stages are protected by a WAF web ACL.',
  fix: 'add an aws_wafv2_web_acl_association with resourceArn = the stage ARN',
  check: (resource, context) =>
    context.referencing('aws_wafv2_web_acl_association', resource).length > 0 ? undefined : 'no aws_wafv2_web_acl_association references this stage',
};
