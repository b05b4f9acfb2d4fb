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

/** Evaluates one request; a request the simulator cannot evaluate (unknown action, bad ARN) throws. */
export async function decide(model: StackModel, request: Request): Promise<Decision> {
  const role = typeof request.principal === 'string' ? undefined : request.principal;
  const principal = role ? `arn:aws:sts::${model.placement.accountId}:assumed-role/${role.name}/session` : (request.principal as string);
  const result = await runSimulation(
    {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount ?? model.placement.accountId },
        contextVariables: { ...defaultContext(model, request), ...(request.context ?? {}) },
      },
      identityPolicies: role ? role.identityPolicies.map((p) => ({ name: p.name, policy: p.policy })) : [],
      permissionBoundaryPolicies: role?.boundary ? [{ name: role.boundary.arn, policy: role.boundary.policy }] : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicyFor(model, request.resource),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new SimulationError(`${request.action} on ${request.resource} by ${principal}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Decision;
}
