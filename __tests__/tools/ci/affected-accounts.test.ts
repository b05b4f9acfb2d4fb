import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../../../environments/load';
import { accountFileAt, affectedAccounts, approvalEnvironments, changedFiles, changedUnits, selectAccounts } from '../../../tools/ci/affected-accounts';
import { accountUnitTargets } from '../../../tools/lib/stack-catalog';
import { approvalEnvironment } from '../../../stacks/github-oidc';
import { UNIT_DEPENDENCIES, unitStackName, withDependents, type WorkloadUnit } from '../../../environments/units';
import { withoutMetadata } from '../../../tools/ci/affected-units';
import { unusedAccountName } from '../../helpers/accounts';

const ACCOUNTS = ['dev', 'staging'];
let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    },
  }).trim();
}

function commit(files: Record<string, string>, message: string): string {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), content);
  }
  git('add', '--all');
  git('commit', '--quiet', '-m', message);
  return git('rev-parse', 'HEAD');
}

/** A branch off main with the given changes; returns the accounts it affects. */
function branchAffects(name: string, files: Record<string, string>): string[] {
  git('checkout', '--quiet', '-b', name, 'main');
  commit(files, name);
  git('checkout', '--quiet', 'main');
  return affectedAccounts(changedFiles(repo, 'main', name), ACCOUNTS);
}

beforeAll(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'affected-accounts-'));
  git('init', '--quiet', '--initial-branch=main');
  commit(
    {
      // Every real account's file (a scaffolded account included), so "every account" means them all.
      ...Object.fromEntries(configs.map((config) => [`environments/accounts/${config.name}.ts`, config.name])),
      'environments/defaults.ts': 'defaults',
      'constructs/network.ts': 'network',
      'README.md': 'readme',
      'docs/runbook.txt': 'runbook',
      '.github/workflows/plan.yml': 'plan',
      '.github/dependabot.yml': 'dependabot',
      'lambda-functions/sync-clock/handler.py': 'handler',
      'lambda-functions/sync-clock/tests/test_handler.py': 'test',
    },
    'initial',
  );
});

afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

test('a change to one account file affects only that account', () => {
  expect(branchAffects('staging-only', { 'environments/accounts/staging.ts': 'staging v2' })).toEqual(['staging']);
});

test('documentation-only changes affect no account', () => {
  expect(branchAffects('docs-only', { 'README.md': 'readme v2', 'docs/runbook.txt': 'runbook v2', 'docs/adr/0001.md': 'adr' })).toEqual([]);
});

test('shared environment defaults affect every account', () => {
  expect(branchAffects('defaults', { 'environments/defaults.ts': 'defaults v2' })).toEqual(['dev', 'staging']);
});

test('a shared construct change affects every account even alongside an account file', () => {
  expect(branchAffects('mixed', { 'environments/accounts/dev.ts': 'dev v2', 'constructs/network.ts': 'network v2' })).toEqual([
    'dev',
    'staging',
  ]);
});

test('function code affects every account but its tests affect none', () => {
  expect(branchAffects('handler', { 'lambda-functions/sync-clock/handler.py': 'handler v2' })).toEqual(['dev', 'staging']);
  expect(branchAffects('handler-test', { 'lambda-functions/sync-clock/tests/test_handler.py': 'test v2' })).toEqual([]);
});

test('workflow changes affect every account; other .github files affect none', () => {
  expect(branchAffects('workflow', { '.github/workflows/plan.yml': 'plan v2' })).toEqual(['dev', 'staging']);
  expect(branchAffects('dependabot', { '.github/dependabot.yml': 'dependabot v2' })).toEqual([]);
});

test('a new account file affects only the new account once it is configured', () => {
  git('checkout', '--quiet', '-b', 'new-account', 'main');
  commit({ 'environments/accounts/qa.ts': 'qa' }, 'qa');
  git('checkout', '--quiet', 'main');
  expect(affectedAccounts(changedFiles(repo, 'main', 'new-account'), [...ACCOUNTS, 'qa'])).toEqual(['qa']);
});

test('changes merged to main after the branch point do not count against the pull request', () => {
  git('checkout', '--quiet', '-b', 'late-base', 'main');
  commit({ 'environments/accounts/dev.ts': 'dev v3' }, 'dev change on the branch');
  git('checkout', '--quiet', 'main');
  commit({ 'constructs/network.ts': 'network v3' }, 'shared change on main meanwhile');
  expect(affectedAccounts(changedFiles(repo, 'main', 'late-base'), ACCOUNTS)).toEqual(['dev']);
});

