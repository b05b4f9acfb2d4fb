import type { Rule } from '../rule';

export const secretRotation: Rule = {
  id: 'PLAT-SECRETS-2',
  checkov: ['CKV2_AWS_57'],
  resourceTypes: ['aws_secretsmanager_secret'],
  description: 'Secrets rotate automatically.',
  fix: 'add an aws_secretsmanager_secret_rotation for the secret (or let RDS manage the master secret, which it rotates itself)',
  check: (resource, context) =>
    context.referencing('aws_secretsmanager_secret_rotation', resource).length > 0 ? undefined : 'no aws_secretsmanager_secret_rotation references this secret',
};
