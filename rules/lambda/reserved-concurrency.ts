import type { Rule } from '../rule';

export const lambdaReservedConcurrency: Rule = {
  id: 'PLAT-LAMBDA-2',
  checkov: ['CKV_AWS_115'],
  resourceTypes: ['aws_lambda_function'],
  description: 'Lambda functions have a reserved concurrency, so one runaway function cannot starve the account or its database.',
  fix: 'set reservedConcurrentExecutions (from the function size configuration)',
  check: (resource) => {
    const reserved = resource.config.reserved_concurrent_executions;
    if (typeof reserved === 'number' && reserved >= 0) return undefined;
    return reserved === undefined ? 'reserved_concurrent_executions is not set' : `reserved_concurrent_executions is ${String(reserved)} (unreserved)`;
  },
};
