import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AlarmConfiguration, alarmStop, assertNoActiveDeployment, CodeDeployError, deploymentAlarms, hookFailure, hookInvocation, parseLambdaAppSpec, rollbackEvents, rollbackOf, rollsBack } from '../../tools/local-aws/codedeploy-rules';
import type { CloudWatchModel } from './cloudwatch-alarms';
import type { LambdaStandIn } from './lambda-stand-in';
import type { ScenarioClock } from './scenario-clock';

/**
 * CodeDeploy (Lambda compute platform) for the scenario: the application and deployment groups the
 * stack synthesizes, and deployments that run as CodeDeploy runs them, on the scenario's clock. The
 * AWS JSON 1.1 API the SDKs use answers on 127.0.0.1.
 *
 * CodeDeploy's rules (the AppSpec check, one active deployment per group, the alarm stop, rollback
 * as a new deployment, how a hook is invoked and reports) are tools/local-aws/codedeploy-rules.ts,
 * shared with the release commands' stand-in. How a deployment runs, from CodeDeploy's documentation:
 * - A Lambda deployment runs BeforeAllowTraffic (its hook), AllowTraffic (the alias shifted per the
 *   deployment configuration), AfterAllowTraffic (its hook)
 *   (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-lambda.html).
 * - The predefined configurations: AllAtOnce, Canary<P>Percent<M>Minutes (P% for M minutes, then
 *   the rest), Linear<P>PercentEvery<M>Minute(s)
 *   (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html).
 */

export interface DeploymentGroup {
  readonly name: string;
  readonly configName: string;
  readonly alarms: AlarmConfiguration;
  readonly autoRollbackEvents: readonly string[];
}

interface LifecycleEvent {
  lifecycleEventName: string;
  status: 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped';
}

interface Deployment {
  readonly id: string;
  readonly group: DeploymentGroup;
  readonly input: Record<string, any>;
  readonly functionName: string;
  readonly current: string;
  readonly target: string;
  readonly hooks: Record<string, string>;
  readonly configName: string;
  readonly alarms: AlarmConfiguration;
  readonly createTime: number;
  /** DeploymentInfo.creator: "user", or "codeDeployRollback" for an automatic rollback (API_DeploymentInfo). */
  readonly creator: 'user' | 'codeDeployRollback';
  readonly autoRollbackEvents: readonly string[];
  status: 'Created' | 'InProgress' | 'Succeeded' | 'Failed' | 'Stopped';
  weight: number;
  events: LifecycleEvent[];
  error?: { code: string; message: string };
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackMessage?: string; rollbackTriggeringDeploymentId?: string };
  hookResults: Map<string, (status: string) => void>;
  stop?: (error: { code: string; message: string }) => void;
}

class DeploymentEnded extends Error {
  constructor(readonly failure: { code: string; message: string }) {
    super(failure.message);
  }
}

/** The traffic steps of a predefined Lambda configuration: [weight on the new version, minutes to wait before the next step]. */
export function trafficSteps(configName: string): [number, number][] {
  if (configName === 'CodeDeployDefault.LambdaAllAtOnce') return [[1, 0]];
  const canary = /^CodeDeployDefault\.LambdaCanary(\d+)Percent(\d+)Minutes$/.exec(configName);
  if (canary) return [[Number(canary[1]) / 100, Number(canary[2])], [1, 0]];
  const linear = /^CodeDeployDefault\.LambdaLinear(\d+)PercentEvery(\d+)Minutes?$/.exec(configName);
  if (linear) {
    const step = Number(linear[1]) / 100;
    const steps: [number, number][] = [];
    for (let weight = step; weight < 1 - 1e-9; weight += step) steps.push([weight, Number(linear[2])]);
    return [...steps, [1, 0]];
  }
  throw new Error(`the CodeDeploy model has no deployment configuration ${configName}`);
}

