import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local stand-ins of the CodeDeploy and Lambda APIs for the release and rollback commands, real
 * HTTP servers speaking the protocols the AWS SDK v3 clients use:
 * - CodeDeploy: AWS JSON 1.1, POST / with X-Amz-Target CodeDeploy_20141006.<Operation>, errors as
 *   {"__type", "message"} with status 400.
 * - Lambda: REST JSON under /2015-03-31/functions/<name>/..., errors with the X-Amzn-ErrorType header.
 * They share one account state (functions, versions, the live alias) and record every request.
 * Each deployment plays a scripted outcome for its function while it is polled: two polls in
 * progress (pre-traffic hook, then part of the traffic shifted), then the outcome. On success the
 * alias moves to the target version; on failure or alarm stop CodeDeploy rolls it back, so the
 * alias stays where it was.
 */

/** success; the pre-traffic hook reports Failed; an alarm stops the shift; the deployment times out; never ends. */
export type ScriptedOutcome = 'success' | 'hook-failure' | 'alarm-stop' | 'timeout' | 'never-ends';

export interface StandInFunction {
  /** Published versions, e.g. ['1', '2', '3']. */
  versions: string[];
  /** The version the live alias points at. */
  alias: string;
  /** Weighted routing of the alias (a shift in progress): version -> weight. */
  routing?: Record<string, number>;
}

export interface RecordedCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** The CreateDeployment input fields the stand-in reads. */
interface DeploymentInput {
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  readonly deploymentConfigName?: string;
  readonly deploymentId?: string;
  readonly targetId?: string;
  readonly includeOnlyStatuses?: string[];
  readonly revision?: { readonly revisionType?: string; readonly appSpecContent?: { readonly content?: string; readonly sha256?: string } };
}

interface AppSpecProperties {
  readonly CurrentVersion: string;
  readonly TargetVersion: string;
}

interface StandInDeployment {
  readonly id: string;
  readonly input: DeploymentInput;
  readonly functionName: string;
  readonly current: string;
  readonly target: string;
  readonly outcome: ScriptedOutcome;
  readonly createTime: number;
  polls: number;
  status: string;
}

export interface DeliveryStandIns {
  readonly codedeployUrl: string;
  readonly lambdaUrl: string;
  readonly functions: Record<string, StandInFunction>;
  /** Every CodeDeploy operation with its input, in order. */
  readonly codedeployCalls: RecordedCall[];
  /** Every Lambda request as "METHOD path", in order. */
  readonly lambdaCalls: string[];
  /** Adds a finished deployment to the history (what an earlier release left behind). */
  addPastDeployment(functionName: string, current: string, target: string, status: 'Succeeded' | 'Failed', createTime: number): void;
  close(): Promise<void>;
}

export interface DeliveryStandInOptions {
  readonly applicationName: string;
  readonly functions: Record<string, StandInFunction>;
  /** Outcome per function; default: success. */
  readonly outcomes?: Record<string, ScriptedOutcome>;
}

