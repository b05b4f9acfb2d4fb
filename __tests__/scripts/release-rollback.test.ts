import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { loadEnvironments } from '../../environments/load';
import type { AccountConfig } from '../../environments/schema';
import { DEPLOYMENT_STRATEGIES } from '../../environments/deployment-strategies';
import { FUNCTION_NAMES, FUNCTIONS } from '../../lambda-functions/catalogue';
import { resolveFunctionSettings } from '../../lambda-functions/function-settings';
import { type DeliveryStandIns, type ScriptedOutcome, type StandInFunction, startDeliveryStandIns } from '../../scripts/local-aws/delivery-apis';
import { startStsServer, type StsServer } from '../../scripts/local-aws/sts-server';
import { REPO_ROOT } from '../helpers/terraform';
import { commandExitCode } from '../../scripts/lib/delivery-cli';
import { release } from '../../scripts/release';
import { rollback } from '../../scripts/rollback';

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
    /** Finished deployments already in CodeDeploy: [function, current, target, status, createTime]. */
    history?: readonly [string, string, string, 'Succeeded' | 'Failed', number][];
    /** Run the command line as CI does, in a child process (default: the command body in-process). */
    childProcess?: boolean;
  },
): Promise<CommandResult> {
  const account = setup.account ?? firstAccount;
  sts = await startStsServer({ accountId: setup.callerAccountId ?? account.accountId });
  apis = await startDeliveryStandIns({ applicationName: `${account.organisation}-functions`, functions: setup.functions, outcomes: setup.outcomes });
  for (const past of setup.history ?? []) apis.addPastDeployment(...past);
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
const ENTRY = { release: 'scripts/release.ts', rollback: 'scripts/rollback.ts' } as const;

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
      expect(spec.version).toBe(0);
      expect(content.startsWith('{"version":0,')).toBe(true);
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
    expect(result.stdout).toContain(`Unchanged, not deployed: ${names.filter((n) => n !== first && n !== second).join(', ')}`);
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
    expect(result.stdout).toContain(`Nothing to release in ${firstAccount.name}: every live alias serves its newest version.`);
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
    const spec = JSON.parse(deployment.revision.appSpecContent.content);
    expect(spec.Resources[0][name].Properties).toEqual({ Name: name, Alias: 'live', CurrentVersion: '3', TargetVersion: '2' });
    expect(spec.Hooks).toBeUndefined();
    expect(result.stdout).toContain(`${name}: rolling back from version 3 to 2 all at once`);
    expect(apis!.functions[name].alias).toBe('2');
  }, 60_000);

  test('--to-version moves the alias to that published version', async () => {
    const name = FUNCTIONS[0].name;
    const result = await command('rollback', [firstAccount.name, '--function', name, '--to-version', '1', ...FAST], {
      functions: accountState({ [name]: { versions: ['1', '2', '3'], alias: '3' } }),
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
