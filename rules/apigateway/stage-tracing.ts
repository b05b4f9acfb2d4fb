import { isTrue } from '../attributes';
import type { Rule } from '../rule';

export const apiStageTracing: Rule = {
  id: 'PLAT-APIGW-2',
  checkov: ['CKV_AWS_73'],
  trivy: ['AVD-AWS-0003'],
  resourceTypes: ['aws_api_gateway_stage'],
  description: 'API Gateway stages send X-Ray traces.',
  fix: 'set xrayTracingEnabled: true',
  check: (resource) => (isTrue(resource.config.xray_tracing_enabled) ? undefined : 'xray_tracing_enabled is not true'),
};
