import { isSet } from '../attributes';
import type { Rule } from '../rule';

export const lambdaPermissionSourceArn: Rule = {
  id: 'PLAT-LAMBDA-7',
  checkov: ['CKV_AWS_364'],
  trivy: ['AVD-AWS-0067'],
  resourceTypes: ['aws_lambda_permission'],
  description: 'Lambda permissions granted to an AWS service name the source ARN, so no other account\'s resource of that service can invoke the function (confused deputy).',
  fix: 'set sourceArn to the invoking resource (API execution ARN with stage/method/path, rule ARN, topic ARN ...)',
  check: (resource) => {
    const principal = String(resource.config.principal ?? '');
    if (!principal.endsWith('.amazonaws.com') || isSet(resource.config.source_arn)) return undefined;
    return `grants ${principal} without source_arn`;
  },
};
