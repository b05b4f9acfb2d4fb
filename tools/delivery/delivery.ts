import { createHash } from 'node:crypto';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentGroupsCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, LambdaClient, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { DEPLOYMENT_STRATEGIES, deliveryApplicationName, ROLLBACK_STRATEGY } from '../../environments/deployment-strategies';
import type { AccountConfig } from '../../environments/schema';
import { LIVE_ALIAS } from '../../constructs/python-function';
import { POST_TRAFFIC_HOOK, PRE_TRAFFIC_HOOK } from '../../catalogue/deployment-hooks';

/**
 * What `npm run release` and `npm run rollback` do with CodeDeploy and Lambda: find what to
 * deploy, start one deployment per function with an AppSpec, and watch the deployments to their
 * end. The SDK clients follow the standard AWS_ENDPOINT_URL_CODEDEPLOY / AWS_ENDPOINT_URL_LAMBDA
 * settings, which is how the tests point them at local stand-ins.
 */

/** Raised for bad input (unknown function, missing version ...): the command prints it and exits 1. */
export class DeliveryInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryInputError';
  }
}

export interface DeliveryClients {
  readonly codedeploy: CodeDeployClient;
  readonly lambda: LambdaClient;
}

export function deliveryClients(config: Pick<AccountConfig, 'region'>): DeliveryClients {
  // One attempt per call: the watch loop polls again anyway, and a failure shows at once.
  return { codedeploy: new CodeDeployClient({ region: config.region }), lambda: new LambdaClient({ region: config.region }) };
}

export const APPSPEC_VERSION = '0.0';

export interface AppSpecInput {
  readonly functionName: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
  /** Default: true (the pre- and post-traffic hooks). A rollback runs none. */
  readonly hooks?: boolean;
}

/**
 * The AppSpec of a Lambda deployment in AWS's documented JSON form: version "0.0" (a string: "Specify
 * version with a string", https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-version.html),
 * one AWS::Lambda::Function resource (Name, Alias, CurrentVersion, TargetVersion) and the Hooks list
 * of BeforeAllowTraffic / AfterAllowTraffic functions.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-example.html#appspec-file-example-lambda
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html
 */
export function lambdaAppSpec(input: AppSpecInput): string {
  const spec = {
    version: APPSPEC_VERSION,
    Resources: [
      {
        [input.functionName]: {
          Type: 'AWS::Lambda::Function',
          Properties: { Name: input.functionName, Alias: LIVE_ALIAS, CurrentVersion: input.currentVersion, TargetVersion: input.targetVersion },
        },
      },
    ],
    ...(input.hooks === false
      ? {}
      : { Hooks: [{ [PRE_TRAFFIC_HOOK.lifecycleEvent]: PRE_TRAFFIC_HOOK.functionName }, { [POST_TRAFFIC_HOOK.lifecycleEvent]: POST_TRAFFIC_HOOK.functionName }] }),
  };
  return JSON.stringify(spec);
}

export interface FunctionState {
  readonly functionName: string;
  /** The version the live alias points at. */
  readonly aliasVersion: string;
  /** Every published version, ascending. */
  readonly versions: readonly string[];
  /** LastModified of the newest version (Lambda copies it from $LATEST when it publishes): no deployment of it is older. */
  readonly newestModified?: Date;
}

/** The live alias and published versions of a function; a missing function is a DeliveryInputError. */
export async function functionState(clients: DeliveryClients, functionName: string): Promise<FunctionState> {
  try {
    const alias = await clients.lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: LIVE_ALIAS }));
    const modified = new Map<string, string | undefined>();
    let marker: string | undefined;
    do {
      const page = await clients.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker: marker }));
      for (const version of page.Versions ?? []) if (version.Version && version.Version !== '$LATEST') modified.set(version.Version, version.LastModified);
      marker = page.NextMarker;
    } while (marker);
    const versions = [...modified.keys()].sort((a, b) => Number(a) - Number(b));
    const newest = modified.get(versions[versions.length - 1] ?? '');
    const newestModified = newest && !Number.isNaN(Date.parse(newest)) ? new Date(newest) : undefined;
    return { functionName, aliasVersion: alias.FunctionVersion ?? '', versions, ...(newestModified ? { newestModified } : {}) };
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') {
      throw new DeliveryInputError(`${functionName}: no function with a ${LIVE_ALIAS} alias in the account; apply the stack first (${(error as Error).message})`);
    }
    throw error;
  }
}

