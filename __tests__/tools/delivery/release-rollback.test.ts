import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { loadEnvironments } from '../../../environments/load';
import type { AccountConfig } from '../../../environments/schema';
import { DEPLOYMENT_STRATEGIES } from '../../../environments/deployment-strategies';
import { FUNCTION_NAMES, FUNCTIONS } from '../../../catalogue';
import { resolveFunctionSettings } from '../../../catalogue/function-settings';
import { type DeliveryStandIns, type ScriptedOutcome, type StandInFunction, startDeliveryStandIns } from '../../../tools/local-aws/delivery-apis';
import { startStsServer, type StsServer } from '../../../tools/local-aws/sts-server';
import { REPO_ROOT } from '../../helpers/terraform';
import { hookConcurrency, POST_TRAFFIC_TARGET, PRE_TRAFFIC_HOOK } from '../../../catalogue/deployment-hooks';
import { commandExitCode } from '../../../tools/delivery/delivery-cli';
import { release } from '../../../tools/delivery/release';
import { rollback } from '../../../tools/delivery/rollback';

/**
 * `npm run release` and `npm run rollback` against real local HTTP stand-ins of STS (pre-flight),
 * CodeDeploy (AWS JSON 1.1) and Lambda (REST JSON). The SDK clients reach them through the
 * standard AWS_ENDPOINT_URL_<SERVICE> variables. The release of every account and the failing
 * release run the command as CI does (a child process: exit code, output, no stack trace); the
 * other cases call the same command body in-process (each child process loads the AWS SDK again,
 * about 1.5 s of CPU), with the same environment and the same exit-code rule (commandExitCode).
 */

const run = promisify(execFile);
const accounts = loadEnvironments({ overrides: {} });
const [firstAccount] = accounts;
const names = [...FUNCTION_NAMES];

interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let sts: StsServer | undefined;
let apis: DeliveryStandIns | undefined;
afterEach(async () => {
  await sts?.close();
  await apis?.close();
  sts = undefined;
  apis = undefined;
});

/** Every catalogue function at version 1 (alias on it), except the given ones. */
function accountState(changed: Record<string, Partial<StandInFunction>> = {}): Record<string, StandInFunction> {
  return Object.fromEntries(names.map((name) => [name, { versions: ['1'], alias: '1', ...changed[name] }]));
}

async function command(
  script: 'release' | 'rollback',
  args: readonly string[],
  setup: {
    account?: AccountConfig;
    callerAccountId?: string;
    functions: Record<string, StandInFunction>;
    outcomes?: Record<string, ScriptedOutcome>;
    /** Deployments already in CodeDeploy: [function, current, target, status, createTime]. */
    history?: readonly [string, string, string, 'Succeeded' | 'Failed' | 'Created', number][];
    /** The application's deployment groups (default: one per function, as the stack creates them). */
    deploymentGroups?: readonly string[];
    /** Alarm names in ALARM when the command starts (an incident). */
    alarms?: readonly string[];
    racingDeployments?: readonly string[];
    /** Run the command line as CI does, in a child process (default: the command body in-process). */
    childProcess?: boolean;
  },
): Promise<CommandResult> {
  const account = setup.account ?? firstAccount;
  sts = await startStsServer({ accountId: setup.callerAccountId ?? account.accountId });
  apis = await startDeliveryStandIns({
    applicationName: `${account.organisation}-functions`,
    functions: setup.functions,
    outcomes: setup.outcomes,
    deploymentGroups: setup.deploymentGroups,
    racingDeployments: setup.racingDeployments,
  });
  for (const past of setup.history ?? []) apis.addPastDeployment(...past);
  for (const alarm of setup.alarms ?? []) apis.setAlarmState(alarm, 'ALARM');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_ENDPOINT_URL_CODEDEPLOY: apis.codedeployUrl,
    AWS_ENDPOINT_URL_LAMBDA: apis.lambdaUrl,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_MAX_ATTEMPTS: '1',
  };
  delete env.AWS_PROFILE;
  delete env.INFRA_OVERRIDES_FILE;
  if (!setup.childProcess) return inProcess(script, args, env);
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', ENTRY[script], ...args], { cwd: REPO_ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** The command body in this process, under `env` (restored afterwards), its console output captured. */
async function inProcess(script: 'release' | 'rollback', args: readonly string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const saved = { ...process.env };
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void stdout.push(`${parts.join(' ')}\n`));
  const error = jest.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void stderr.push(`${parts.join(' ')}\n`));
  process.env = env;
  try {
    const code = await commandExitCode(() => ({ release, rollback })[script](args));
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    process.env = saved;
    log.mockRestore();
    error.mockRestore();
  }
}

