import { block } from '../attributes';
import type { Rule } from '../rule';

export const lambdaTracingActive: Rule = {
  id: 'PLAT-LAMBDA-1',
  checkov: ['CKV_AWS_50'],
  trivy: ['AVD-AWS-0066'],
  resourceTypes: ['aws_lambda_function'],
  description: 'Lambda functions send X-Ray traces (tracing mode Active).',
  fix: 'set tracingConfig: { mode: "Active" } and grant xray:PutTraceSegments/PutTelemetryRecords to the role',
  check: (resource) => {
    const mode = block(resource.config.tracing_config)?.mode;
    return mode === 'Active' ? undefined : `tracing_config.mode is ${mode === undefined ? 'not set' : String(mode)}`;
  },
};