const configs = loadEnvironments();
const arn = (accountId: string, name: string) => `arn:aws:iam::${accountId}:role/${name}`;

const unitsOf = (config: (typeof configs)[number]) => accountUnitTargets(config).map((t) => t.unit);
const workloadOf = (config: (typeof configs)[number]) => unitsOf(config).filter((u) => u !== 'bootstrap');

test('--account gives the workload units (never bootstrap) with every role ARN and the approval policy derived from the account file', () => {
  for (const config of configs) {
    expect(selectAccounts(['--account', config.name], configs)).toEqual([
      {
        account: config.name,
        units: workloadOf(config).join(' '),
        accountId: config.accountId,
        region: config.region,
        planRoleArn: arn(config.accountId, config.ci.planRoleName),
        prPlanRoleArn: arn(config.accountId, config.ci.prPlanRoleName),
        applyRoleArn: arn(config.accountId, config.ci.applyRoleName),
        environment: config.github.applyEnvironment ?? '',
        approvalEnvironment: approvalEnvironment(config) ?? '',
        approvalUnits: workloadOf(config).filter((u) => config.units[u as WorkloadUnit].requireApproval).join(' '),
      },
    ]);
  }
});

test('--all lists every account with all its units, bootstrap first, for the drift check, with the plan roles only', () => {
  const targets = selectAccounts(['--all'], configs);
  expect(targets.map((t) => `${t.account}:${t.units}`)).toEqual(configs.map((c) => `${c.name}:${unitsOf(c).join(' ')}`));
  for (const config of configs) expect(unitsOf(config)[0]).toBe('bootstrap');
  // The bootstrap stack is applied by an administrator only: no plan target carries an apply role.
  for (const target of targets) expect(target).not.toHaveProperty('applyRoleArn');
});

test('--deploy-branch selects every account whose file sets that apply branch, and only those (deploy.yml)', () => {
  const selected = selectAccounts(['--deploy-branch', 'main'], configs);
  expect(selected.map((t) => t.account)).toEqual(configs.filter((c) => c.github.applyBranch === 'main').map((c) => c.name));
  for (const target of selected) expect(target).toHaveProperty('applyRoleArn');
  expect(selectAccounts(['--deploy-branch', 'no-such-branch'], configs)).toEqual([]);
});

test('--approval selects an account with an approval environment (its own, or <account>-approval for units that require approval) and refuses one without', () => {
  for (const config of configs) {
    expect(selectAccounts(['--approval', config.name], configs)).toEqual([expect.objectContaining({ account: config.name, approvalEnvironment: approvalEnvironment(config) })]);
  }
  // An account that auto-applies and has no unit requiring approval has nothing to approve.
  const noApproval = { ...configs[0], name: unusedAccountName(configs), github: { ...configs[0].github, applyEnvironment: undefined, applyBranch: 'main' as const }, units: Object.fromEntries(Object.entries(configs[0].units).map(([u, p]) => [u, { ...p, requireApproval: false }])) as (typeof configs)[number]['units'] };
  expect(() => selectAccounts(['--approval', noApproval.name], [...configs, noApproval])).toThrow(`'${noApproval.name}' is not an account applied after approval; apply.yml applies ${configs.map((c) => c.name).join(', ')}`);
  expect(approvalEnvironments(configs)).toEqual(configs.map((c) => ({ account: c.name, environment: approvalEnvironment(c) })));
});

test('an account whose merges auto-apply gets <account>-approval for the units that require approval (data by default)', () => {
  for (const config of configs.filter((c) => c.github.applyBranch && !c.github.applyEnvironment)) {
    expect(config.units.data.requireApproval).toBe(true);
    expect(approvalEnvironment(config)).toBe(`${config.name}-approval`);
  }
});

test('an unknown account is refused with the known ones named', () => {
  const missing = unusedAccountName(configs);
  expect(() => selectAccounts(['--account', missing], configs)).toThrow(`Unknown account '${missing}'; the accounts are: ${configs.map((a) => a.name).join(', ')}`);
});