export class CodeDeployStandIn {
  readonly deployments = new Map<string, Deployment>();
  /** Every API call: [operation, input], in order. */
  readonly calls: [string, Record<string, any>][] = [];
  url = '';
  private server?: http.Server;
  private counter = 0;
  private created = 0;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly applicationName: string,
    private readonly groups: ReadonlyMap<string, DeploymentGroup>,
    private readonly lambda: LambdaStandIn,
    private readonly cloudwatch: CloudWatchModel,
    private readonly clock: ScenarioClock,
  ) {
    clock.everyMinute(() => this.watchAlarms());
  }

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => void this.serve(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves when every deployment started so far has ended. */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The scenario's time in ms, one more per deployment: CodeDeploy's create times are distinct and ordered. */
  private createTime(): number {
    return this.clock.now() + ++this.created;
  }

  private alarmStop(deployment: Deployment): { code: string; message: string } | undefined {
    return alarmStop(deployment.alarms, (name) => this.cloudwatch.state(name) === 'ALARM');
  }

  private watchAlarms(): void {
    for (const deployment of this.deployments.values()) {
      if (deployment.status !== 'InProgress') continue;
      const stop = this.alarmStop(deployment);
      if (stop) deployment.stop?.(stop);
    }
  }

  private create(input: Record<string, any>): Deployment {
    if (input.applicationName !== this.applicationName) throw new CodeDeployError('ApplicationDoesNotExistException', `No application found for name: ${input.applicationName}`);
    const group = this.groups.get(input.deploymentGroupName);
    if (!group) throw new CodeDeployError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${input.deploymentGroupName}`);
    assertNoActiveDeployment(group.name, [...this.deployments.values()].filter((d) => d.group === group));
    const spec = parseLambdaAppSpec(input.revision);
    const deployment: Deployment = {
      id: `d-SCENARIO${String(++this.counter).padStart(3, '0')}`,
      group,
      input,
      functionName: spec.name,
      current: spec.current,
      target: spec.target,
      hooks: spec.hooks,
      configName: input.deploymentConfigName ?? group.configName,
      alarms: deploymentAlarms(group.alarms, input.overrideAlarmConfiguration),
      createTime: this.createTime(),
      creator: 'user',
      autoRollbackEvents: rollbackEvents(group.autoRollbackEvents, input.autoRollbackConfiguration),
      status: 'Created',
      weight: 0,
      events: ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'].map((name) => ({ lifecycleEventName: name, status: 'Pending' })),
      hookResults: new Map(),
    };
    // An unknown configuration fails here, before the deployment exists.
    trafficSteps(deployment.configName);
    this.deployments.set(deployment.id, deployment);
    const run = this.run(deployment).finally(() => this.running.delete(run));
    this.running.add(run);
    return deployment;
  }

  private async runHook(deployment: Deployment, eventName: string, event: LifecycleEvent): Promise<void> {
    const hook = deployment.hooks[eventName];
    if (!hook) {
      event.status = 'Succeeded';
      return;
    }
    event.status = 'InProgress';
    const { executionId, event: hookEvent } = hookInvocation(deployment.id, eventName);
    const reported = new Promise<string>((resolve) => deployment.hookResults.set(executionId, resolve));
    const invocation = await this.lambda.invokeAsync(hook, '$LATEST', hookEvent);
    // A hook that ended without reporting leaves CodeDeploy waiting until the hook times out (an hour).
    const status = await Promise.race([reported, invocation.functionError ? Promise.resolve('Failed') : reported]);
    event.status = status === 'Succeeded' ? 'Succeeded' : 'Failed';
    if (event.status === 'Failed') {
      throw new DeploymentEnded(hookFailure(eventName));
    }
  }

  private async run(deployment: Deployment): Promise<void> {
    let release = this.clock.hold();
    const stopped = new Promise<never>((_, reject) => {
      deployment.stop = (error) => reject(new DeploymentEnded(error));
    });
    stopped.catch(() => undefined);
    const check = () => {
      const stop = this.alarmStop(deployment);
      if (stop) throw new DeploymentEnded(stop);
    };
    try {
      await new Promise((resolve) => setImmediate(resolve));
      deployment.status = 'InProgress';
      check();
      const [before, allow, after] = deployment.events;
      await Promise.race([this.runHook(deployment, 'BeforeAllowTraffic', before), stopped]);
      check();
      allow.status = 'InProgress';
      for (const [weight, waitMinutes] of trafficSteps(deployment.configName)) {
        deployment.weight = weight;
        if (weight < 1) this.lambda.updateAlias(deployment.functionName, deployment.current, { [deployment.target]: weight });
        else this.lambda.updateAlias(deployment.functionName, deployment.target);
        if (waitMinutes > 0) {
          release();
          try {
            await Promise.race([this.clock.sleep(waitMinutes * 60_000), stopped]);
          } finally {
            release = this.clock.hold();
          }
        }
        check();
      }
      allow.status = 'Succeeded';
      await Promise.race([this.runHook(deployment, 'AfterAllowTraffic', after), stopped]);
      check();
      deployment.status = 'Succeeded';
    } catch (error) {
      if (!(error instanceof DeploymentEnded)) throw error;
      deployment.status = error.failure.code === 'ALARM_ACTIVE' ? 'Stopped' : 'Failed';
      deployment.error = error.failure;
      for (const event of deployment.events) if (event.status === 'Pending') event.status = 'Skipped';
      for (const event of deployment.events) if (event.status === 'InProgress') event.status = 'Failed';
      if (rollsBack(deployment.autoRollbackEvents, deployment.status)) this.rollBack(deployment);
    } finally {
      deployment.stop = undefined;
      release();
    }
  }

  /** The automatic rollback: a new deployment that puts the alias back on the version it served before, at once. */
  private rollBack(failed: Deployment): void {
    this.lambda.updateAlias(failed.functionName, failed.current);
    const { revision, rollbackMessage } = rollbackOf(failed);
    const rollback: Deployment = {
      id: `d-SCENARIO${String(++this.counter).padStart(3, '0')}`,
      group: failed.group,
      input: { revision },
      functionName: failed.functionName,
      current: failed.target,
      target: failed.current,
      hooks: {},
      configName: 'CodeDeployDefault.LambdaAllAtOnce',
      alarms: { enabled: false, alarms: [] },
      createTime: this.createTime(),
      creator: 'codeDeployRollback',
      autoRollbackEvents: [],
      status: 'Succeeded',
      weight: 1,
      events: ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'].map((name) => ({ lifecycleEventName: name, status: 'Succeeded' })),
      hookResults: new Map(),
      rollbackInfo: { rollbackTriggeringDeploymentId: failed.id },
    };
    this.deployments.set(rollback.id, rollback);
    failed.rollbackInfo = { rollbackDeploymentId: rollback.id, rollbackMessage };
  }

  private info(d: Deployment): Record<string, unknown> {
    return {
      applicationName: this.applicationName,
      deploymentGroupName: d.group.name,
      deploymentId: d.id,
      deploymentConfigName: d.configName,
      computePlatform: 'Lambda',
      status: d.status,
      creator: d.creator,
      createTime: d.createTime / 1000,
      description: d.input.description,
      revision: d.input.revision,
      ...(d.error ? { errorInformation: d.error } : {}),
      ...(d.rollbackInfo ? { rollbackInfo: d.rollbackInfo } : {}),
      ...(d.input.overrideAlarmConfiguration ? { overrideAlarmConfiguration: d.input.overrideAlarmConfiguration } : {}),
    };
  }

  private handle(operation: string, input: Record<string, any>): unknown {
    const deployment = () => {
      const found = this.deployments.get(input.deploymentId);
      if (!found) throw new CodeDeployError('DeploymentDoesNotExistException', `The deployment ${input.deploymentId} could not be found.`);
      return found;
    };
    switch (operation) {
      case 'CreateDeployment':
        return { deploymentId: this.create(input).id };
      case 'GetDeployment':
        return { deploymentInfo: this.info(deployment()) };
      case 'BatchGetDeployments':
        return { deploymentsInfo: (input.deploymentIds as string[]).map((id) => this.deployments.get(id)).filter((d): d is Deployment => !!d).map((d) => this.info(d)) };
      case 'ListDeployments': {
        const statuses: string[] = input.includeOnlyStatuses ?? [];
        // createTimeRange {start, end} in epoch seconds (the JSON protocol's timestamps).
        const range = (input.createTimeRange ?? {}) as { start?: number; end?: number };
        const inRange = (d: Deployment) => (range.start === undefined || d.createTime >= range.start * 1000) && (range.end === undefined || d.createTime <= range.end * 1000);
        // Newest first, as CodeDeploy lists them.
        const ids = [...this.deployments.values()]
          .filter((d) => (!input.deploymentGroupName || d.group.name === input.deploymentGroupName) && (statuses.length === 0 || statuses.includes(d.status)) && inRange(d))
          .reverse()
          .map((d) => d.id);
        return { deployments: ids };
      }
      case 'ListDeploymentTargets':
        return { targetIds: [`${deployment().functionName}:live`] };
      case 'GetDeploymentTarget': {
        const d = deployment();
        return {
          deploymentTarget: {
            deploymentTargetType: 'LambdaTarget',
            lambdaTarget: {
              deploymentId: d.id,
              targetId: input.targetId,
              status: d.status,
              lifecycleEvents: d.events,
              lambdaFunctionInfo: { functionName: d.functionName, functionAlias: 'live', currentVersion: d.current, targetVersion: d.target, targetVersionWeight: d.weight },
            },
          },
        };
      }
      case 'PutLifecycleEventHookExecutionStatus': {
        const report = deployment().hookResults.get(input.lifecycleEventHookExecutionId);
        if (!report) throw new CodeDeployError('LifecycleEventAlreadyCompletedException', `No lifecycle event ${input.lifecycleEventHookExecutionId} is waiting for a status`);
        report(input.status);
        return { lifecycleEventHookExecutionId: input.lifecycleEventHookExecutionId };
      }
      case 'ListDeploymentGroups':
        if (input.applicationName !== this.applicationName) throw new CodeDeployError('ApplicationDoesNotExistException', `No application found for name: ${input.applicationName}`);
        return { applicationName: this.applicationName, deploymentGroups: [...this.groups.keys()] };
      case 'GetDeploymentGroup': {
        const group = this.groups.get(input.deploymentGroupName);
        if (!group) throw new CodeDeployError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${input.deploymentGroupName}`);
        return {
          deploymentGroupInfo: {
            applicationName: this.applicationName,
            deploymentGroupName: group.name,
            deploymentConfigName: group.configName,
            computePlatform: 'Lambda',
            alarmConfiguration: { enabled: group.alarms.enabled, alarms: group.alarms.alarms.map((name) => ({ name })) },
            autoRollbackConfiguration: { enabled: group.autoRollbackEvents.length > 0, events: group.autoRollbackEvents },
          },
        };
      }
      default:
        throw new CodeDeployError('InvalidOperationException', `The CodeDeploy stand-in does not implement ${operation}`);
    }
  }

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const operation = String(request.headers['x-amz-target'] ?? '').replace(/^CodeDeploy_20141006\./, '');
    const input = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    this.calls.push([operation, input]);
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(payload));
    };
    try {
      reply(200, this.handle(operation, input));
    } catch (error) {
      if (error instanceof CodeDeployError) reply(400, { __type: error.type, message: error.message });
      else reply(500, { __type: 'InternalFailure', message: (error as Error).message });
    }
  }
}
