import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { alarmStop, assertNoActiveDeployment, CodeDeployError, deploymentAlarms, hookFailure, hookInvocation, parseLambdaAppSpec, rollbackEvents, rollbackOf, rollsBack } from './codedeploy-rules';
import { THROTTLED, throttles } from './lambda-rules';

/**
 * Local stand-ins of the CodeDeploy and Lambda APIs (and the alarm states CodeDeploy reads from
 * CloudWatch) for the release and rollback commands and the account scenario, real HTTP servers
 * speaking the protocols the AWS SDK v3 clients use:
 * - CodeDeploy: AWS JSON 1.1, POST / with X-Amz-Target CodeDeploy_20141006.<Operation>, errors as
 *   {"__type", "message"} with status 400. Operations: CreateDeployment, GetDeployment,
 *   ListDeployments, ListDeploymentGroups, ListDeploymentTargets, GetDeploymentTarget.
 * - Lambda: REST JSON under /2015-03-31/functions/<name>/...: GetAlias, ListVersionsByFunction and
 *   Invoke; errors with the X-Amzn-ErrorType header.
 * They share one account state (functions, published versions, the live alias, alarm states) and
 * record every request. A deployment advances one step each time it is polled (GetDeployment):
 * poll 1 the pre-traffic hook, poll 2 part of the traffic shifted, poll 3 the outcome. The rules
 * AWS documents are codedeploy-rules.ts and lambda-rules.ts, shared with the account scenario.
 */

/** success; the pre-traffic hook reports Failed; the new version trips an alarm during the shift; the deployment times out; never ends. */
export type ScriptedOutcome = 'success' | 'hook-failure' | 'alarm-stop' | 'timeout' | 'never-ends';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

type HookEvent = 'BeforeAllowTraffic' | 'AfterAllowTraffic';

export interface StandInFunction {
  /** Published versions, e.g. ['1', '2', '3']. */
  versions: string[];
  /** The version the live alias points at. */
  alias: string;
  /** Weighted routing of the alias (a shift in progress): version -> weight. */
  routing?: Record<string, number>;
  /** Reserved concurrency: synchronous invokes beyond it get 429. Default: no reservation (no cap). */
  reservedConcurrency?: number;
}

export interface RecordedCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** What an Invoke runs (the scenario plugs the real handlers in). Default: answers {}. */
export type InvokeHandler = (functionName: string, version: string, payload: unknown) => Promise<{ payload: unknown; functionError?: string }>;

/** The CreateDeployment (and other) input fields the stand-in reads. */
interface DeploymentInput {
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  readonly deploymentConfigName?: string;
  readonly description?: string;
  readonly deploymentId?: string;
  readonly targetId?: string;
  readonly includeOnlyStatuses?: string[];
  /** Epoch seconds, as the AWS JSON protocol sends timestamps. */
  readonly createTimeRange?: { readonly start?: number; readonly end?: number };
  readonly nextToken?: string;
  readonly revision?: { readonly revisionType?: string; readonly appSpecContent?: { readonly content?: string; readonly sha256?: string } };
  readonly overrideAlarmConfiguration?: { readonly enabled?: boolean };
  readonly autoRollbackConfiguration?: { readonly enabled?: boolean; readonly events?: string[] };
}

interface StandInDeployment {
  readonly id: string;
  readonly input: DeploymentInput;
  readonly functionName: string;
  readonly current: string;
  readonly target: string;
  readonly outcome: ScriptedOutcome;
  readonly createTime: number;
  readonly creator: 'user' | 'codeDeployRollback';
  polls: number;
  status: string;
  /** runHooks: where the deployment is, and each hook execution with what the hook reported. */
  phase?: 'start' | 'before' | 'shifted' | 'after';
  hooks?: Map<string, { readonly event: HookEvent; status?: string }>;
  error?: { code: string; message: string };
  rollbackDeploymentId?: string;
}