const created = () => (apis as DeliveryStandIns).codedeployCalls.filter((call) => call.operation === 'CreateDeployment').map((call) => call.input as Record<string, any>);
const FAST = ['--poll-seconds', '0.01'];
/** The entry points of `npm run release` and `npm run rollback` (package.json). */
const ENTRY = { release: 'tools/delivery/release.ts', rollback: 'tools/delivery/rollback.ts' } as const;

describe.each(accounts.map((account) => [account.name, account] as const))('npm run release -- %s', (_name, account) => {
  test('deploys exactly the functions whose newest version is not live, each with an AppSpec in AWS format, and succeeds', async () => {
    const [first, second] = [names[0], names[names.length - 1]];
    const result = await command('release', [account.name, ...FAST], {
      account,
      childProcess: true,
      functions: accountState({ [first]: { versions: ['1', '2', '3'], alias: '2' }, [second]: { versions: ['1', '2'], alias: '1' } }),
    });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('release failed');
    const deployments = created();
    expect(deployments.map((d) => d.deploymentGroupName)).toEqual([first, second]);
    for (const [deployment, [current, target]] of deployments.map((d, i) => [d, i === 0 ? ['2', '3'] : ['1', '2']] as const)) {
      // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html: the group's own
      // configuration applies when deploymentConfigName is absent; AppSpec content is a RevisionLocation.
      expect(deployment.applicationName).toBe(`${account.organisation}-functions`);
      expect(deployment.deploymentConfigName).toBeUndefined();
      expect(deployment.revision.revisionType).toBe('AppSpecContent');
      const content: string = deployment.revision.appSpecContent.content;
      expect(deployment.revision.appSpecContent.sha256).toBe(createHash('sha256').update(content).digest('hex'));
      // The AppSpec of a Lambda deployment, field by field:
      // https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-example.html#appspec-file-example-lambda
      const spec = JSON.parse(content);
      expect(Object.keys(spec)).toEqual(['version', 'Resources', 'Hooks']);
      // "Specify version with a string": https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-version.html
      expect(spec.version).toBe('0.0');
      expect(content.startsWith('{"version":"0.0",')).toBe(true);
      expect(spec.Resources).toHaveLength(1);
      const name = deployment.deploymentGroupName;
      expect(Object.keys(spec.Resources[0])).toEqual([name]);
      expect(spec.Resources[0][name].Type).toBe('AWS::Lambda::Function');
      expect(spec.Resources[0][name].Properties).toEqual({ Name: name, Alias: 'live', CurrentVersion: current, TargetVersion: target });
      expect(spec.Hooks).toEqual([{ BeforeAllowTraffic: 'CodeDeployHook_pre-traffic' }, { AfterAllowTraffic: 'CodeDeployHook_post-traffic' }]);
    }
    // Progress: the strategy, traffic on the new version and the hook results.
    const strategy = resolveFunctionSettings(account).find((fn) => fn.name === first)!.deploymentStrategy;
    expect(result.stdout).toContain(`${first}: releasing version 3 (live: 2) with ${strategy} (${DEPLOYMENT_STRATEGIES[strategy]})`);
    expect(result.stdout).toMatch(new RegExp(`${first} \\(d-STANDIN001\\): InProgress; 10% of traffic on version 3; BeforeAllowTraffic Succeeded`));
    expect(result.stdout).toContain(`${first}: release succeeded (d-STANDIN001)`);
    for (const name of names.filter((n) => n !== first && n !== second)) expect(result.stdout).toContain(`${name} (live on its newest version 1)`);
    expect(result.stdout).toContain(`Account check passed: stack '${account.name}'`);
    expect([apis!.functions[first].alias, apis!.functions[second].alias]).toEqual(['3', '2']);
  }, 60_000);
});

