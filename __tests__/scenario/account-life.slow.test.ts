import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../../environments/load';
import { parse } from 'yaml';
import { databaseUsers, DB_MIGRATION_USER, FUNCTIONS, type FunctionSpec } from '../../catalogue';
import { commandExitCode } from '../../tools/delivery/delivery-cli';
import { release } from '../../tools/delivery/release';
import { rollback } from '../../tools/delivery/rollback';
import { startStsServer, type StsServer } from '../../tools/local-aws/sts-server';
import { readWorkload, sharedSynth } from '../helpers/terraform';
import { ciAccount } from '../../tools/ci/affected-accounts';
import { UNIT_DEPENDENCIES, unitStackName, WORKLOAD_UNITS, type WorkloadUnit } from '../../environments/units';
import { writeCommandStandIns, type CommandStandIns } from './command-stand-ins';
import { LocalAccount, PYTHON, REPO_ROOT } from './local-account';
import { playWorkflow, type StepResult } from './workflow-player';

/**
 * An account's first month, played in order against local engines (issue 20): a new PostgreSQL as
 * RDS creates it (no application role, per-user secrets without a value), the account's functions as
 * the stack synthesizes them, run by the real Python handlers in Lambda execution environments
 * (lambda-stand-in.ts, testing/lambda_environment.py), CodeDeploy running the real hooks
 * (codedeploy-stand-in.ts), CloudWatch evaluating the stack's alarms (cloudwatch-alarms.ts) on a
 * clock where minutes cost nothing (scenario-clock.ts), RDS's login rules (testing/rds_logins.py)
 * and GitHub's deployments API for the drift baseline (command-stand-ins.ts).
 *
 * The account applied from main lives through deploy.yml: each merge is the workflow played step by
 * step (workflow-player.ts); its shell steps and scripts run for real, the units' apply step (tools/ci/run-units.ts) is
 * LocalAccount.apply() (a version where code or configuration changed, as publish = true does) and
 * `npm run release` is the command's body. An account behind RDS Proxy runs apply.yml's database and
 * post-deploy steps on its new database. Nothing here creates a role, secret value, migration or
 * version: the product does, or the step fails. The tests of each describe are the steps of one
 * life and run in order.
 */

const accounts = loadEnvironments({ overrides: {} });
const [account] = accounts.filter((a) => a.github.applyBranch === 'main');
/** The accounts whose functions reach the database through RDS Proxy, with a Secrets Manager secret per database user. */
const PROXY_ACCOUNTS = accounts.filter((a) => a.database.proxy);
const APPLY_WORKFLOW = path.join(REPO_ROOT, '.github', 'workflows', 'apply.yml');
const DATABASE_FUNCTIONS = FUNCTIONS.filter((fn) => fn.grants.some((grant) => grant.kind === 'db-login'));
/** Callers' requests a minute: enough that a canary's 10% reaches the new version every minute. */
const CALLS_PER_MINUTE = 10;
/** The function a bad merge breaks: one behind the API that writes to the database. */
const BROKEN = FUNCTIONS.find((fn) => fn.trigger.kind === 'http' && DATABASE_FUNCTIONS.includes(fn)) as FunctionSpec;
/** The function the next merge changes: one with no database. */
const UNRELATED = FUNCTIONS.find((fn) => !DATABASE_FUNCTIONS.includes(fn)) as FunctionSpec;
const DEPLOY_WORKFLOW = path.join(REPO_ROOT, '.github', 'workflows', 'deploy.yml');
const LAST_APPLIED = path.join(REPO_ROOT, '.github', 'scripts', 'last-applied.sh');
/** A valid batch of the insert-ppu-data API (catalogue's HTTP route body). */
const ppuRequest = (deviceId: string, extra: Record<string, unknown> = {}) => ({
  httpMethod: 'POST',
  path: '/ppu-data',
  headers: {},
  isBase64Encoded: false,
  body: JSON.stringify({ records: [{ deviceId, recordedAt: '2026-11-30T12:00:00Z', units: 3.5, ...extra }] }),
});

let work: string;
let local: LocalAccount;
let tools: CommandStandIns;
let sts: StsServer;
let merges = 0;
/** The units that require approval whose approved apply (apply.yml) was played: a merge finds them applied. */
const approvedUnits = new Set<WorkloadUnit>();
const baselines: { sha: string; recorded: string }[] = [];
/** What callers send every minute: so many requests to a function's live alias. */
let traffic: { functionName: string; perMinute: number; event: () => unknown }[] = [];