test('--base/--head selects the affected accounts only, one entry each, and says when the plan machinery changed', () => {
  git('checkout', '--quiet', '-b', 'cli', 'main');
  commit({ 'environments/accounts/staging.ts': 'staging v4' }, 'staging change');
  git('checkout', '--quiet', 'main');
  const targets = selectAccounts(['--base', 'main', '--head', 'cli'], loadEnvironments(), repo);
  expect(targets.map((t) => [t.account, t.every])).toEqual([['staging', false]]);
  for (const target of targets) expect(target).not.toHaveProperty('applyRoleArn');
  git('checkout', '--quiet', '-b', 'cli-workflow', 'main');
  commit({ '.github/workflows/plan.yml': 'plan v9' }, 'workflow change');
  git('checkout', '--quiet', 'main');
  expect(selectAccounts(['--base', 'main', '--head', 'cli-workflow'], loadEnvironments(), repo).map((t) => [t.account, t.every])).toEqual(configs.map((c) => [c.name, true]));
});

test('a pull request that adds an account file does not plan it: the account has no roles until its bootstrap is applied', () => {
  const added = unusedAccountName(configs, 'new-account');
  const [existing] = configs;
  // The existing account's file is on main (whatever the temp repository was created with).
  commit({ [`environments/accounts/${existing.name}.ts`]: `${existing.name} on main` }, 'existing account');
  git('checkout', '--quiet', '-b', 'adds-account', 'main');
  commit({ [`environments/accounts/${added}.ts`]: added, [`environments/accounts/${existing.name}.ts`]: `${existing.name} v5` }, 'new account and a change');
  git('checkout', '--quiet', 'main');
  expect(accountFileAt(repo, 'main', added)).toBe(false);
  expect(accountFileAt(repo, 'adds-account', added)).toBe(true);
  const withNew = [...configs, { ...existing, name: added }];
  const stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const targets = selectAccounts(['--base', 'main', '--head', 'adds-account'], withNew, repo);
    expect(targets.map((t) => t.account)).toEqual([existing.name]);
    expect(stderr).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`^::notice::${added} is a new account: .* not planned until an administrator applies ${added}-bootstrap`)));
  } finally {
    stderr.mockRestore();
  }
});

/**
 * Only what a change touches (issue 23): the units of an account whose synthesized JSON, cdktf's
 * metadata removed, differs between two synth outputs. The outputs here are written by the test as
 * the app writes them (stacks/<stack>/cdk.tf.json); what is compared is the code under test's.
 */
describe('changed units: synthesized JSON of base and head, metadata removed', () => {
  const [config] = configs;
  const stack = (unit: string) => unitStackName(config.name, unit as WorkloadUnit);
  let base: string;
  let head: string;
  const write = (outdir: string, unit: string, json: object) => {
    fs.mkdirSync(path.join(outdir, 'stacks', stack(unit)), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'stacks', stack(unit), 'cdk.tf.json'), JSON.stringify(json));
  };
  const unitJson = (unit: string, extra: object = {}) => ({
    '//': { metadata: { stackName: stack(unit), version: '0.21.0' } },
    resource: { aws_sqs_queue: { Queue: { '//': { metadata: { path: `${stack(unit)}/Queue`, uniqueId: 'Queue' } }, name: unit, ...extra } } },
  });
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'units-base-'));
    head = fs.mkdtempSync(path.join(os.tmpdir(), 'units-head-'));
    for (const unit of unitsOf(config)) {
      write(base, unit, unitJson(unit));
      write(head, unit, unitJson(unit));
    }
  });
  afterEach(() => {
    fs.rmSync(base, { recursive: true, force: true });
    fs.rmSync(head, { recursive: true, force: true });
  });

  test('identical stacks touch no unit; metadata (cdktf version, paths, key order) does not count', () => {
    expect(changedUnits(config, base, head)).toEqual([]);
    write(head, 'app', { resource: { aws_sqs_queue: { Queue: { name: 'app', '//': { metadata: { path: 'elsewhere' } } } } }, '//': { metadata: { version: '9.9.9' } } });
    expect(changedUnits(config, base, head)).toEqual([]);
    expect(withoutMetadata({ b: 1, '//': { x: 1 }, a: [{ '//': 2, c: 3 }] })).toEqual({ a: [{ c: 3 }], b: 1 });
  });

  test('a change to one unit (a function zip named by its hash) plans that unit only; --every plans all', () => {
    write(head, 'app', unitJson('app', { source: 'assets/Fn/new-hash/fn.zip' }));
    expect(changedUnits(config, base, head)).toEqual(['app']);
    expect(selectAccounts(['--plan-target', config.name, '--base-out', base, '--head-out', head], configs)).toEqual([expect.objectContaining({ account: config.name, units: 'app' })]);
    expect(selectAccounts(['--plan-target', config.name, '--every', 'true', '--base-out', base, '--head-out', head], configs)[0].units).toBe(unitsOf(config).join(' '));
  });

  test('the apply adds every unit depending on a changed one, in dependency order, and never bootstrap', () => {
    write(head, 'network', unitJson('network', { delay_seconds: 5 }));
    write(head, 'bootstrap', unitJson('bootstrap', { delay_seconds: 5 }));
    const [target] = selectAccounts(['--account', config.name, '--base-out', base, '--head-out', head], configs);
    const workload = workloadOf(config) as WorkloadUnit[];
    expect(target.units).toBe(withDependents(['network'], workload, UNIT_DEPENDENCIES).join(' '));
    // network's dependents came along; foundation (network depends on it, not the reverse) and bootstrap did not.
    expect(target.units.split(' ')).toEqual(expect.arrayContaining(workload.filter((u) => UNIT_DEPENDENCIES[u].includes('network'))));
    expect(target.units.split(' ')).not.toEqual(expect.arrayContaining(['foundation']));
    expect(target.units.split(' ')).not.toEqual(expect.arrayContaining(['bootstrap']));
  });

  test("a unit missing from the change's output counts as changed, so its plan fails the gate instead of being skipped", () => {
    fs.rmSync(path.join(head, 'stacks', stack('data')), { recursive: true });
    expect(changedUnits(config, base, head)).toEqual(['data']);
  });

  test('--base-out and --head-out go together, and --every takes true or false only', () => {
    expect(() => selectAccounts(['--plan-target', config.name, '--base-out', base], configs)).toThrow('--base-out and --head-out go together');
    expect(() => selectAccounts(['--plan-target', config.name, '--every', 'yes\nBASH_ENV=x'], configs)).toThrow('--every "yes\\nBASH_ENV=x": must be true or false');
  });
});

