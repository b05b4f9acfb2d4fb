import { block, isSet } from '../attributes';
import type { Rule } from '../rule';

export const apiStageAccessLogs: Rule = {
  id: 'PLAT-APIGW-1',
  checkov: ['CKV_AWS_76'],
  trivy: ['AVD-AWS-0001'],
  resourceTypes: ['aws_api_gateway_stage'],
  description: 'API Gateway stages write access logs.',
  fix: 'set accessLogSettings { destinationArn: <encrypted log group ARN>, format: <JSON format> }',
  check: (resource) => {
    const settings = block(resource.config.access_log_settings);
    if (!isSet(settings?.destination_arn)) return 'access_log_settings.destination_arn is not set';
    return isSet(settings?.format) ? undefined : 'access_log_settings.format is not set';
  },
};