interface DeployRun {
  readonly sha: string;
  readonly steps: StepResult[];
  readonly published: Record<string, string>;
  step(pattern: RegExp): StepResult;
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'account-life-'));
  // As root, PostgreSQL runs as an unprivileged user (testing/servers.py), who must reach its folder.
  if (process.getuid?.() === 0) {
    fs.chmodSync(os.tmpdir(), 0o711);
    fs.chmodSync(work, 0o711);
  }
  local = new LocalAccount(account, readWorkload(sharedSynth(), account), work);
  // apply.yml's approved apply of the units deploy.yml holds (config.units.<unit>.requireApproval: the
  // data unit): start() brings up what that apply creates, the database as RDS creates it, its empty
  // per-user secrets, the bucket, table and queue. No merge below applies them.
  await local.start();
  for (const unit of WORKLOAD_UNITS) if (account.units[unit].requireApproval) approvedUnits.add(unit);
  tools = writeCommandStandIns(path.join(work, 'tools'), PYTHON);
  sts = await startStsServer({ accountId: account.accountId });
  local.clock.everyMinute(async () => {
    for (const caller of traffic) for (let i = 0; i < caller.perMinute; i++) await local.lambda.invoke(caller.functionName, 'live', caller.event());
  });
}, 300_000);

afterAll(async () => {
  await sts?.close();
  await local?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** A copy of a function's built code with `append` added to handler.py: what a merge changing the function builds. */
function changedCode(fn: FunctionSpec, append: string): string {
  const folder = path.join(work, 'code', `${fn.name}-${++merges}`);
  fs.cpSync(path.join(REPO_ROOT, '.build', 'functions', fn.name), folder, { recursive: true });
  fs.appendFileSync(path.join(folder, 'handler.py'), `\n${append}\n`);
  return folder;
}

/** The project's command body in this process, with the account's endpoints; its output captured. */
async function command(body: (argv: string[]) => Promise<boolean>, argv: string[]): Promise<{ ok: boolean; output: string }> {
  const saved = process.env;
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void lines.push(parts.join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void lines.push(parts.join(' ')));
  process.env = { ...saved, ...local.commandEnv(), AWS_ENDPOINT_URL_STS: sts.url, AWS_MAX_ATTEMPTS: '1' };
  delete process.env.AWS_PROFILE;
  delete process.env.INFRA_OVERRIDES_FILE;
  try {
    const code = await commandExitCode(() => body(argv));
    return { ok: code === 0, output: lines.join('\n') };
  } finally {
    process.env = saved;
    log.mockRestore();
    error.mockRestore();
  }
}

/** The code of main where merges changed it: {function: staged folder}; the build's folder otherwise. */
const mainCode: Record<string, string> = {};

/** A merge to main: the deploy workflow for this account, with the given functions' code changed (and every earlier change still there). */
async function merge(changes: Record<string, string> = {}): Promise<DeployRun> {
  Object.assign(mainCode, changes);
  const sha = (++merges).toString(16).padStart(40, 'c');
  let published: Record<string, string> = {};
  const matrix = { account: account.name, units: ciAccount(account).units, base: '', applyRoleArn: 'arn:aws:iam::000000000000:role/apply', region: account.region, accountId: account.accountId };
  const runDir = path.join(work, `run-${merges}`);
  const { steps } = await playWorkflow({
    workflowFile: DEPLOY_WORKFLOW,
    matrix,
    sha,
    repoRoot: REPO_ROOT,
    workDir: runDir,
    env: { PATH: `${tools.bin}:${process.env.PATH}`, HOME: process.env.HOME, TMPDIR: os.tmpdir(), SCENARIO_GITHUB_STATE: tools.githubState, ...local.commandEnv() },
    handlers: [
      // The tip guard asks GitHub which commit main is at: this run is the tip (require-main-tip.sh has its own tests).
      { matches: /require-main-tip\.sh/, run: async () => ({ ok: true, output: 'tip', outputs: { proceed: 'true' } }) },
      // The pre-flight and the synth: the scenario's stand-ins answer as the account, and the stack was synthesized once.
      { matches: /npm run verify-account/, run: async () => ({ ok: true, output: 'Account check passed' }) },
      { matches: /npm run synth/, run: async () => ({ ok: true, output: 'synthesized' }) },
      // The committed lock file beside each unit folder: the scenario plans no Terraform.
      { matches: /cp \.terraform\.lock\.hcl/, run: async () => ({ ok: true, output: 'lock files' }) },
      {
        // The units' apply (tools/ci/run-units.ts --hold-approval, tested with real Terraform on its
        // own), with its results file: a unit that requires approval is never applied by a merge. It is
        // held until its approved apply was played (approvedUnits), and every unit depending on it
        // waits; once approved and unchanged, the others apply and the stand-ins publish the functions.
        matches: /tools\/ci\/run-units\.ts --mode apply --hold-approval/,
        run: async (_script, env) => {
          const requested = env.UNITS.split(' ').filter(Boolean);
          const blocked = new Map<string, string>();
          const results = WORKLOAD_UNITS.filter((unit) => requested.includes(unit)).map((unit) => {
            const stack = unitStackName(account.name, unit);
            const waitsOn = UNIT_DEPENDENCIES[unit].find((dep) => blocked.has(dep));
            if (waitsOn) {
              blocked.set(unit, 'waiting');
              return { unit, stack, status: 'waiting', reason: `${unit} waits on ${waitsOn}: ${waitsOn} has unapplied changes; planned after ${waitsOn} is applied`, seconds: 0 };
            }
            if (account.units[unit].requireApproval) {
              if (approvedUnits.has(unit)) return { unit, stack, status: 'unchanged', seconds: 0 };
              blocked.set(unit, 'held');
              return { unit, stack, status: 'held', reason: `${unit} is not applied by this run: it requires approval (config.units.${unit}.requireApproval)`, seconds: 0 };
            }
            return { unit, stack, status: 'applied', seconds: 0 };
          });
          if (requested.includes('app') && !blocked.has('app')) published = local.apply(mainCode);
          fs.writeFileSync(path.join(runDir, 'runner-deploy', 'results.json'), JSON.stringify(results));
          return { ok: true, output: `${results.map((r) => `${r.stack}: ${r.status}`).join('\n')}\npublished ${JSON.stringify(published)}` };
        },
      },
      {
        matches: /npm run release -- "\$ACCOUNT"/,
        run: async (script, env) => {
          const args = script.replace(/^.*npm run release -- /s, '').trim().split(/\s+/).map((arg) => arg.replace(/"\$ACCOUNT"/, env.ACCOUNT));
          const result = await command(release, [...args, '--poll-seconds', '0.05']);
          await local.codedeploy.settled();
          return result;
        },
      },
    ],
  });
  fs.rmSync(runDir, { recursive: true, force: true });
  const recorded = spawnSync('bash', [LAST_APPLIED, account.name], {
    encoding: 'utf8',
    env: { PATH: `${tools.bin}:${process.env.PATH}`, GH_TOKEN: 'not-a-token', GITHUB_REPOSITORY: 'owner/repo', SCENARIO_GITHUB_STATE: tools.githubState },
  });
  baselines.push({ sha, recorded: recorded.stdout.trim() });
  return {
    sha,
    steps,
    published,
    step(pattern) {
      const found = steps.find((s) => pattern.test(s.name));
      if (!found) throw new Error(`deploy.yml has no step matching ${pattern}: ${steps.map((s) => s.name).join(' | ')}`);
      return found;
    },
  };
}

/** Fails naming the step, its outcome and the end of its output, unless it ended as expected. */
function expectOutcome(run: DeployRun, pattern: RegExp, outcome: StepResult['outcome']): StepResult {
  const step = run.step(pattern);
  if (step.outcome !== outcome) {
    throw new Error(`deploy.yml step "${step.name}" ended ${step.outcome}, expected ${outcome}:\n${step.output.slice(-2500)}\n\nFunction errors:\n${functionErrors()}\n\nThe run:\n${summary(run)}`);
  }
  return step;
}

/** The last error lines the functions and hooks logged: why a deployment or a check failed. */
function functionErrors(target: LocalAccount = local): string {
  const lines = [...target.lambda.functions.keys()].flatMap((name) => target.lambda.logs(name).split('\n').filter((line) => /"level": "(ERROR|WARN)"/.test(line)));
  return lines.slice(-8).map((line) => line.slice(0, 600)).join('\n');
}

const summary = (run: DeployRun) => run.steps.map((s) => `${s.job}/${s.name}: ${s.outcome}${s.outcome === 'failure' ? `\n${s.output.slice(-1500)}` : ''}`).join('\n');

/** Every database function, invoked as its trigger invokes it, must do its job logged in as its own role only. */
async function databaseFunctionsWork(tag: string, target: LocalAccount = local): Promise<void> {
  target.takeLogins();
  const results: Record<string, unknown> = {};
  for (const fn of DATABASE_FUNCTIONS) {
    const event = fn.name === BROKEN.name ? ppuRequest(`device-${tag}`) : fn.dryRun.event;
    results[fn.name] = (await target.lambda.invoke(fn.name, 'live', event)).payload;
  }
  const logins = target.takeLogins();
  for (const fn of DATABASE_FUNCTIONS) {
    const own = fn.environment.DB_USER as string;
    expect([fn.name, [...new Set(logins.filter(([name]) => name === fn.name).map(([, user]) => user))]]).toEqual([fn.name, [own]]);
  }
  if ((results[BROKEN.name] as { statusCode?: number }).statusCode !== 200) throw new Error(`${BROKEN.name} answered ${JSON.stringify(results[BROKEN.name])}:\n${functionErrors(target)}`);
  expect(JSON.parse((results[BROKEN.name] as { body: string }).body)).toMatchObject({ received: 1 });
  for (const fn of DATABASE_FUNCTIONS.filter((f) => f.name !== BROKEN.name)) {
    expect([fn.name, results[fn.name]]).toMatchObject([fn.name, fn.dryRun.expect ?? {}]);
    for (const key of fn.dryRun.expectKeys ?? []) expect([fn.name, results[fn.name]]).toMatchObject([fn.name, { [key]: expect.anything() }]);
  }
  const stored = await target.sql<[string]>('SELECT device_id FROM ppu_records WHERE device_id = :device', { device: `device-${tag}` });
  expect(stored).toEqual([[`device-${tag}`]]);
}

describe(`the life of the ${account.name} account`, () => {
  let first: DeployRun;

  test('bootstrap of a new database: the first deploy makes the migration role, with no manual step', async () => {
    first = await merge();

    const roles = await local.sql<[string]>('SELECT rolname FROM pg_roles WHERE rolname = :role', { role: DB_MIGRATION_USER });
    if (roles.length !== 1) throw new Error(`after the first deploy the database has no ${DB_MIGRATION_USER} role: nothing bootstrapped it. The run:\n${summary(first)}`);
  }, 180_000);

  test('first apply recorded as the drift baseline', () => {
    expect(first.step(/Apply the touched units in dependency order/).outcome).toBe('success');
    expect(baselines[0]).toEqual({ sha: first.sha, recorded: first.sha });
  });

  test('first release: nothing to ship, and it says so', () => {
    const step = first.step(/^Release/);
    expect([step.outcome, step.output]).toEqual(['success', expect.stringContaining(`Nothing to release in ${account.name}`)]);
    expect(local.codedeploy.calls.filter(([operation]) => operation === 'CreateDeployment')).toEqual([]);
  });

  test('migrations create every role the catalogue logs in as, each able to log in the way the account logs in', async () => {
    const users = databaseUsers(FUNCTIONS);
    const rows = await local.sql<[string, boolean, boolean]>(
      "SELECT rolname, rolcanlogin, pg_has_role(oid, 'rds_iam', 'MEMBER') FROM pg_roles WHERE rolname = ANY(CAST(:users AS text[])) ORDER BY rolname",
      { users },
    );
    expect(rows).toEqual([...users].sort().map((user) => [user, true, !local.proxy]));
    expectOutcome(first, /Post-deploy checks/, 'success');
  });

  test('each database function does its job as its own role', async () => {
    await databaseFunctionsWork('first');
  });

  let threeAtOnce: DeployRun;
  test(`a release of ${DATABASE_FUNCTIONS.length} functions at once passes its hooks, and no synchronous invoke gets 429`, async () => {
    const throttledBefore = local.lambda.invocations.filter((i) => i.outcome === 'throttled').length;
    threeAtOnce = await merge(Object.fromEntries(DATABASE_FUNCTIONS.map((fn) => [fn.name, changedCode(fn, '# a merge changing every database function')])));
    expect(Object.keys(threeAtOnce.published).sort()).toEqual(DATABASE_FUNCTIONS.map((fn) => fn.name).sort());
    const throttled = local.lambda.invocations.slice(throttledBefore).filter((i) => i.outcome === 'throttled' && !i.queued);
    expect(throttled).toEqual([]);
    expectOutcome(threeAtOnce, /^Release/, 'success');
    for (const fn of DATABASE_FUNCTIONS) expect([fn.name, local.lambda.aliasOf(fn.name).version]).toEqual([fn.name, threeAtOnce.published[fn.name]]);
  }, 180_000);

  let broken: DeployRun;
  let calls = 0;
  test(`a broken version of ${BROKEN.name} is rolled back on its alarm`, async () => {
    const good = local.lambda.aliasOf(BROKEN.name).version;
    traffic = [{ functionName: BROKEN.name, perMinute: CALLS_PER_MINUTE, event: () => ppuRequest(`caller-${++calls}`) }];
    // The bug the dry run cannot see: storing raises (an unhandled error, which Lambda counts in Errors).
    broken = await merge({ [BROKEN.name]: changedCode(BROKEN, 'def store(records):\n    raise TypeError("a bug this merge shipped")') });
    const badVersion = broken.published[BROKEN.name];
    expect(badVersion).toBeDefined();
    const deployment = [...local.codedeploy.deployments.values()].find((d) => d.functionName === BROKEN.name && d.target === badVersion && d.creator === 'user');
    if (!deployment) throw new Error(`no deployment of ${BROKEN.name} version ${badVersion} was started:\n${broken.step(/^Release/).output}`);
    expect([deployment?.status, deployment?.error?.code, local.lambda.aliasOf(BROKEN.name).version]).toEqual(['Stopped', 'ALARM_ACTIVE', good]);
    expect(expectOutcome(broken, /^Release/, 'failure').output).toContain(`${BROKEN.name}: release stopped, rolled back`);
  }, 180_000);

  test('the next merge does not ship the rolled-back version again', async () => {
    const before = local.codedeploy.calls.length;
    const next = await merge({ [UNRELATED.name]: changedCode(UNRELATED, '# a merge changing another function') });
    const created = local.codedeploy.calls.slice(before).filter(([operation]) => operation === 'CreateDeployment').map(([, input]) => input.deploymentGroupName);
    expect(created).toEqual([UNRELATED.name]);
    expectOutcome(next, /^Release/, 'success');
  }, 180_000);

  test('a manual rollback during a firing alarm succeeds', async () => {
    const before = local.lambda.aliasOf(BROKEN.name).version;
    // A version whose bug only real callers reach: records with a softwareVersion.
    traffic = [{ functionName: BROKEN.name, perMinute: CALLS_PER_MINUTE, event: () => ppuRequest(`quiet-${++calls}`) }];
    const latent = await merge({
      [BROKEN.name]: changedCode(BROKEN, '_store = store\ndef store(records):\n    if any(r.software_version for r in records):\n        raise TypeError("a bug only some callers reach")\n    return _store(records)'),
    });
    const latentVersion = latent.published[BROKEN.name];
    expectOutcome(latent, /^Release/, 'success');
    expect(local.lambda.aliasOf(BROKEN.name).version).toBe(latentVersion);
    // The incident: callers reach the bug, the function's deployment alarm fires.
    traffic = [{ functionName: BROKEN.name, perMinute: CALLS_PER_MINUTE, event: () => ppuRequest(`incident-${++calls}`, { softwareVersion: '2.0.0' }) }];
    await local.clock.pass(2);
    const firing = [...local.cloudwatch.states].filter(([name, state]) => state === 'ALARM' && name.startsWith(`deploy-${BROKEN.name}`)).map(([name]) => name);
    expect(firing).not.toEqual([]);
    // What the runbook says to run (docs/runbook.md, "Manual rollback").
    const result = await command(rollback, [account.name, '--function', BROKEN.name, '--poll-seconds', '0.05']);
    await local.codedeploy.settled();
    const live = local.lambda.aliasOf(BROKEN.name).version;
    if (!result.ok || live !== before) throw new Error(`npm run rollback ${result.ok ? 'succeeded' : 'failed'} and ${BROKEN.name}:live is on version ${live}, not ${before}:\n${result.output}`);
    // The incident is over: healthy minutes put the alarm back to OK.
    await local.clock.pass(2);
    traffic = [];
    expect(local.cloudwatch.state(firing[0])).toBe('OK');
    // The merge after the incident does not undo the rollback.
    const before2 = local.codedeploy.calls.length;
    const after = await merge();
    expectOutcome(after, /^Release/, 'success');
    const created = local.codedeploy.calls.slice(before2).filter(([operation]) => operation === 'CreateDeployment').map(([, input]) => input.deploymentGroupName);
    expect([created, local.lambda.aliasOf(BROKEN.name).version]).toEqual([[], before]);
  }, 180_000);

  test('the drift baseline is the applied commit after every deploy', () => {
    expect(baselines.map((b) => b.recorded)).toEqual(baselines.map((b) => b.sha));
  });

  test(`a rebuilt ${account.name} database needs no manual step: the next deploy brings it back and every database function works`, async () => {
    await local.rebuildDatabase();
    const run = await merge();
    expectOutcome(run, /Post-deploy checks/, 'success');
    await databaseFunctionsWork('rebuilt');
    expect(baselines.at(-1)).toEqual({ sha: run.sha, recorded: run.sha });
  }, 180_000);
});

/** A step's `run` script of a workflow job, found by the step's name. */
function workflowScript(file: string, job: string, name: RegExp): string {
  const steps = (parse(fs.readFileSync(file, 'utf8')) as { jobs: Record<string, { steps: { name?: string; run?: string }[] }> }).jobs[job].steps;
  const step = steps.find((s) => s.name && name.test(s.name) && s.run);
  if (!step?.run) throw new Error(`${path.basename(file)} job ${job} has no step named like ${name}`);
  return step.run;
}

/** Runs a workflow step's script as the runner does (bash -eo pipefail), against an account's stand-ins. */
function runScript(script: string, target: LocalAccount): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd: REPO_ROOT,
      env: { PATH: `${tools.bin}:${process.env.PATH}`, HOME: process.env.HOME, TMPDIR: os.tmpdir(), ...target.commandEnv() },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

describe.each(PROXY_ACCOUNTS.map((a) => [a.name, a] as const))('a new database behind RDS Proxy (%s): empty per-user secrets, then the apply workflow', (_name, proxied) => {
  let behind: LocalAccount;
  beforeAll(async () => {
    const folder = fs.mkdtempSync(path.join(work, `${proxied.name}-`));
    behind = new LocalAccount(proxied, readWorkload(sharedSynth(), proxied), folder);
    await behind.start();
    behind.apply();
  }, 300_000);
  afterAll(async () => {
    await behind?.close();
  });

  test('after the first apply every per-user secret is empty, and the proxy refuses the roles they are for', async () => {
    const values = await behind.secretValues();
    const perUser = Object.values(behind.secretArns);
    expect(perUser.length).toBeGreaterThan(0);
    expect(perUser.map((arn) => [arn, values[arn]])).toEqual(perUser.map((arn) => [arn, null]));
    const report = (await behind.lambda.invoke('lambda-test-runner', 'live', {})).payload as { passed: boolean; checks: { name: string; detail: string }[] };
    expect(report.passed).toBe(false);
    expect(report.checks.find((check) => check.name === 'database-reachable')?.detail).toContain('This RDS Proxy has no credentials for the role lambda_test_runner');
  }, 120_000);

  test("the apply workflow's database step fills every secret with its role's credentials, and the roles log in only through them", async () => {
    const result = await runScript(workflowScript(APPLY_WORKFLOW, 'apply', /database-admin/), behind);
    if (!result.ok) throw new Error(`apply.yml's database-admin step failed:\n${result.output}\n${functionErrors(behind)}`);
    const values = await behind.secretValues();
    for (const [id, arn] of Object.entries(behind.secretArns)) {
      const user = String(behind.stack.resource.aws_secretsmanager_secret[id].name).split('/').pop();
      expect([user, JSON.parse(values[arn] ?? '{}')]).toEqual([user, { username: user, password: expect.stringMatching(/.{16,}/) }]);
    }
    const users = databaseUsers(FUNCTIONS);
    const rows = await behind.sql<[string, boolean]>("SELECT rolname, pg_has_role(oid, 'rds_iam', 'MEMBER') FROM pg_roles WHERE rolname = ANY(CAST(:users AS text[])) ORDER BY rolname", { users });
    expect(rows).toEqual([...users].sort().map((user) => [user, false]));
  }, 120_000);

  test('the post-deploy checks pass, and each database function does its job through the proxy as its own role', async () => {
    const checks = await runScript(workflowScript(APPLY_WORKFLOW, 'apply', /Post-deploy checks/), behind);
    if (!checks.ok) throw new Error(`apply.yml's post-deploy checks failed:\n${checks.output}\n${functionErrors(behind)}`);
    await databaseFunctionsWork(`${proxied.name}-proxy`, behind);
  }, 120_000);
});