export interface StartDeployment {
  readonly functionName: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
  readonly description: string;
  /** Overrides the group's configuration (rollback: all at once). Default: the group's strategy. */
  readonly deploymentConfigName?: string;
  readonly hooks?: boolean;
  /** Turns the group's alarm polling off for this deployment. Default: false (the group's alarms stop it). */
  readonly overrideAlarms?: boolean;
  /** Default: true (the group's automatic rollback). A rollback turns it off: rolling it back would restore the bad version. */
  readonly autoRollback?: boolean;
}

/**
 * Starts one deployment. overrideAlarmConfiguration { enabled: false } turns off the group's alarm
 * polling for this deployment only ("create a new deployment that uses a previous application
 * revision that is known to work, and set its alarm configuration to turn off alarm polling"), and
 * autoRollbackConfiguration { enabled: false } keeps CodeDeploy from undoing it.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html
 */
export async function startDeployment(clients: DeliveryClients, config: Pick<AccountConfig, 'organisation'>, start: StartDeployment): Promise<string> {
  const content = lambdaAppSpec(start);
  const result = await clients.codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: deliveryApplicationName(config),
      deploymentGroupName: start.functionName,
      deploymentConfigName: start.deploymentConfigName,
      description: start.description,
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') },
      },
      ...(start.overrideAlarms ? { overrideAlarmConfiguration: { enabled: false } } : {}),
      ...(start.autoRollback === false ? { autoRollbackConfiguration: { enabled: false } } : {}),
    }),
  );
  if (!result.deploymentId) throw new Error(`CodeDeploy returned no deployment id for ${start.functionName}`);
  return result.deploymentId;
}

/**
 * Deployments that occupy a group: one per group is active from creation on, before any traffic
 * moves (a deployment in its BeforeAllowTraffic hook leaves the alias without weights), and a
 * second CreateDeployment fails with DeploymentLimitExceededException.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ListDeployments.html
 */
export const ACTIVE_DEPLOYMENT_STATUSES = ['Created', 'Queued', 'InProgress', 'Ready'] as const;

/** Deployment ids of a group, newest first as CodeDeploy lists them, optionally only those in the statuses. */
async function listDeploymentIds(
  clients: DeliveryClients,
  config: Pick<AccountConfig, 'organisation'>,
  functionName: string,
  filter: { readonly statuses?: readonly string[]; readonly since?: Date } = {},
): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: deliveryApplicationName(config),
        deploymentGroupName: functionName,
        ...(filter.statuses ? { includeOnlyStatuses: [...filter.statuses] as never } : {}),
        ...(filter.since ? { createTimeRange: { start: filter.since } } : {}),
        nextToken,
      }),
    );
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

/** The deployments of a group that are still active (Created, Queued, InProgress, Ready). */
export function activeDeployments(clients: DeliveryClients, config: Pick<AccountConfig, 'organisation'>, functionName: string): Promise<string[]> {
  return listDeploymentIds(clients, config, functionName, { statuses: ACTIVE_DEPLOYMENT_STATUSES });
}

/** One past deployment of a function as its AppSpec and CodeDeploy describe it. */
export interface PastDeployment {
  readonly deploymentId: string;
  readonly status: string;
  readonly current: string;
  readonly target: string;
  readonly createTime: number;
  /** A rollback (CodeDeploy's automatic one, or npm run rollback), not a release. */
  readonly rollback: boolean;
}

/**
 * The deployments CodeDeploy holds for the function's group (ListDeployments + GetDeployment),
 * oldest first; with `since`, only those created from then on (ListDeployments createTimeRange),
 * which keeps a release's reads to the deployments that can involve the newest version.
 */
export async function deploymentHistory(clients: DeliveryClients, config: Pick<AccountConfig, 'organisation'>, functionName: string, since?: Date): Promise<PastDeployment[]> {
  const history: PastDeployment[] = [];
  for (const deploymentId of await listDeploymentIds(clients, config, functionName, { since })) {
    const { deploymentInfo: info } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    const versions = info && appSpecVersions(info);
    if (!info || !versions) continue;
    history.push({
      deploymentId,
      status: info.status ?? '',
      current: versions.current,
      target: versions.target,
      createTime: info.createTime ? new Date(info.createTime).getTime() : 0,
      rollback: info.creator === 'codeDeployRollback' || (info.description ?? '').startsWith(ROLLBACK_DESCRIPTION),
    });
  }
  return history.sort((a, b) => a.createTime - b.createTime);
}

/** How npm run rollback describes its deployments; the history tells rollbacks from releases by it. */
export const ROLLBACK_DESCRIPTION = 'rollback ';

