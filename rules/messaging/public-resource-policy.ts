import { asStrings, conditionConstrains, policyStatements, statementLabel } from '../attributes';
import type { PolicyStatementJson } from '../attributes';

/** Condition keys that pin a public principal to one caller resource, account or organization. */
const CALLER_NARROWING_KEYS = new Set(['aws:SourceArn', 'aws:SourceAccount', 'aws:PrincipalOrgID', 'aws:PrincipalAccount'].map((key) => key.toLowerCase()));

/** True when the statement lets any AWS principal in and no caller-narrowing condition holds it back. */
function allowsEveryone(statement: PolicyStatementJson): boolean {
  if (statement.Effect !== 'Allow' || conditionConstrains(statement, CALLER_NARROWING_KEYS)) return false;
  const principal = statement.Principal;
  if (principal === '*') return true;
  return typeof principal === 'object' && principal !== null && asStrings((principal as { AWS?: unknown }).AWS).includes('*');
}

/** What is public about a resource policy, or undefined. */
export function publicStatements(policy: unknown): string | undefined {
  if (policy === undefined) return undefined;
  const statements = policyStatements(policy);
  if (typeof statements === 'string') return `policy: ${statements}`;
  const open = statements.map((statement, index) => (allowsEveryone(statement) ? statementLabel(statement, index) : undefined)).filter(Boolean);
  return open.length > 0
    ? `${open.join(', ')} allow(s) any principal without a condition on aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID or aws:PrincipalAccount`
    : undefined;
}
