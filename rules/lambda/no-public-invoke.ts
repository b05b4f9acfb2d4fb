import type { Rule } from '../rule';

export const lambdaNoPublicInvoke: Rule = {
  id: 'PLAT-LAMBDA-8',
  checkov: ['CKV_AWS_301'],
  resourceTypes: ['aws_lambda_permission'],
  description: 'No Lambda permission lets anyone ("*") invoke a function.',
  fix: 'grant the invoking service principal (with sourceArn) or a role of this account instead of "*"',
  check: (resource) => (String(resource.config.principal ?? '') === '*' ? 'principal is "*"' : undefined),
};
