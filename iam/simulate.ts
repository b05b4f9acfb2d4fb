import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument, RoleModel, StackModel } from './model';

/**
 * Request evaluation with @cloud-copilot/iam-simulate (AGPL-3.0; a dev dependency used by tests
 * and `npm run iam:report` only, never part of a deployed artifact). It applies AWS's policy
 * evaluation logic (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * explicit deny wins; within an account an allow in the identity policy or in the resource
 * policy suffices, but a permissions boundary must also allow; across accounts both sides must.
 */

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface Request {
  /** Who calls: a role of the model, or a service principal / foreign account ARN. */
  readonly principal: RoleModel | string;
  readonly action: string;
  readonly resource: string;
  /** The account that owns the resource. Default: the stack's account. */
  readonly resourceAccount?: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
}

/** The statements of every resource policy that protects `arn` (objects inherit their bucket's). */
export function resourcePolicyFor(model: StackModel, arn: string): PolicyDocument | undefined {
  // A role's trust policy is its resource policy (who may assume it).
  const role = model.roles.find((r) => r.arn === arn);
  if (role) return role.trust;
  const statements = model.resourcePolicies
    .filter((policy) => {
      if (policy.resourceArn === arn) return true;
      if (policy.resourceArn.startsWith('arn:aws:s3:::') && arn.startsWith(`${policy.resourceArn}/`)) return true;
      return policy.resourceArn.endsWith(':*') && arn.startsWith(policy.resourceArn.slice(0, -1));
    })
    .flatMap((policy) => policy.policy.Statement);
  return statements.length > 0 ? { Version: '2012-10-17', Statement: statements } : undefined;
}

/** Keys AWS puts in every request of this principal, unless the caller says otherwise. */
function defaultContext(model: StackModel, request: Request): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = { 'aws:SecureTransport': 'true', 'aws:RequestedRegion': model.placement.region };
  if (typeof request.principal !== 'string') {
    context['aws:PrincipalArn'] = request.principal.arn;
    context['aws:PrincipalAccount'] = model.placement.accountId;
    context['aws:PrincipalType'] = 'AssumedRole';
  } else if (request.principal.endsWith('.amazonaws.com')) {
    context['aws:PrincipalIsAWSService'] = 'true';
    context['aws:PrincipalServiceName'] = request.principal;
  }
  return context;
}

export class SimulationError extends Error {}

/**
 * iam-simulate matches variable condition keys only at a "/" (aws:PrincipalTag/x), so it drops
 * encryption-context keys (kms:EncryptionContext:aws:logs:arn) as unknown. A request with one such
 * key is evaluated with that key renamed to the reference's template name, in the request and in
 * every policy, which is the same comparison.
 */
const ENCRYPTION_CONTEXT = /^kms:EncryptionContext:(.+)$/i;
const ENCRYPTION_CONTEXT_TEMPLATE = 'kms:EncryptionContext:${EncryptionContextKey}';

function renameConditionKey<T>(policy: T, from: string): T {
  if (!policy) return policy;
  const document = policy as unknown as PolicyDocument;
  return {
    ...document,
    Statement: document.Statement.map((statement) => {
      const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined;
      if (!condition) return statement;
      return {
        ...statement,
        Condition: Object.fromEntries(
          Object.entries(condition).map(([operator, entries]) => [
            operator,
            Object.fromEntries(Object.entries(entries).map(([key, value]) => [key.toLowerCase() === from.toLowerCase() ? ENCRYPTION_CONTEXT_TEMPLATE : key, value])),
          ]),
        ),
      };
    }),
  } as unknown as T;
}

/** Evaluates one request; a request the simulator cannot evaluate (unknown action, bad ARN) throws. */
export async function decide(model: StackModel, request: Request): Promise<Decision> {
  const role = typeof request.principal === 'string' ? undefined : request.principal;
  let context: Record<string, string | string[]> = { ...defaultContext(model, request), ...(request.context ?? {}) };
  const encryptionKeys = Object.keys(context).filter((key) => ENCRYPTION_CONTEXT.test(key));
  if (encryptionKeys.length > 1) throw new SimulationError(`${request.action}: more than one encryption-context key cannot be simulated`);
  const renamed = encryptionKeys[0];
  const rename = <T>(policy: T): T => (renamed ? renameConditionKey(policy, renamed) : policy);
  if (renamed) {
    const { [renamed]: value, ...rest } = context;
    context = { ...rest, [ENCRYPTION_CONTEXT_TEMPLATE]: value };
  }
  const principal = role ? `arn:aws:sts::${model.placement.accountId}:assumed-role/${role.name}/session` : (request.principal as string);
  const result = await runSimulation(
    {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount ?? model.placement.accountId },
        contextVariables: context,
      },
      identityPolicies: role ? role.identityPolicies.map((p) => ({ name: p.name, policy: rename(p.policy) })) : [],
      permissionBoundaryPolicies: role?.boundary ? [{ name: role.boundary.arn, policy: role.boundary.policy }] : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: rename(resourcePolicyFor(model, request.resource)),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new SimulationError(`${request.action} on ${request.resource} by ${principal}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Decision;
}