describe('--plan-target: the PR plan job checks each matrix entry against the base branch before using it', () => {
  const configs = loadEnvironments();
  const names = configs.map((c) => c.name);

  test('each account resolves to its plan target with all its units, roles derived from the account file', () => {
    for (const config of configs) {
      expect(selectAccounts(['--plan-target', config.name], configs)).toEqual([
        {
          account: config.name,
          units: unitsOf(config).join(' '),
          accountId: config.accountId,
          region: config.region,
          planRoleArn: `arn:aws:iam::${config.accountId}:role/${config.ci.planRoleName}`,
          prPlanRoleArn: `arn:aws:iam::${config.accountId}:role/${config.ci.prPlanRoleName}`,
          every: false,
        },
      ]);
    }
  });

  test('a name carrying a second $GITHUB_ENV line is refused before it reaches any file, output or role', () => {
    // GitHub reads $GITHUB_ENV line by line as NAME=value (and NAME<<DELIMITER blocks), and refuses
    // only NODE_OPTIONS: a newline in a written value adds any other variable, BASH_ENV included.
    // https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands#setting-an-environment-variable
    // https://github.blog/changelog/2023-10-05-github-actions-node_options-is-now-restricted-from-github_env
    const assetScript = path.join(os.tmpdir(), 'synthesized', 'stacks', `${names[0]}-app`, 'assets', 'x', 'env.sh');
    const injected = `${names[0]}\nBASH_ENV=${assetScript}`;
    expect(() => selectAccounts(['--plan-target', injected], configs)).toThrow(/not an account name \(lower-case letters, digits and '-' only\); the accounts are: /);
    for (const bad of [`${names[0]} `, `../${names[0]}`, `${names[0]}/assets`, 'X', '$(id)']) {
      expect(() => selectAccounts(['--plan-target', bad], configs)).toThrow('not an account name');
    }
  });

  test('a well-formed name that is no account of this branch is refused, naming the accounts', () => {
    const missing = unusedAccountName(configs);
    expect(() => selectAccounts(['--plan-target', missing], configs)).toThrow(`no account of this branch has that name; the accounts are: ${names.join(', ')}`);
  });

  test('the command line refuses with one clear line and exit 1, printing nothing to stdout', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', '..', 'tools', 'ci', 'affected-accounts.ts'), '--plan-target', `${names[0]}\nBASH_ENV=x`], {
      encoding: 'utf8',
      cwd: path.join(__dirname, '..', '..', '..'),
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^--plan-target "[^\n]*\\nBASH_ENV=x": not an account name/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