/**
 * What a release ships for a function: the newest published version, when it is not live and
 * CodeDeploy has never deployed it (neither as a target nor away from it). Terraform publishes a
 * version on every apply that changes the function, so that is exactly what the last apply
 * published; a version a failed deployment or a rollback moved away from is in the history and
 * never goes out again. The reason is returned when nothing is shipped.
 */
export function releaseTarget(state: FunctionState, history: readonly PastDeployment[]): { readonly target?: string; readonly reason: string } {
  const newest = state.versions[state.versions.length - 1];
  if (newest === undefined) return { reason: 'no published version' };
  if (newest === state.aliasVersion) return { reason: `live on its newest version ${newest}` };
  const tried = [...history].reverse().find((d) => d.target === newest || d.current === newest);
  if (tried) {
    const how = tried.target === newest ? `deployment ${tried.deploymentId} (${tried.status}) already took it` : `deployment ${tried.deploymentId} moved the alias away from it`;
    return { reason: `version ${newest} is not shipped again: ${how}; a new apply publishes the next version` };
  }
  return { target: newest, reason: `version ${newest} was published and never deployed` };
}

/** Whether the version ever served the alias: the first live version, a release's target that succeeded, or a deployment's starting point. */
export function wasLive(state: FunctionState, history: readonly PastDeployment[], version: string): boolean {
  return version === state.aliasVersion || history.some((d) => d.current === version || (d.target === version && d.status === 'Succeeded'));
}

/**
 * The version that was live before the last release that made `aliasVersion` live: the
 * CurrentVersion of the newest succeeded release (not a rollback) whose TargetVersion is the
 * alias's version.
 */
export function versionBeforeLastRelease(history: readonly PastDeployment[], aliasVersion: string): string | undefined {
  return [...history].reverse().find((d) => !d.rollback && d.status === 'Succeeded' && d.target === aliasVersion && d.current !== aliasVersion)?.current;
}

/**
 * Problems that would leave a release or rollback half-started, found before anything starts:
 * the account's CodeDeploy application or a function's deployment group is missing.
 */
export async function missingDeploymentGroups(clients: DeliveryClients, config: Pick<AccountConfig, 'organisation' | 'name'>, functionNames: readonly string[]): Promise<string[]> {
  const application = deliveryApplicationName(config);
  const groups = new Set<string>();
  try {
    let nextToken: string | undefined;
    do {
      const page = await clients.codedeploy.send(new ListDeploymentGroupsCommand({ applicationName: application, nextToken }));
      for (const group of page.deploymentGroups ?? []) groups.add(group);
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    if ((error as { name?: string }).name === 'ApplicationDoesNotExistException') {
      return [`${config.name} has no CodeDeploy application '${application}'; apply the account's stack first (npx cdktf deploy ${config.name})`];
    }
    throw error;
  }
  return functionNames
    .filter((name) => !groups.has(name))
    .map((name) => `${name}: no deployment group '${name}' in CodeDeploy application '${application}'; apply the account's stack first (npx cdktf deploy ${config.name})`);
}

export interface DeploymentOutcome {
  readonly functionName: string;
  readonly deploymentId: string;
  readonly status: 'Succeeded' | 'Failed' | 'Stopped' | 'TimedOut';
  /** Why it did not succeed: CodeDeploy's error code and message, or the watch timeout. */
  readonly reason?: string;
  /** Whether CodeDeploy rolled the alias back. */
  readonly rolledBack: boolean;
}

export interface WatchOptions {
  readonly pollSeconds: number;
  readonly timeoutSeconds: number;
  readonly log: (line: string) => void;
  /** For tests: what "now" is. Default: Date.now. */
  readonly now?: () => number;
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped']);

/** Progress of one deployment as one line: status, traffic on the new version, hook results. */
async function progressLine(clients: DeliveryClients, functionName: string, info: DeploymentInfo): Promise<string> {
  const parts = [`${functionName} (${info.deploymentId}): ${info.status}`];
  try {
    const targets = await clients.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId: info.deploymentId }));
    const [targetId] = targets.targetIds ?? [];
    if (targetId) {
      const { deploymentTarget } = await clients.codedeploy.send(new GetDeploymentTargetCommand({ deploymentId: info.deploymentId, targetId }));
      const lambda = deploymentTarget?.lambdaTarget;
      const weight = lambda?.lambdaFunctionInfo?.targetVersionWeight;
      if (weight !== undefined) parts.push(`${Math.round(weight * 100)}% of traffic on version ${lambda?.lambdaFunctionInfo?.targetVersion}`);
      const hooks = (lambda?.lifecycleEvents ?? []).filter((event) => event.lifecycleEventName === 'BeforeAllowTraffic' || event.lifecycleEventName === 'AfterAllowTraffic');
      if (hooks.length) parts.push(hooks.map((event) => `${event.lifecycleEventName} ${event.status}`).join(', '));
    }
  } catch {
    // Progress detail is best effort: the deployment's own status decides the outcome.
  }
  return parts.join('; ');
}

