import { expandAction } from '../../iam/iam-reference';
import type { IamReport } from './report';

/**
 * Everything a principal may do, as comparable facts: one per allowed action (patterns expanded
 * with iam-data) and resource and condition, one per AWS managed policy, the boundary, and the
 * denies. A fact of the pull request's report missing from main's widens what a principal may do
 * (a new allowed action or resource, a new managed policy, a dropped or changed boundary or deny).
 */
function facts(report: IamReport): Map<string, Set<string>> {
  const byPrincipal = new Map<string, Set<string>>();
  for (const account of report.accounts) {
    for (const p of account.principals) {
      const key = `${account.account}: ${p.stack} / ${p.role}`;
      const set = new Set<string>();
      for (const grant of p.grants) {
        for (const action of grant.actions) {
          const names = action.startsWith('everything but ') || action === '*' ? [action] : expandAction(action).map((a) => `${a.service}:${a.name}`);
          for (const name of names.length > 0 ? names : [action]) for (const resource of grant.resources) set.add(`allow ${name} on ${resource}${grant.condition ? ` if ${grant.condition}` : ''}`);
        }
      }
      for (const managed of p.managedPolicies) set.add(`managed policy ${managed}`);
      for (const trusted of p.trustedBy) set.add(`assumable by ${trusted}`);
      set.add(p.boundary ? `boundary ${p.boundary}` : 'no boundary');
      byPrincipal.set(key, set);
    }
  }
  return byPrincipal;
}

function denies(report: IamReport): Map<string, Set<string>> {
  return new Map(report.accounts.flatMap((a) => a.principals.map((p) => [`${a.account}: ${p.stack} / ${p.role}`, new Set(p.denies)] as const)));
}

/** The widening lines that concern one synthesized stack (its principals; escalations with the bootstrap stack). */
export function wideningsForStack(lines: readonly string[], stack: string): string[] {
  return lines.filter((line) => line.includes(`: ${stack} / `) || (stack.endsWith('-bootstrap') && line.startsWith(`${stack.slice(0, -'-bootstrap'.length)}: escalation`)));
}

/** How the head report widens the base report, one line per principal and widened fact. */
export function widenings(base: IamReport, head: IamReport): string[] {
  const lines: string[] = [];
  const baseFacts = facts(base);
  const baseDenies = denies(base);
  for (const [principal, set] of facts(head)) {
    const before = baseFacts.get(principal);
    if (!before) {
      lines.push(`${principal}: new principal with ${[...set].filter((f) => f.startsWith('allow') || f.startsWith('managed')).length} grant(s)`);
      continue;
    }
    for (const fact of set) if (!before.has(fact)) lines.push(`${principal}: ${fact}`);
  }
  for (const [principal, set] of baseDenies) {
    const after = denies(head).get(principal);
    if (!after) continue;
    for (const deny of set) if (!after.has(deny)) lines.push(`${principal}: no longer denied: ${deny}`);
  }
  for (const account of head.accounts) {
    for (const e of account.escalations) if (e.decision === 'Allowed') lines.push(`${account.account}: escalation ${e.method} is ALLOWED`);
  }
  return lines.sort();
}
