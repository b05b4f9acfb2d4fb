import { asStrings, policyStatements, statementLabel } from '../attributes';
import type { PolicyStatementJson } from '../attributes';

/** True when the statement lets any AWS principal in and nothing narrows it down. */
function allowsEveryone(statement: PolicyStatementJson): boolean {
  if (statement.Effect !== 'Allow' || statement.Condition) return false;
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
  return open.length > 0 ? `${open.join(', ')} allow(s) any principal without a condition` : undefined;
}