export interface DeliveryStandIns {
  readonly codedeployUrl: string;
  readonly lambdaUrl: string;
  readonly functions: Record<string, StandInFunction>;
  /** Every CodeDeploy operation with its input, in order. */
  readonly codedeployCalls: RecordedCall[];
  /** Every Lambda request as "METHOD path", in order. */
  readonly lambdaCalls: string[];
  /** Every Invoke: function, qualifier, and whether Lambda throttled it (429). */
  readonly invocations: { functionName: string; qualifier: string; throttled: boolean }[];
  /** Adds a finished deployment to the history (what an earlier release left behind). */
  addPastDeployment(functionName: string, current: string, target: string, status: 'Succeeded' | 'Failed' | 'Created', createTime: number): void;
  /** What an apply does when a function's code or configuration changed: publishes the next version (the alias stays). */
  publishVersion(functionName: string): string;
  /** Sets an alarm's state, as CloudWatch would when its metric crosses the threshold. */
  setAlarmState(alarmName: string, state: AlarmState): void;
  close(): Promise<void>;
}

export interface DeliveryStandInOptions {
  readonly applicationName: string;
  readonly functions: Record<string, StandInFunction>;
  /** Outcome per function; default: success. */
  readonly outcomes?: Record<string, ScriptedOutcome>;
  /** The deployment groups of the application; default: one per function (what the stack creates). */
  readonly deploymentGroups?: readonly string[];
  /** Alarm names per deployment group (the stack's alarm_configuration); default: deploy-<group>-error-rate. */
  readonly groupAlarms?: Record<string, readonly string[]>;
  readonly invoke?: InvokeHandler;
  /**
   * Groups where another client (a second release, the console) creates a deployment between our
   * checks and our CreateDeployment: ours then meets the one-active-deployment rule.
   */
  readonly racingDeployments?: readonly string[];
  /**
   * Run the AppSpec's hooks as CodeDeploy does (codedeploy-rules.ts) instead of playing `outcomes`:
   * invoke the BeforeAllowTraffic hook (through `invoke`), wait for its status report, shift 10%
   * then all traffic, invoke the AfterAllowTraffic hook and wait again; a Failed hook fails the
   * deployment and rolls it back.
   */
  readonly runHooks?: boolean;
}

