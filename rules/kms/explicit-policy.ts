import { policyStatements } from '../attributes';
import type { Rule } from '../rule';

export const kmsExplicitPolicy: Rule = {
  id: 'PLAT-KMS-2',
  checkov: ['CKV2_AWS_64'],
  resourceTypes: ['aws_kms_key'],
  description: 'KMS keys carry an explicit key policy instead of the implicit default.',
  fix: 'set policy (the EncryptionKey construct builds one: account administration plus allowXxx() statements)',
  check: (resource) => {
    if (resource.config.policy === undefined) return 'policy is not set (the default key policy applies)';
    const statements = policyStatements(resource.config.policy);
    if (typeof statements === 'string') return `policy: ${statements}`;
    return statements.length > 0 ? undefined : 'policy has no statements';
  },
};
