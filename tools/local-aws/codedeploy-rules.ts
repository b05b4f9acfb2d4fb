/**
 * CodeDeploy's documented rules for a Lambda deployment: the one model both CodeDeploy stand-ins
 * enforce (delivery-apis.ts, stepped by polls, for the release commands; the account scenario's,
 * run on its virtual clock). Each rule is cited here once.
 */

/** An API error CodeDeploy answers with 400 {"__type", "message"}. */
export class CodeDeployError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export interface LambdaAppSpec {
  readonly name: string;
  readonly current: string;
  readonly target: string;
  /** Lifecycle event -> hook function name. */
  readonly hooks: Readonly<Record<string, string>>;
}

/** The revision of a CreateDeployment as CodeDeploy checks it for the Lambda compute platform; throws InvalidRevisionException. */
export function parseLambdaAppSpec(revision: { revisionType?: string; appSpecContent?: { content?: string } } | undefined): LambdaAppSpec {
  const content = revision?.appSpecContent?.content;
  if (revision?.revisionType !== 'AppSpecContent' || typeof content !== 'string' || !content) {
    throw new CodeDeployError('InvalidRevisionException', 'The revision must be AppSpecContent for the Lambda compute platform');
  }
  let spec: {
    version?: unknown;
    Resources?: Record<string, { Type?: unknown; Properties?: Record<string, unknown> }>[];
    Hooks?: Record<string, string>[];
  };
  try {
    spec = JSON.parse(content);
  } catch {
    throw new CodeDeployError('InvalidRevisionException', 'The AppSpec content is not valid JSON');
  }
  // "Specify version with a string": the only allowed value is "0.0".
  // https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-version.html
  if (spec.version !== '0.0') throw new CodeDeployError('InvalidRevisionException', `The AppSpec version must be the string "0.0", not ${JSON.stringify(spec.version)}`);
  const resource = Object.values(spec.Resources?.[0] ?? {})[0];
  const properties = resource?.Properties ?? {};
  const [name, current, target] = [properties.Name, properties.CurrentVersion, properties.TargetVersion];
  if (resource?.Type !== 'AWS::Lambda::Function' || typeof name !== 'string' || typeof current !== 'string' || typeof target !== 'string') {
    throw new CodeDeployError('InvalidRevisionException', 'The AppSpec needs one AWS::Lambda::Function resource with Name, Alias, CurrentVersion and TargetVersion');
  }
  return {
    name,
    current,
    target,
    hooks: Object.assign({}, ...(spec.Hooks ?? [])) as Record<string, string>,
  };
}

/**
 * A deployment group has at most one active deployment, counted from its creation on (not from
 * the first traffic shift): another CreateDeployment gets DeploymentLimitExceededException.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ListDeployments.html (the statuses)
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html#API_CreateDeployment_Errors
 */
const ACTIVE_DEPLOYMENT_STATUSES: ReadonlySet<string> = new Set(['Created', 'Queued', 'InProgress', 'Baking', 'Ready']);

export function assertNoActiveDeployment(group: string, deploymentsOfGroup: Iterable<{ readonly id: string; readonly status: string }>): void {
  const active = [...deploymentsOfGroup].find((d) => ACTIVE_DEPLOYMENT_STATUSES.has(d.status));
  if (active) throw new CodeDeployError('DeploymentLimitExceededException', `The Deployment Group '${group}' already has an active Deployment '${active.id}'`);
}

export interface AlarmConfiguration {
  readonly enabled: boolean;
  readonly alarms: readonly string[];
}

/**
 * While a deployment runs, any of its alarms in ALARM stops it (ALARM_ACTIVE). A deployment's
 * overrideAlarmConfiguration replaces the group's alarm configuration for that deployment
 * (enabled false: no alarm stops it).
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-create-alarms.html
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html (overrideAlarmConfiguration)
 */
export function deploymentAlarms(group: AlarmConfiguration, override: { enabled?: boolean; alarms?: { name: string }[] } | undefined): AlarmConfiguration {
  return override
    ? {
        enabled: override.enabled === true,
        alarms: (override.alarms ?? []).map((alarm) => alarm.name),
      }
    : group;
}

/** The error that stops a deployment whose watched alarms fire; undefined while none is in ALARM. */
export function alarmStop(alarms: AlarmConfiguration, isInAlarm: (alarm: string) => boolean): { code: string; message: string } | undefined {
  const firing = alarms.enabled ? alarms.alarms.filter(isInAlarm) : [];
  if (firing.length === 0) return undefined;
  return {
    code: 'ALARM_ACTIVE',
    message: `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${firing.join(', ')}>`,
  };
}

/**
 * With automatic rollback on DEPLOYMENT_FAILURE / DEPLOYMENT_STOP_ON_ALARM, CodeDeploy redeploys
 * the last good revision as a new deployment with its own id (creator codeDeployRollback, the
 * alias back on the old version at once); the failed deployment's rollbackInfo names it, and the
 * versions stay published. A CreateDeployment's autoRollbackConfiguration replaces the group's.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html
 */
export function rollbackEvents(group: readonly string[], override: { enabled?: boolean; events?: string[] } | undefined): readonly string[] {
  return override ? (override.enabled ? override.events ?? [] : []) : group;
}

export function rollsBack(events: readonly string[], failedStatus: 'Failed' | 'Stopped'): boolean {
  return events.includes(failedStatus === 'Stopped' ? 'DEPLOYMENT_STOP_ON_ALARM' : 'DEPLOYMENT_FAILURE');
}

/** The rollback deployment's revision and the failed deployment's rollbackMessage. */
export function rollbackOf(failed: { readonly functionName: string; readonly current: string; readonly target: string }): {
  revision: {
    revisionType: 'AppSpecContent';
    appSpecContent: { content: string };
  };
  rollbackMessage: string;
} {
  const content = JSON.stringify({
    version: '0.0',
    Resources: [
      {
        [failed.functionName]: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Name: failed.functionName,
            Alias: 'live',
            CurrentVersion: failed.target,
            TargetVersion: failed.current,
          },
        },
      },
    ],
  });
  return {
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
    rollbackMessage: `Automatic rollback to version ${failed.current}`,
  };
}

/**
 * CodeDeploy invokes a lifecycle hook with {DeploymentId, LifecycleEventHookExecutionId} and waits
 * for the hook to report Succeeded or Failed with PutLifecycleEventHookExecutionStatus; a Failed
 * hook fails the deployment (HOOK_EXECUTION_FAILURE).
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#reference-appspec-file-structure-hooks-section-structure-lambda-sample-function
 */
export function hookInvocation(deploymentId: string, lifecycleEvent: string): { executionId: string; event: { DeploymentId: string; LifecycleEventHookExecutionId: string } } {
  const executionId = `${deploymentId}-${lifecycleEvent}`;
  return { executionId, event: { DeploymentId: deploymentId, LifecycleEventHookExecutionId: executionId } };
}

export function hookFailure(lifecycleEvent: string): { code: string; message: string } {
  return { code: 'HOOK_EXECUTION_FAILURE', message: `The deployment failed because one or more of the lifecycle event hooks failed. Lifecycle event: ${lifecycleEvent}` };
}
