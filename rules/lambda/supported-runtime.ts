import { allowedPythonRuntimes } from '../../aws/aws-facts';
import type { Rule } from '../rule';

export const lambdaSupportedRuntime: Rule = {
  id: 'PLAT-LAMBDA-5',
  checkov: ['CKV_AWS_363'],
  resourceTypes: ['aws_lambda_function'],
  description: 'Lambda functions use a runtime AWS still supports (aws/aws-facts.ts lists the runtimes and their deprecation dates).',
  fix: 'use one of the runtimes allowedPythonRuntimes() returns (python3.12 or newer)',
  check: (resource, context) => {
    const runtime = resource.config.runtime;
    // Container-image functions carry their runtime in the image.
    if (runtime === undefined && resource.config.package_type === 'Image') return undefined;
    const allowed = allowedPythonRuntimes(context.today);
    if (typeof runtime === 'string' && allowed.includes(runtime)) return undefined;
    return `runtime ${runtime === undefined ? '(not set)' : String(runtime)} is deprecated or unknown; supported: ${allowed.join(', ')}`;
  },
};
