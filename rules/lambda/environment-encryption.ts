import { block, customerManagedKeyProblem, isSet } from '../attributes';
import type { Rule } from '../rule';

export const lambdaEnvironmentEncryption: Rule = {
  id: 'PLAT-LAMBDA-4',
  checkov: ['CKV_AWS_173'],
  resourceTypes: ['aws_lambda_function'],
  description: 'Lambda environment variables are encrypted with a customer-managed KMS key.',
  fix: "set kmsKeyArn to the account's platform key and grant the role kms:Decrypt on it",
  check: (resource) => {
    const variables = block(resource.config.environment)?.variables;
    if (!isSet(variables)) return undefined;
    const problem = customerManagedKeyProblem('kms_key_arn', resource.config.kms_key_arn);
    return problem ? `has environment variables but ${problem}` : undefined;
  },
};
