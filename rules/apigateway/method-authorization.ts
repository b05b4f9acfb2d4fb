import { isTrue } from '../attributes';
import type { Rule } from '../rule';

export const apiMethodAuthorization: Rule = {
  id: 'PLAT-APIGW-3',
  checkov: ['CKV_AWS_59'],
  trivy: ['AVD-AWS-0004'],
  resourceTypes: ['aws_api_gateway_method'],
  description: 'Every API Gateway method requires authentication (IAM, Cognito or a Lambda authorizer) or an API key; CORS preflight (OPTIONS) is exempt because browsers send it without credentials.',
  fix: 'set authorization: "AWS_IAM" (or an authorizer), or apiKeyRequired: true with a usage plan',
  check: (resource) => {
    if (resource.config.http_method === 'OPTIONS') return undefined;
    const authorization = String(resource.config.authorization ?? 'NONE');
    if (authorization !== 'NONE' || isTrue(resource.config.api_key_required)) return undefined;
    return `${String(resource.config.http_method)} has authorization NONE and no API key`;
  },
};