function failureReason(info: DeploymentInfo): string {
  const error = info.errorInformation;
  const base = error ? `${error.code ?? 'ERROR'}: ${error.message ?? ''}`.trim() : `deployment ${info.status?.toLowerCase()}`;
  // ALARM_ACTIVE names the alarms in its message; HOOK_EXECUTION_FAILURE means a hook reported Failed.
  return base;
}

/** Polls every deployment until each ends (or the timeout), logging each change of progress. */
export async function watchDeployments(clients: DeliveryClients, deployments: ReadonlyMap<string, string>, options: WatchOptions): Promise<DeploymentOutcome[]> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutSeconds * 1000;
  const outcomes = new Map<string, DeploymentOutcome>();
  const lastLine = new Map<string, string>();
  while (outcomes.size < deployments.size) {
    for (const [functionName, deploymentId] of deployments) {
      if (outcomes.has(functionName)) continue;
      const { deploymentInfo: info } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
      if (!info) throw new Error(`CodeDeploy returned no information for deployment ${deploymentId} (${functionName})`);
      const line = await progressLine(clients, functionName, info);
      if (line !== lastLine.get(functionName)) options.log(line);
      lastLine.set(functionName, line);
      if (TERMINAL.has(info.status ?? '')) {
        const status = info.status as DeploymentOutcome['status'];
        const rolledBack = Boolean(info.rollbackInfo?.rollbackDeploymentId || info.rollbackInfo?.rollbackMessage);
        outcomes.set(functionName, { functionName, deploymentId, status, rolledBack, ...(status === 'Succeeded' ? {} : { reason: failureReason(info) }) });
      }
    }
    if (outcomes.size === deployments.size) break;
    if (now() >= deadline) {
      for (const [functionName, deploymentId] of deployments) {
        if (!outcomes.has(functionName)) {
          outcomes.set(functionName, {
            functionName,
            deploymentId,
            status: 'TimedOut',
            rolledBack: false,
            reason: `still running after ${options.timeoutSeconds} s; CodeDeploy carries on: watch it with the deployment id, or stop it in the console`,
          });
        }
      }
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollSeconds * 1000));
  }
  return [...deployments.keys()].map((name) => outcomes.get(name) as DeploymentOutcome);
}

/** The AppSpec of a past deployment (what release/rollback sent), or undefined. */
function appSpecVersions(info: DeploymentInfo): { current: string; target: string } | undefined {
  const content = info.revision?.appSpecContent?.content;
  if (!content) return undefined;
  try {
    const spec = JSON.parse(content) as { Resources?: Record<string, { Properties?: { CurrentVersion?: string; TargetVersion?: string } }>[] };
    const properties = Object.values(spec.Resources?.[0] ?? {})[0]?.Properties;
    return properties?.CurrentVersion && properties.TargetVersion ? { current: properties.CurrentVersion, target: properties.TargetVersion } : undefined;
  } catch {
    return undefined;
  }
}

export const ROLLBACK_DEPLOYMENT_CONFIG = DEPLOYMENT_STRATEGIES[ROLLBACK_STRATEGY];

/** The summary the commands end with; failures name each function and why. */
export function summarize(outcomes: readonly DeploymentOutcome[], verb: string): { ok: boolean; succeeded: string[]; failed: string[] } {
  const failures = outcomes.filter((outcome) => outcome.status !== 'Succeeded');
  const succeeded = outcomes
    .filter((outcome) => outcome.status === 'Succeeded')
    .map((outcome) => `${outcome.functionName}: ${verb} succeeded (${outcome.deploymentId})`);
  const failed = failures.map((outcome) => {
    const back = outcome.rolledBack ? 'rolled back to the previous version' : outcome.status === 'TimedOut' ? 'not finished' : 'not rolled back';
    const status = outcome.status === 'TimedOut' ? 'timed out' : outcome.status.toLowerCase();
    return `${outcome.functionName}: ${verb} ${status}, ${back}: ${outcome.reason ?? 'no reason given'} (${outcome.deploymentId})`;
  });
  return { ok: failed.length === 0, succeeded, failed };
}