const ERRORS: Record<'hook-failure' | 'timeout', { status: string; code: string; message: string }> = {
  'hook-failure': { status: 'Failed', ...hookFailure('BeforeAllowTraffic') },
  timeout: { status: 'Failed', code: 'TIMEOUT', message: 'The deployment timed out: the lifecycle hook BeforeAllowTraffic did not report within an hour.' },
};

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export async function startDeliveryStandIns(options: DeliveryStandInOptions): Promise<DeliveryStandIns> {
  const functions = options.functions;
  const groups = new Set(options.deploymentGroups ?? Object.keys(functions));
  const alarmStates = new Map<string, AlarmState>();
  const deployments = new Map<string, StandInDeployment>();
  const codedeployCalls: RecordedCall[] = [];
  const lambdaCalls: string[] = [];
  const invocations: DeliveryStandIns['invocations'] = [];
  const inFlight = new Map<string, number>();
  /** "function:version" -> epoch seconds it was published by publishVersion (the versions given at start count as published at 0). */
  const publishedAt = new Map<string, number>();
  let counter = 0;

  const alarmsOf = (group: string) => options.groupAlarms?.[group] ?? [`deploy-${group}-error-rate`];
  const alarmsStopping = (d: StandInDeployment) =>
    alarmStop(deploymentAlarms({ enabled: true, alarms: alarmsOf(d.functionName) }, d.input.overrideAlarmConfiguration), (name) => alarmStates.get(name) === 'ALARM');
  // The stack's groups roll back on both events.
  const autoRollbackEvents = (d: StandInDeployment) => rollbackEvents(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'], d.input.autoRollbackConfiguration);

  const rollBack = (d: StandInDeployment) => {
    const fn = functions[d.functionName];
    if (fn) {
      delete fn.routing;
      fn.alias = d.current;
    }
    if (!rollsBack(autoRollbackEvents(d), d.status === 'Stopped' ? 'Stopped' : 'Failed')) return;
    const id = `d-STANDIN${String(++counter).padStart(3, '0')}`;
    deployments.set(id, {
      id,
      input: { deploymentGroupName: d.functionName, revision: rollbackOf(d).revision },
      functionName: d.functionName,
      current: d.target,
      target: d.current,
      outcome: 'success',
      createTime: Date.now() / 1000,
      creator: 'codeDeployRollback',
      polls: 3,
      status: 'Succeeded',
    });
    d.rollbackDeploymentId = id;
  };

  const finish = (d: StandInDeployment, failure: { status: string; code: string; message: string }) => {
    d.status = failure.status;
    d.error = { code: failure.code, message: failure.message };
    rollBack(d);
  };

  const startHook = (d: StandInDeployment, event: HookEvent): boolean => {
    const hookFunction = parseLambdaAppSpec(d.input.revision).hooks[event];
    if (!hookFunction) return false;
    const { executionId, event: hookEvent } = hookInvocation(d.id, event);
    d.hooks ??= new Map();
    d.hooks.set(executionId, { event });
    // CodeDeploy invokes a hook asynchronously and waits for its status report, not its answer.
    void (options.invoke ?? (async () => ({ payload: {} })))(hookFunction, '$LATEST', hookEvent).catch(() => undefined);
    return true;
  };

  const hookResult = (d: StandInDeployment, event: HookEvent) => [...(d.hooks?.values() ?? [])].find((h) => h.event === event)?.status;

  /** runHooks: one step per poll, waiting while a hook has not reported. */
  const progressWithHooks = (d: StandInDeployment) => {
    const fn = functions[d.functionName];
    d.status = 'InProgress';
    switch (d.phase ?? 'start') {
      case 'start':
        d.phase = startHook(d, 'BeforeAllowTraffic') ? 'before' : 'shifted';
        if (d.phase === 'shifted' && fn) fn.routing = { [d.target]: 0.1 };
        return;
      case 'before': {
        const result = hookResult(d, 'BeforeAllowTraffic');
        if (result === 'Failed') return finish(d, { status: 'Failed', ...hookFailure('BeforeAllowTraffic') });
        if (result === 'Succeeded') {
          d.phase = 'shifted';
          if (fn) fn.routing = { [d.target]: 0.1 };
        }
        return;
      }
      case 'shifted':
        if (fn) {
          delete fn.routing;
          fn.alias = d.target;
        }
        d.phase = 'after';
        if (!startHook(d, 'AfterAllowTraffic')) d.status = 'Succeeded';
        return;
      case 'after': {
        const result = hookResult(d, 'AfterAllowTraffic');
        if (result === 'Failed') return finish(d, { status: 'Failed', ...hookFailure('AfterAllowTraffic') });
        if (result === 'Succeeded') d.status = 'Succeeded';
      }
    }
  };

  const progress = (d: StandInDeployment) => {
    const fn = functions[d.functionName];
    const stop = alarmsStopping(d);
    if (stop) return finish(d, { status: 'Stopped', ...stop });
    if (options.runHooks) return progressWithHooks(d);
    const stage = Math.min(d.polls, 3);
    if (stage < 3 || d.outcome === 'never-ends') {
      d.status = 'InProgress';
      if (stage === 2 && fn) {
        fn.routing = { [d.target]: 0.1 };
        // The new version fails under traffic: its per-version error alarm fires.
        if (d.outcome === 'alarm-stop') for (const name of alarmsOf(d.functionName)) alarmStates.set(name, 'ALARM');
      }
      return;
    }
    // alarm-stop ends here only when the deployment turned alarm polling off.
    if (d.outcome === 'success' || d.outcome === 'alarm-stop') {
      d.status = 'Succeeded';
      if (fn) {
        delete fn.routing;
        fn.alias = d.target;
      }
      return;
    }
    finish(d, ERRORS[d.outcome]);
  };

  const deploymentInfo = (d: StandInDeployment) => ({
    applicationName: options.applicationName,
    deploymentGroupName: d.functionName,
    deploymentId: d.id,
    deploymentConfigName: d.input.deploymentConfigName ?? 'group-default',
    computePlatform: 'Lambda',
    status: d.status,
    creator: d.creator,
    description: d.input.description,
    createTime: d.createTime,
    revision: d.input.revision,
    ...(d.error ? { errorInformation: d.error } : {}),
    ...(d.error && d.rollbackDeploymentId
      ? { rollbackInfo: { rollbackDeploymentId: d.rollbackDeploymentId, rollbackMessage: rollbackOf(d).rollbackMessage } }
      : {}),
  });

  const hookStatus = (d: StandInDeployment, hook: HookEvent): string => {
    if (options.runHooks) {
      const started = [...(d.hooks?.values() ?? [])].find((h) => h.event === hook);
      return started ? (started.status ?? 'InProgress') : d.status === 'InProgress' ? 'Pending' : 'Skipped';
    }
    if (d.polls <= 1 && d.status === 'InProgress') return hook === 'BeforeAllowTraffic' ? 'InProgress' : 'Pending';
    if (hook === 'BeforeAllowTraffic') return d.outcome === 'hook-failure' && d.polls >= 3 ? 'Failed' : d.polls >= 2 ? 'Succeeded' : 'Skipped';
    return d.status === 'Succeeded' ? 'Succeeded' : d.status === 'InProgress' ? 'Pending' : 'Skipped';
  };

  const codedeploy = http.createServer(async (request, response) => {
    const body = await readBody(request);
    const operation = String(request.headers['x-amz-target'] ?? '').replace(/^CodeDeploy_20141006\./, '');
    const input = (body ? JSON.parse(body) : {}) as DeploymentInput;
    codedeployCalls.push({ operation, input: { ...input } });
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(payload));
    };
    const fail = (type: string, message: string) => reply(400, { __type: type, message });
    const deployment = deployments.get(input.deploymentId ?? '');
    const noApplication = () => fail('ApplicationDoesNotExistException', `No application found for name: ${input.applicationName}`);
    switch (operation) {
      case 'CreateDeployment': {
        if (input.applicationName !== options.applicationName) return noApplication();
        const group = input.deploymentGroupName ?? '';
        if (!groups.has(group)) return fail('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${group}`);
        let spec;
        try {
          spec = parseLambdaAppSpec(input.revision);
          if (options.racingDeployments?.includes(group) && ![...deployments.values()].some((d) => d.id.startsWith('d-RACE'))) {
            const id = `d-RACE${String(++counter).padStart(3, '0')}`;
            deployments.set(id, { id, input, functionName: group, current: spec.current, target: spec.target, outcome: 'never-ends', createTime: Date.now() / 1000, creator: 'user', polls: 0, status: 'Created' });
          }
          assertNoActiveDeployment(group, [...deployments.values()].filter((d) => d.functionName === group));
        } catch (error) {
          if (error instanceof CodeDeployError) return fail(error.type, error.message);
          throw error;
        }
        const fn = functions[spec.name];
        if (!fn || !fn.versions.includes(spec.current) || !fn.versions.includes(spec.target)) {
          return fail('InvalidRevisionException', `The AppSpec names versions ${spec.current} and ${spec.target} of ${spec.name}, which are not both published`);
        }
        const id = `d-STANDIN${String(++counter).padStart(3, '0')}`;
        deployments.set(id, {
          id,
          input,
          functionName: group,
          current: spec.current,
          target: spec.target,
          outcome: options.outcomes?.[group] ?? 'success',
          createTime: Date.now() / 1000,
          creator: 'user',
          polls: 0,
          status: 'Created',
        });
        return reply(200, { deploymentId: id });
      }
      case 'GetDeployment': {
        if (!deployment) return fail('DeploymentDoesNotExistException', `The deployment ${input.deploymentId} could not be found.`);
        if (deployment.status === 'Created' || deployment.status === 'InProgress') {
          deployment.polls += 1;
          progress(deployment);
        }
        return reply(200, { deploymentInfo: deploymentInfo(deployment) });
      }
      case 'ListDeploymentTargets':
        if (!deployment) return fail('DeploymentDoesNotExistException', `The deployment ${input.deploymentId} could not be found.`);
        return reply(200, { targetIds: [`${deployment.functionName}:live`] });
      case 'GetDeploymentTarget': {
        if (!deployment) return fail('DeploymentDoesNotExistException', `The deployment ${input.deploymentId} could not be found.`);
        const weight = deployment.status === 'Succeeded' ? 1 : deployment.polls >= 2 && deployment.status === 'InProgress' ? 0.1 : 0;
        return reply(200, {
          deploymentTarget: {
            deploymentTargetType: 'LambdaTarget',
            lambdaTarget: {
              deploymentId: deployment.id,
              targetId: input.targetId,
              status: deployment.status,
              lifecycleEvents: [
                { lifecycleEventName: 'BeforeAllowTraffic', status: hookStatus(deployment, 'BeforeAllowTraffic') },
                { lifecycleEventName: 'AllowTraffic', status: deployment.status === 'Succeeded' ? 'Succeeded' : 'InProgress' },
                { lifecycleEventName: 'AfterAllowTraffic', status: hookStatus(deployment, 'AfterAllowTraffic') },
              ],
              lambdaFunctionInfo: {
                functionName: deployment.functionName,
                functionAlias: 'live',
                currentVersion: deployment.current,
                targetVersion: deployment.target,
                targetVersionWeight: weight,
              },
            },
          },
        });
      }
      case 'ListDeployments': {
        if (input.applicationName !== options.applicationName) return noApplication();
        if (!groups.has(input.deploymentGroupName ?? '')) return fail('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${input.deploymentGroupName}`);
        const statuses = input.includeOnlyStatuses ?? [];
        const { start: from = -Infinity, end: until = Infinity } = input.createTimeRange ?? {};
        const ids = [...deployments.values()]
          .filter((d) => d.functionName === input.deploymentGroupName && (statuses.length === 0 || statuses.includes(d.status)))
          .filter((d) => d.createTime >= from && d.createTime <= until)
          .map((d) => d.id);
        // One deployment per page, so the client's pagination (nextToken) is exercised.
        const start = Number(input.nextToken ?? '0');
        return reply(200, { deployments: ids.slice(start, start + 1), ...(start + 1 < ids.length ? { nextToken: String(start + 1) } : {}) });
      }
      case 'PutLifecycleEventHookExecutionStatus': {
        const payload = input as DeploymentInput & { lifecycleEventHookExecutionId?: string; status?: string };
        const execution = deployment?.hooks?.get(payload.lifecycleEventHookExecutionId ?? '');
        if (!deployment || !execution) return fail('LifecycleEventAlreadyCompletedException', `No pending hook execution ${payload.lifecycleEventHookExecutionId} of deployment ${input.deploymentId}`);
        if (execution.status) return fail('LifecycleEventAlreadyCompletedException', `Hook execution ${payload.lifecycleEventHookExecutionId} already reported ${execution.status}`);
        if (payload.status !== 'Succeeded' && payload.status !== 'Failed') return fail('InvalidLifecycleEventHookExecutionStatusException', `status must be Succeeded or Failed, not ${payload.status}`);
        execution.status = payload.status;
        return reply(200, { lifecycleEventHookExecutionId: payload.lifecycleEventHookExecutionId });
      }
      case 'ListDeploymentGroups':
        if (input.applicationName !== options.applicationName) return noApplication();
        return reply(200, { applicationName: options.applicationName, deploymentGroups: [...groups] });
      default:
        return fail('InvalidAction', `The CodeDeploy stand-in does not implement '${operation}'`);
    }
  });

  const lambda = http.createServer(async (request, response) => {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://localhost');
    lambdaCalls.push(`${request.method} ${url.pathname}`);
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      response.end(JSON.stringify(payload));
    };
    const error = (status: number, type: string, message: string) => reply(status, { Type: 'User', Message: message }, { 'X-Amzn-ErrorType': type });
    const match = /^\/2015-03-31\/functions\/([^/]+)\/(aliases\/([^/]+)|versions|invocations)$/.exec(url.pathname);
    const name = match ? decodeURIComponent(match[1]) : '';
    const fn = functions[name];
    if (!match) return error(404, 'ResourceNotFoundException', `unsupported ${request.method} ${url.pathname}`);
    const arn = `arn:aws:lambda:eu-west-1:000000000000:function:${name}`;
    if (!fn) return error(404, 'ResourceNotFoundException', `Function not found: ${arn}`);
    if (match[2] === 'invocations' && request.method === 'POST') {
      const qualifier = url.searchParams.get('Qualifier') ?? '$LATEST';
      const version = qualifier === 'live' ? fn.alias : qualifier;
      if (!fn.versions.includes(version)) return error(404, 'ResourceNotFoundException', `Function not found: ${arn}:${qualifier}`);
      const running = inFlight.get(name) ?? 0;
      if (throttles(fn.reservedConcurrency, running)) {
        invocations.push({ functionName: name, qualifier, throttled: true });
        return reply(THROTTLED.statusCode, THROTTLED.payload, { 'X-Amzn-ErrorType': THROTTLED.errorType });
      }
      invocations.push({ functionName: name, qualifier, throttled: false });
      inFlight.set(name, running + 1);
      try {
        const result = options.invoke ? await options.invoke(name, version, body ? JSON.parse(body) : null) : { payload: {} };
        return reply(200, result.payload, { 'X-Amz-Executed-Version': version, ...(result.functionError ? { 'X-Amz-Function-Error': result.functionError } : {}) });
      } finally {
        inFlight.set(name, (inFlight.get(name) ?? 1) - 1);
      }
    }
    if (request.method !== 'GET') return error(404, 'ResourceNotFoundException', `unsupported ${request.method} ${url.pathname}`);
    if (match[3] !== undefined) {
      if (match[3] !== 'live') return error(404, 'ResourceNotFoundException', `Alias not found: ${arn}:${match[3]}`);
      return reply(200, {
        AliasArn: `${arn}:live`,
        Name: 'live',
        FunctionVersion: fn.alias,
        ...(fn.routing ? { RoutingConfig: { AdditionalVersionWeights: fn.routing } } : {}),
      });
    }
    // One version per page, so the client's pagination (NextMarker) is exercised.
    const all = ['$LATEST', ...fn.versions];
    const start = Number(url.searchParams.get('Marker') ?? '0');
    const next = start + 1 < all.length ? String(start + 1) : undefined;
    const lastModified = new Date((publishedAt.get(`${name}:${all[start]}`) ?? 0) * 1000).toISOString().replace('Z', '+0000');
    return reply(200, { Versions: [{ FunctionName: name, FunctionArn: `${arn}:${all[start]}`, Version: all[start], LastModified: lastModified }], ...(next ? { NextMarker: next } : {}) });
  });

  const [codedeployUrl, lambdaUrl] = await Promise.all([listen(codedeploy), listen(lambda)]);
  return {
    codedeployUrl,
    lambdaUrl,
    functions,
    codedeployCalls,
    lambdaCalls,
    invocations,
    addPastDeployment(functionName, current, target, status, createTime) {
      const id = `d-PAST${String(++counter).padStart(3, '0')}`;
      const content = JSON.stringify({
        version: '0.0',
        Resources: [{ [functionName]: { Type: 'AWS::Lambda::Function', Properties: { Name: functionName, Alias: 'live', CurrentVersion: current, TargetVersion: target } } }],
      });
      deployments.set(id, {
        id,
        input: { description: `release ${functionName} ${current} -> ${target}`, revision: { revisionType: 'AppSpecContent', appSpecContent: { content } } },
        functionName,
        current,
        target,
        outcome: status === 'Succeeded' ? 'success' : status === 'Created' ? 'never-ends' : 'hook-failure',
        createTime,
        creator: 'user',
        polls: status === 'Created' ? 0 : 3,
        status,
        ...(status === 'Failed' ? { error: { code: ERRORS['hook-failure'].code, message: ERRORS['hook-failure'].message } } : {}),
      });
    },
    publishVersion(functionName) {
      const fn = functions[functionName];
      if (!fn) throw new Error(`the stand-in has no function ${functionName}`);
      const next = String(Math.max(0, ...fn.versions.map(Number)) + 1);
      fn.versions.push(next);
      publishedAt.set(`${functionName}:${next}`, Date.now() / 1000);
      return next;
    },
    setAlarmState(alarmName, state) {
      alarmStates.set(alarmName, state);
    },
    close: () =>
      Promise.all([codedeploy, lambda].map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => undefined),
  };
}