const ERRORS: Record<Exclude<ScriptedOutcome, 'success' | 'never-ends'>, { status: string; code: string; message: string }> = {
  'hook-failure': {
    status: 'Failed',
    code: 'HOOK_EXECUTION_FAILURE',
    message: 'The deployment failed because one or more of the lifecycle event hooks failed. Lifecycle event: BeforeAllowTraffic',
  },
  'alarm-stop': {
    status: 'Stopped',
    code: 'ALARM_ACTIVE',
    message: 'One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <deploy-{fn}-error-rate>',
  },
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
  const deployments = new Map<string, StandInDeployment>();
  const codedeployCalls: RecordedCall[] = [];
  const lambdaCalls: string[] = [];
  let counter = 0;

  const progress = (d: StandInDeployment) => {
    // Polls 1-2 in progress; from poll 3 on the scripted outcome (a never-ending one stays in progress).
    const stage = Math.min(d.polls, 3);
    const fn = functions[d.functionName];
    if (stage < 3 || d.outcome === 'never-ends') {
      d.status = 'InProgress';
      if (stage === 2 && fn) fn.routing = { [d.target]: 0.1 };
      return;
    }
    if (d.status === 'InProgress' || d.status === 'Created') {
      d.status = d.outcome === 'success' ? 'Succeeded' : ERRORS[d.outcome as keyof typeof ERRORS].status;
      if (fn) {
        delete fn.routing;
        if (d.outcome === 'success') fn.alias = d.target;
      }
    }
  };

  const deploymentInfo = (d: StandInDeployment) => {
    const failure = d.outcome !== 'success' && d.outcome !== 'never-ends' && d.status !== 'InProgress' ? ERRORS[d.outcome] : undefined;
    return {
      applicationName: options.applicationName,
      deploymentGroupName: d.functionName,
      deploymentId: d.id,
      deploymentConfigName: d.input.deploymentConfigName ?? 'group-default',
      computePlatform: 'Lambda',
      status: d.status,
      createTime: d.createTime,
      revision: d.input.revision,
      ...(failure
        ? {
            errorInformation: { code: failure.code, message: failure.message.replace('{fn}', d.functionName) },
            rollbackInfo: { rollbackDeploymentId: `${d.id}-rollback`, rollbackMessage: `Automatic rollback to version ${d.current}` },
          }
        : {}),
    };
  };

  const hookStatus = (d: StandInDeployment, hook: 'BeforeAllowTraffic' | 'AfterAllowTraffic'): string => {
    if (d.polls <= 1) return hook === 'BeforeAllowTraffic' ? 'InProgress' : 'Pending';
    if (hook === 'BeforeAllowTraffic') return d.outcome === 'hook-failure' && d.polls >= 3 ? 'Failed' : 'Succeeded';
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
    switch (operation) {
      case 'CreateDeployment': {
        if (input.applicationName !== options.applicationName) return fail('ApplicationDoesNotExistException', `No application found for name: ${input.applicationName}`);
        const content = input.revision?.appSpecContent?.content as string | undefined;
        const resource = content ? (Object.values(JSON.parse(content).Resources[0])[0] as { Properties?: AppSpecProperties }) : undefined;
        const properties = resource?.Properties;
        const group = input.deploymentGroupName ?? '';
        if (!properties || !functions[group]) return fail('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${group}`);
        const id = `d-STANDIN${String(++counter).padStart(3, '0')}`;
        deployments.set(id, {
          id,
          input,
          functionName: group,
          current: properties.CurrentVersion,
          target: properties.TargetVersion,
          outcome: options.outcomes?.[group] ?? 'success',
          createTime: Date.now() / 1000,
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
        const statuses = input.includeOnlyStatuses ?? [];
        const ids = [...deployments.values()]
          .filter((d) => d.functionName === input.deploymentGroupName && (statuses.length === 0 || statuses.includes(d.status)))
          .map((d) => d.id);
        return reply(200, { deployments: ids });
      }
      default:
        return fail('InvalidAction', `The CodeDeploy stand-in does not implement '${operation}'`);
    }
  });

  const lambda = http.createServer(async (request, response) => {
    await readBody(request);
    const url = new URL(request.url ?? '/', 'http://localhost');
    lambdaCalls.push(`${request.method} ${url.pathname}`);
    const reply = (status: number, payload: unknown, errorType?: string) => {
      response.writeHead(status, { 'Content-Type': 'application/json', ...(errorType ? { 'X-Amzn-ErrorType': errorType } : {}) });
      response.end(JSON.stringify(payload));
    };
    const match = /^\/2015-03-31\/functions\/([^/]+)\/(aliases\/([^/]+)|versions)$/.exec(url.pathname);
    const name = match ? decodeURIComponent(match[1]) : '';
    const fn = functions[name];
    if (!match || request.method !== 'GET') return reply(404, { Type: 'User', Message: `unsupported ${request.method} ${url.pathname}` }, 'ResourceNotFoundException');
    const arn = `arn:aws:lambda:eu-west-1:000000000000:function:${name}`;
    if (!fn) return reply(404, { Type: 'User', Message: `Function not found: ${arn}` }, 'ResourceNotFoundException');
    if (match[3] !== undefined) {
      if (match[3] !== 'live') return reply(404, { Type: 'User', Message: `Alias not found: ${arn}:${match[3]}` }, 'ResourceNotFoundException');
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
    return reply(200, { Versions: [{ FunctionName: name, FunctionArn: `${arn}:${all[start]}`, Version: all[start] }], ...(next ? { NextMarker: next } : {}) });
  });

  const [codedeployUrl, lambdaUrl] = await Promise.all([listen(codedeploy), listen(lambda)]);
  return {
    codedeployUrl,
    lambdaUrl,
    functions,
    codedeployCalls,
    lambdaCalls,
    addPastDeployment(functionName, current, target, status, createTime) {
      const id = `d-PAST${String(++counter).padStart(3, '0')}`;
      const content = JSON.stringify({
        version: 0.0,
        Resources: [{ [functionName]: { Type: 'AWS::Lambda::Function', Properties: { Name: functionName, Alias: 'live', CurrentVersion: current, TargetVersion: target } } }],
      });
      deployments.set(id, {
        id,
        input: { revision: { revisionType: 'AppSpecContent', appSpecContent: { content } } },
        functionName,
        current,
        target,
        outcome: status === 'Succeeded' ? 'success' : 'hook-failure',
        createTime,
        polls: 3,
        status,
      });
    },
    close: () =>
      Promise.all([codedeploy, lambda].map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => undefined),
  };
}
