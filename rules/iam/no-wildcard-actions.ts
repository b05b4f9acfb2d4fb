import { IDENTITY_POLICY_TYPES, identityPolicies, policyStatements, statementLabel } from '../attributes';
import type { Rule } from '../rule';

/** "*", "s3:*", and also partial patterns like "iam:Put*" or "s3:*Object": each grants actions nobody listed. */
function isWildcard(action: string): boolean {
  return /[*?]/.test(action);
}

export const iamNoWildcardActions: Rule = {
  id: 'PLAT-IAM-1',
  checkov: ['CKV_AWS_63', 'CKV_AWS_62'],
  trivy: ['AVD-AWS-0057'],
  resourceTypes: IDENTITY_POLICY_TYPES,
  description: 'Identity policies allow named actions only: no "*" or "?" in an action ("*", "service:*", "iam:Put*"), no Allow with NotAction.',
  fix: 'list the actions the caller needs by full name (grantXxx() methods do this; StatementSet refuses wildcards)',
  check: (resource) => {
    const problems: string[] = [];
    for (const { label, policy } of identityPolicies(resource.type, resource.config)) {
      const statements = policyStatements(policy);
      if (typeof statements === 'string') {
        problems.push(`${label}: ${statements}`);
        continue;
      }
      statements.forEach((statement, index) => {
        if (statement.Effect !== 'Allow') return;
        const wild = statement.Action.filter(isWildcard);
        if (wild.length > 0) problems.push(`${label} ${statementLabel(statement, index)} allows ${wild.join(', ')}`);
        if (statement.NotAction.length > 0) problems.push(`${label} ${statementLabel(statement, index)} allows everything except NotAction`);
      });
    }
    return problems.length > 0 ? problems.join('; ') : undefined;
  },
};