describe('npm run release outcomes', () => {
  test('exits 1 naming each rolled-back function and why: hook failure, alarm stop, timeout; the others still succeed', async () => {
    const [ok, hook, alarm, timeout] = names;
    const changed = { versions: ['1', '2'], alias: '1' };
    const result = await command('release', [firstAccount.name, ...FAST], {
      childProcess: true,
      functions: accountState({ [ok]: changed, [hook]: changed, [alarm]: changed, [timeout]: changed }),
      outcomes: { [hook]: 'hook-failure', [alarm]: 'alarm-stop', [timeout]: 'timeout' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${ok}: release succeeded`);
    expect(result.stderr).toContain(`${hook}: release failed, rolled back to the previous version: HOOK_EXECUTION_FAILURE: The deployment failed because one or more of the lifecycle event hooks failed.`);
    expect(result.stderr).toContain(`${alarm}: release stopped, rolled back to the previous version: ALARM_ACTIVE: One or more alarms have been activated`);
    expect(result.stderr).toContain(`Activated alarms: <deploy-${alarm}-error-rate>`);
    expect(result.stderr).toContain(`${timeout}: release failed, rolled back to the previous version: TIMEOUT:`);
    expect(result.stdout).toMatch(new RegExp(`${hook} \\(d-STANDIN\\d+\\): Failed; 0% of traffic on version 2; BeforeAllowTraffic Failed`));
    expect([ok, hook, alarm, timeout].map((name) => apis!.functions[name].alias)).toEqual(['2', '1', '1', '1']);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  test('a deployment that outlasts --timeout-minutes fails the command, naming the function as not finished', async () => {
    const [name] = names;
    const result = await command('release', [firstAccount.name, '--poll-seconds', '0.05', '--timeout-minutes', '0.002'], {
      functions: accountState({ [name]: { versions: ['1', '2'], alias: '1' } }),
      outcomes: { [name]: 'never-ends' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${name}: release timed out, not finished: still running after 0.12 s`);
  }, 60_000);

  test('nothing changed: no deployment, exit 0', async () => {
    const result = await command('release', [firstAccount.name, ...FAST], { functions: accountState() });
    expect([result.code, created()]).toEqual([0, []]);
    expect(result.stdout).toContain(`Nothing to release in ${firstAccount.name}: no newly published version.`);
  }, 60_000);

  test('--function limits the release to that function', async () => {
    const [first, second] = names;
    const changed = { versions: ['1', '2'], alias: '1' };
    const result = await command('release', [firstAccount.name, '--function', second, ...FAST], { functions: accountState({ [first]: changed, [second]: changed }) });
    expect([result.code, created().map((d) => d.deploymentGroupName)]).toEqual([0, [second]]);
  }, 60_000);

  test('credentials of another account: refused by the pre-flight before any CodeDeploy or Lambda call', async () => {
    const other = accounts.find((a) => a.accountId !== firstAccount.accountId)?.accountId ?? '111122223333';
    const result = await command('release', [firstAccount.name, ...FAST], { callerAccountId: other, functions: accountState({ [names[0]]: { versions: ['1', '2'], alias: '1' } }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Account check FAILED: stack '${firstAccount.name}' belongs to ${firstAccount.name} (${firstAccount.accountId}) but the current credentials are for account ${other}`);
    expect([apis!.codedeployCalls, apis!.lambdaCalls]).toEqual([[], []]);
  }, 60_000);

  test.each([
    [['prod'], `unknown account 'prod'; the accounts are: ${accounts.map((a) => a.name).join(', ')}`],
    [[firstAccount.name, '--function', 'sync-clocks'], `unknown function 'sync-clocks'; the functions are: ${FUNCTION_NAMES.join(', ')}`],
    [[], 'give exactly one account'],
    [[firstAccount.name, '--strategy', 'canary'], 'unknown option --strategy'],
  ])('bad input %j: a clear error, exit 1, nothing called', async (args, message) => {
    const result = await command('release', [...args], { functions: accountState({ [names[0]]: { versions: ['1', '2'], alias: '1' } }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect([sts!.actions, apis!.codedeployCalls, apis!.lambdaCalls]).toEqual([[], [], []]);
  }, 60_000);
});

describe('npm run rollback', () => {
  test('without a release that made the live version live, names the function and starts nothing', async () => {
    const name = FUNCTIONS[0].name;
    const result = await command('rollback', [firstAccount.name, '--function', name, ...FAST], { functions: accountState({ [name]: { versions: ['1', '2', '3'], alias: '3' } }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${name}: no release made version 3 live, so there is no previous version to return to; pass --to-version`);
    expect(created()).toEqual([]);
  }, 60_000);

  test('returns to the CurrentVersion of the newest succeeded release of the live version', async () => {
    const name = FUNCTIONS[0].name;
    const result = await command('rollback', [firstAccount.name, '--function', name, ...FAST], {
      functions: accountState({ [name]: { versions: ['1', '2', '3'], alias: '3' } }),
      history: [
        [name, '1', '2', 'Succeeded', 1000],
        [name, '1', '3', 'Failed', 2000],
        [name, '2', '3', 'Succeeded', 3000],
      ],
    });
    expect(result.code).toBe(0);
    const [deployment] = created();
    // The rollback overrides the group's strategy: every request back at once.
    expect(deployment.deploymentConfigName).toBe('CodeDeployDefault.LambdaAllAtOnce');
    // ... and its alarms and automatic rollback, which an incident's firing alarm would otherwise use against it:
    // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html
    expect([deployment.overrideAlarmConfiguration, deployment.autoRollbackConfiguration]).toEqual([{ enabled: false }, { enabled: false }]);
    const spec = JSON.parse(deployment.revision.appSpecContent.content);
    expect(spec.Resources[0][name].Properties).toEqual({ Name: name, Alias: 'live', CurrentVersion: '3', TargetVersion: '2' });
    expect(spec.Hooks).toBeUndefined();
    expect(result.stdout).toContain(`${name}: rolling back from version 3 to 2 all at once`);
    expect(apis!.functions[name].alias).toBe('2');
  }, 60_000);

  test('--to-version moves the alias to that earlier live version', async () => {
    const name = FUNCTIONS[0].name;
    const result = await command('rollback', [firstAccount.name, '--function', name, '--to-version', '1', ...FAST], {
      functions: accountState({ [name]: { versions: ['1', '2', '3'], alias: '3' } }),
      history: [
        [name, '1', '2', 'Succeeded', 1000],
        [name, '2', '3', 'Succeeded', 2000],
      ],
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(created()[0].revision.appSpecContent.content).Resources[0][name].Properties.TargetVersion).toBe('1');
    expect(apis!.functions[name].alias).toBe('1');
  }, 60_000);

  test.each([
    [['--function', 'FN', '--to-version', '9'], 'FN: version 9 does not exist; published versions: 1, 2, 3'],
    [['--to-version', '2'], '--to-version needs exactly one --function: version numbers differ per function'],
    [['--function', 'FN', '--to-version', 'latest'], "--to-version 'latest' is not a published version number (1, 2, ...)"],
  ])('bad input %j: a clear error, exit 1, no deployment started', async (args, message) => {
    const name = FUNCTIONS[0].name;
    const result = await command('rollback', [firstAccount.name, ...args.map((a) => a.replace('FN', name)), ...FAST], {
      functions: accountState({ [name]: { versions: ['1', '2', '3'], alias: '3' } }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message.replace('FN', name));
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(created()).toEqual([]);
  }, 60_000);

  test.each([
    [['prod', '--check-input'], 1, `unknown account 'prod'; the accounts are: ${accounts.map((a) => a.name).join(', ')}`],
    [[firstAccount.name, '--function', 'sync-clocks', '--check-input'], 1, `unknown function 'sync-clocks'; the functions are: ${FUNCTION_NAMES.join(', ')}`],
    [[firstAccount.name, '--to-version', '2', '--check-input'], 1, '--to-version needs exactly one --function'],
    [[firstAccount.name, '--function', 'FN', '--to-version', '2', '--check-input'], 0, `Rollback input is valid: account ${firstAccount.name}, function FN, version 2.`],
  ])('--check-input %j (what rollback.yml runs before approval): checks the arguments and calls no AWS API', async (args, code, message) => {
    const name = FUNCTIONS[0].name;
    const result = await command('rollback', args.map((a) => a.replace('FN', name)), { functions: accountState() });
    expect(result.code).toBe(code);
    expect(code ? result.stderr : result.stdout).toContain(message.replace('FN', name));
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect([sts!.actions, apis!.codedeployCalls, apis!.lambdaCalls]).toEqual([[], [], []]);
  }, 60_000);

  test('without --function rolls back every function a release changed and skips the others', async () => {
    const [released, untouched] = names;
    const result = await command('rollback', [firstAccount.name, ...FAST], {
      functions: accountState({ [released]: { versions: ['1', '2'], alias: '2' } }),
      history: [[released, '1', '2', 'Succeeded', 1000]],
    });
    expect(result.code).toBe(0);
    expect(created().map((d) => d.deploymentGroupName)).toEqual([released]);
    expect(result.stdout).toContain(`${untouched}: no release made version 1 live`);
    expect(apis!.functions[released].alias).toBe('1');
  }, 60_000);
});

describe('what a release ships (only what the apply just published)', () => {
  test('a version a failed deployment tried is not shipped again by the next release', async () => {
    const name = names[0];
    const result = await command('release', [firstAccount.name, ...FAST], {
      functions: accountState({ [name]: { versions: ['1', '2'], alias: '1' } }),
      history: [[name, '1', '2', 'Failed', 1000]],
    });
    expect([result.code, created()]).toEqual([0, []]);
    expect(result.stdout).toContain(`${name} (version 2 is not shipped again: deployment d-PAST001 (Failed) already took it; a new apply publishes the next version)`);
  }, 60_000);

  test('after a manual rollback the rolled-back version stays out, and the next published version ships from the live one', async () => {
    const name = names[0];
    const history: [string, string, string, 'Succeeded', number][] = [
      [name, '1', '2', 'Succeeded', 1000],
      [name, '2', '3', 'Succeeded', 2000],
    ];
    const functions = accountState({ [name]: { versions: ['1', '2', '3'], alias: '3' } });
    const rolledBack = await command('rollback', [firstAccount.name, '--function', name, ...FAST], { functions, history });
    expect([rolledBack.code, functions[name].alias]).toEqual([0, '2']);
    const rollbackSpec = JSON.parse(created()[0].revision.appSpecContent.content);
    await apis!.close();
    await sts!.close();
    // The next merge: the same CodeDeploy history plus the rollback, nothing newly published.
    const again = await command('release', [firstAccount.name, ...FAST], {
      functions,
      history: [...history, [name, rollbackSpec.Resources[0][name].Properties.CurrentVersion, '2', 'Succeeded', 3000]],
    });
    expect([again.code, created()]).toEqual([0, []]);
    // An apply publishes version 4: it ships, from the live version 2.
    functions[name].versions.push('4');
    await apis!.close();
    await sts!.close();
    const next = await command('release', [firstAccount.name, ...FAST], { functions, history: [...history, [name, '3', '2', 'Succeeded', 3000]] });
    expect(next.code).toBe(0);
    expect(JSON.parse(created()[0].revision.appSpecContent.content).Resources[0][name].Properties).toMatchObject({ CurrentVersion: '2', TargetVersion: '4' });
  }, 60_000);

  test("a release reads only the deployments created since the newest version was published (ListDeployments createTimeRange), not the group's whole history", async () => {
    const name = names[0];
    const functions = accountState({ [name]: { versions: ['1', '2'], alias: '2' } });
    const before = Date.now() / 1000;
    // Years of history: the release of version 2 and a failed try of a version since deleted.
    const result = await (async () => {
      sts = await startStsServer({ accountId: firstAccount.accountId });
      apis = await startDeliveryStandIns({ applicationName: `${firstAccount.organisation}-functions`, functions });
      apis.addPastDeployment(name, '1', '2', 'Succeeded', 1000);
      apis.publishVersion(name);
      const env: NodeJS.ProcessEnv = { ...process.env, AWS_ENDPOINT_URL_STS: sts.url, AWS_ENDPOINT_URL_CODEDEPLOY: apis.codedeployUrl, AWS_ENDPOINT_URL_LAMBDA: apis.lambdaUrl, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_MAX_ATTEMPTS: '1' };
      delete env.AWS_PROFILE;
      delete env.INFRA_OVERRIDES_FILE;
      return inProcess('release', [firstAccount.name, '--function', name, ...FAST], env);
    })();
    expect(result.code).toBe(0);
    const history = apis!.codedeployCalls.find((c) => c.operation === 'ListDeployments' && !c.input.includeOnlyStatuses);
    expect((history!.input.createTimeRange as { start: number }).start).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    expect(apis!.codedeployCalls.filter((c) => c.operation === 'GetDeployment' && c.input.deploymentId === 'd-PAST001')).toEqual([]);
    expect(JSON.parse(created()[0].revision.appSpecContent.content).Resources[0][name].Properties).toMatchObject({ CurrentVersion: '2', TargetVersion: '3' });
  }, 60_000);

  test('a deployment still in its first hook (no traffic weights yet) is found with ListDeployments and left alone; the other functions are released', async () => {
    const [waiting, other] = names;
    const changed = { versions: ['1', '2'], alias: '1' };
    const result = await command('release', [firstAccount.name, ...FAST], {
      functions: accountState({ [waiting]: { versions: ['1', '2', '3'], alias: '1' }, [other]: changed }),
      history: [[waiting, '1', '2', 'Created', 1000]],
    });
    expect(result.code).toBe(1);
    expect(created().map((d) => d.deploymentGroupName)).toEqual([other]);
    expect(result.stdout).toContain(`${waiting}: deployment d-PAST001 is still active; not starting another (CodeDeploy allows one per group)`);
    const listed = apis!.codedeployCalls.filter((c) => c.operation === 'ListDeployments' && c.input.deploymentGroupName === waiting);
    expect(listed[0].input.includeOnlyStatuses).toEqual(['Created', 'Queued', 'InProgress', 'Ready']);
  }, 60_000);

  test('a CreateDeployment refused for one function is reported with the others; the started deployments are still watched to their end', async () => {
    const [raced, first, last] = [names[1], names[0], names[2]];
    const changed = { versions: ['1', '2'], alias: '1' };
    const result = await command('release', [firstAccount.name, ...FAST], {
      functions: accountState({ [first]: changed, [raced]: changed, [last]: changed }),
      racingDeployments: [raced],
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${raced}: DeploymentLimitExceededException: The Deployment Group '${raced}' already has an active Deployment`);
    expect(result.stdout).toContain(`${first}: release succeeded`);
    expect(result.stdout).toContain(`${last}: release succeeded`);
    expect([first, raced, last].map((name) => apis!.functions[name].alias)).toEqual(['2', '1', '2']);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('alarms during an incident', () => {
  const name = names[0];
  const alarm = `deploy-${name}-error-rate`;

  test("a release while the group's alarm fires is stopped; --override-alarms ships the fix", async () => {
    const stopped = await command('release', [firstAccount.name, ...FAST], { functions: accountState({ [name]: { versions: ['1', '2'], alias: '1' } }), alarms: [alarm] });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain(`${name}: release stopped, rolled back to the previous version: ALARM_ACTIVE`);
    expect(created()[0].overrideAlarmConfiguration).toBeUndefined();
    expect(apis!.functions[name].alias).toBe('1');
    await apis!.close();
    await sts!.close();
    const fixed = await command('release', [firstAccount.name, '--override-alarms', ...FAST], { functions: accountState({ [name]: { versions: ['1', '2'], alias: '1' } }), alarms: [alarm] });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain('alarms overridden (--override-alarms)');
    expect(created()[0].overrideAlarmConfiguration).toEqual({ enabled: false });
    // A release keeps automatic rollback on failure.
    expect(created()[0].autoRollbackConfiguration).toBeUndefined();
    expect(apis!.functions[name].alias).toBe('2');
  }, 60_000);

  test('a manual rollback succeeds while the alarm fires', async () => {
    const result = await command('rollback', [firstAccount.name, '--function', name, ...FAST], {
      functions: accountState({ [name]: { versions: ['1', '2'], alias: '2' } }),
      history: [[name, '1', '2', 'Succeeded', 1000]],
      alarms: [alarm],
    });
    expect(result.code).toBe(0);
    expect(apis!.functions[name].alias).toBe('1');
  }, 60_000);
});

describe('bad input to release and rollback: one paragraph naming the fix, nothing started', () => {
  const [name, other] = names;
  const expectNothingStarted = (result: CommandResult) => {
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(created()).toEqual([]);
  };

  test.each(['release', 'rollback'] as const)('%s: an account without a deployment group for a function', async (script) => {
    const result = await command(script, [firstAccount.name, ...FAST], {
      functions: accountState({ [name]: { versions: ['1', '2'], alias: '2' }, [other]: { versions: ['1', '2'], alias: '1' } }),
      history: [[name, '1', '2', 'Succeeded', 1000]],
      deploymentGroups: names.filter((n) => n !== other),
    });
    expectNothingStarted(result);
    expect(result.stderr).toContain(`${other}: no deployment group '${other}' in CodeDeploy application '${firstAccount.organisation}-functions'; apply the account's stack first (npx cdktf deploy ${firstAccount.name})`);
  }, 60_000);

  test.each(['release', 'rollback'] as const)('%s: a catalogue function the account does not have yet', async (script) => {
    const functions = accountState({ [other]: { versions: ['1', '2'], alias: '1' } });
    delete functions[name];
    const result = await command(script, [firstAccount.name, ...FAST], { functions, deploymentGroups: names });
    expectNothingStarted(result);
    expect(result.stderr).toContain(`${name}: no function with a live alias in the account; apply the stack first`);
  }, 60_000);

  test('rollback --to-version of a version that was never released', async () => {
    const result = await command('rollback', [firstAccount.name, '--function', name, '--to-version', '3', ...FAST], {
      functions: accountState({ [name]: { versions: ['1', '2', '3'], alias: '2' } }),
      history: [[name, '1', '2', 'Succeeded', 1000], [name, '2', '3', 'Failed', 2000]],
    });
    expectNothingStarted(result);
    expect(result.stderr).toContain(`${name}: version 3 was never released (it never served the live alias)`);
  }, 60_000);
});

describe('the CodeDeploy stand-in follows the documented rules', () => {
  test('an AppSpec whose version is the number 0 is refused; the string "0.0" is accepted', async () => {
    const { CodeDeployClient, CreateDeploymentCommand } = await import('@aws-sdk/client-codedeploy');
    apis = await startDeliveryStandIns({ applicationName: 'app', functions: accountState({ [names[0]]: { versions: ['1', '2'], alias: '1' } }) });
    const client = new CodeDeployClient({ region: 'eu-west-1', endpoint: apis.codedeployUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    const create = (version: unknown) =>
      client.send(
        new CreateDeploymentCommand({
          applicationName: 'app',
          deploymentGroupName: names[0],
          revision: {
            revisionType: 'AppSpecContent',
            appSpecContent: { content: JSON.stringify({ version, Resources: [{ [names[0]]: { Type: 'AWS::Lambda::Function', Properties: { Name: names[0], Alias: 'live', CurrentVersion: '1', TargetVersion: '2' } } }] }) },
          },
        }),
      );
    await expect(create(0)).rejects.toThrow('The AppSpec version must be the string "0.0", not 0');
    await expect(create('0.0')).resolves.toMatchObject({ deploymentId: expect.any(String) });
    // One active deployment per group from creation on, before any traffic moved.
    await expect(create('0.0')).rejects.toMatchObject({ name: 'DeploymentLimitExceededException' });
    client.destroy();
  });
});

describe('the CodeDeploy stand-in: rollbacks and alarms', () => {
  const client = async () => {
    const { CodeDeployClient } = await import('@aws-sdk/client-codedeploy');
    return new CodeDeployClient({ region: 'eu-west-1', endpoint: apis!.codedeployUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  };
  const spec = (name: string, current: string, target: string) =>
    JSON.stringify({ version: '0.0', Resources: [{ [name]: { Type: 'AWS::Lambda::Function', Properties: { Name: name, Alias: 'live', CurrentVersion: current, TargetVersion: target } } }] });

  test('an automatic rollback is a new deployment redeploying the last good version; the failed version stays published', async () => {
    const { CreateDeploymentCommand, GetDeploymentCommand } = await import('@aws-sdk/client-codedeploy');
    const [name] = names;
    apis = await startDeliveryStandIns({ applicationName: 'app', functions: accountState({ [name]: { versions: ['1', '2'], alias: '1' } }), outcomes: { [name]: 'hook-failure' } });
    const codedeploy = await client();
    const { deploymentId } = await codedeploy.send(new CreateDeploymentCommand({ applicationName: 'app', deploymentGroupName: name, revision: { revisionType: 'AppSpecContent', appSpecContent: { content: spec(name, '1', '2') } } }));
    let info;
    for (let poll = 0; poll < 3; poll++) info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
    expect(info?.status).toBe('Failed');
    const rollbackId = info?.rollbackInfo?.rollbackDeploymentId;
    expect(rollbackId).toBeDefined();
    expect(rollbackId).not.toBe(deploymentId);
    const rollbackInfo = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: rollbackId }))).deploymentInfo;
    expect([rollbackInfo?.status, rollbackInfo?.creator]).toEqual(['Succeeded', 'codeDeployRollback']);
    expect(JSON.parse(rollbackInfo!.revision!.appSpecContent!.content!).Resources[0][name].Properties).toMatchObject({ CurrentVersion: '2', TargetVersion: '1' });
    expect([apis.functions[name].alias, apis.functions[name].versions]).toEqual(['1', ['1', '2']]);
    codedeploy.destroy();
  });

  test("a group's alarm in ALARM stops a deployment unless the deployment overrides the alarm configuration", async () => {
    const { CreateDeploymentCommand, GetDeploymentCommand } = await import('@aws-sdk/client-codedeploy');
    const [first, second] = names;
    apis = await startDeliveryStandIns({ applicationName: 'app', functions: accountState({ [first]: { versions: ['1', '2'], alias: '1' }, [second]: { versions: ['1', '2'], alias: '1' } }) });
    apis.setAlarmState(`deploy-${first}-error-rate`, 'ALARM');
    apis.setAlarmState(`deploy-${second}-error-rate`, 'ALARM');
    const codedeploy = await client();
    const start = (name: string, override: boolean) =>
      codedeploy.send(
        new CreateDeploymentCommand({
          applicationName: 'app',
          deploymentGroupName: name,
          revision: { revisionType: 'AppSpecContent', appSpecContent: { content: spec(name, '1', '2') } },
          ...(override ? { overrideAlarmConfiguration: { enabled: false } } : {}),
        }),
      );
    const watched = (await start(first, false)).deploymentId;
    const overridden = (await start(second, true)).deploymentId;
    const statusOf = async (deploymentId?: string) => {
      let info;
      for (let poll = 0; poll < 3; poll++) info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
      return [info?.status, info?.errorInformation?.code];
    };
    expect(await statusOf(watched)).toEqual(['Stopped', 'ALARM_ACTIVE']);
    expect(await statusOf(overridden)).toEqual(['Succeeded', undefined]);
    expect([apis.functions[first].alias, apis.functions[second].alias]).toEqual(['1', '2']);
    codedeploy.destroy();
  });
});

describe('the Lambda stand-in follows the documented rules', () => {
  test('reserved concurrency caps synchronous invokes: the one beyond it gets 429 TooManyRequestsException', async () => {
    const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
    const [name] = names;
    let release: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (release = resolve));
    apis = await startDeliveryStandIns({
      applicationName: 'app',
      functions: accountState({ [name]: { versions: ['1'], alias: '1', reservedConcurrency: 1 } }),
      invoke: async () => {
        await running;
        return { payload: { passed: true } };
      },
    });
    const client = new LambdaClient({ region: 'eu-west-1', endpoint: apis.lambdaUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    const first = client.send(new InvokeCommand({ FunctionName: name, Qualifier: 'live' }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(client.send(new InvokeCommand({ FunctionName: name, Qualifier: 'live' }))).rejects.toMatchObject({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
    release();
    const answer = await first;
    expect(JSON.parse(Buffer.from(answer.Payload!).toString())).toEqual({ passed: true });
    expect(answer.ExecutedVersion).toBe('1');
    expect(apis.invocations.map((i) => i.throttled)).toEqual([false, true]);
    client.destroy();
  });
});

describe('a release with the hooks run as CodeDeploy runs them (runHooks)', () => {
  /**
   * Hooks written in the shape of lambda-functions/deployment-hooks/handler.py: the pre-traffic hook
   * reads the deployment, the post-traffic hook invokes lambda-test-runner:live synchronously (a
   * slow run), and each reports its result to CodeDeploy.
   */
  async function releaseThree(testRunnerReservation: number) {
    const pending: Promise<unknown>[] = [];
    const { CodeDeployClient, GetDeploymentCommand, PutLifecycleEventHookExecutionStatusCommand } = await import('@aws-sdk/client-codedeploy');
    const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
    const released = names.filter((n) => n !== POST_TRAFFIC_TARGET).slice(0, 3);
    const functions = accountState({
      ...Object.fromEntries(released.map((n) => [n, { versions: ['1', '2'], alias: '1' }])),
      [POST_TRAFFIC_TARGET]: { versions: ['1'], alias: '1', reservedConcurrency: testRunnerReservation },
    });
    sts = await startStsServer({ accountId: firstAccount.accountId });
    const clients = () => ({
      codedeploy: new CodeDeployClient({ region: 'eu-west-1', endpoint: apis!.codedeployUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 }),
      lambda: new LambdaClient({ region: 'eu-west-1', endpoint: apis!.lambdaUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 }),
    });
    apis = await startDeliveryStandIns({
      applicationName: `${firstAccount.organisation}-functions`,
      functions,
      runHooks: true,
      invoke: (name, _version, payload) => {
        const run = async () => {
          if (name === POST_TRAFFIC_TARGET) {
            await new Promise((resolve) => setTimeout(resolve, 800));
            return { payload: { passed: true } };
          }
          const event = payload as { DeploymentId: string; LifecycleEventHookExecutionId: string };
          const { codedeploy, lambda } = clients();
          try {
            let status: 'Succeeded' | 'Failed' = 'Succeeded';
            try {
              if (name === PRE_TRAFFIC_HOOK.functionName) await codedeploy.send(new GetDeploymentCommand({ deploymentId: event.DeploymentId }));
              else await lambda.send(new InvokeCommand({ FunctionName: POST_TRAFFIC_TARGET, Qualifier: 'live' }));
            } catch {
              status = 'Failed';
            }
            await codedeploy.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId: event.DeploymentId, lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId, status }));
            return { payload: { status } };
          } finally {
            codedeploy.destroy();
            lambda.destroy();
          }
        };
        const invocation = run();
        pending.push(invocation);
        return invocation;
      },
    });
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_ENDPOINT_URL_STS: sts.url, AWS_ENDPOINT_URL_CODEDEPLOY: apis.codedeployUrl, AWS_ENDPOINT_URL_LAMBDA: apis.lambdaUrl, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_MAX_ATTEMPTS: '1' };
    delete env.AWS_PROFILE;
    delete env.INFRA_OVERRIDES_FILE;
    const result = await inProcess('release', [firstAccount.name, ...released.flatMap((n) => ['--function', n]), '--poll-seconds', '0.05'], env);
    // Hooks still running when the release ended (a rolled-back deployment's) finish before the stand-ins close.
    await Promise.allSettled(pending);
    return { result, released };
  }

  test('three releases at once pass their hooks when the test runner holds one execution per deployment group', async () => {
    const { result, released } = await releaseThree(hookConcurrency(FUNCTION_NAMES.length));
    expect(result.code).toBe(0);
    expect(released.map((n) => apis!.functions[n].alias)).toEqual(released.map(() => '2'));
    expect(apis!.invocations.filter((i) => i.functionName === POST_TRAFFIC_TARGET).map((i) => i.throttled)).toEqual(released.map(() => false));
  }, 60_000);

  test('with a reservation of 1 concurrent post-traffic hooks are throttled (429), fail and roll their releases back', async () => {
    const { result, released } = await releaseThree(1);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('HOOK_EXECUTION_FAILURE');
    expect(apis!.invocations.some((i) => i.functionName === POST_TRAFFIC_TARGET && i.throttled)).toBe(true);
    expect(released.some((n) => apis!.functions[n].alias === '1')).toBe(true);
  }, 60_000);
});
