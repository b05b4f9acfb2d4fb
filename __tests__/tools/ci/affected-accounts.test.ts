import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../../../environments/load';
import { accountFileAt, affectedAccounts, approvalEnvironments, changedFiles, selectAccounts } from '../../../tools/ci/affected-accounts';
import { unusedAccountName } from '../../helpers/accounts';
import { accountStacks } from '../../../stacks/app';

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
      'environments/accounts/dev.ts': 'dev',
      'environments/accounts/staging.ts': 'staging',
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

test('--account gives the workload stack with every role ARN derived from account config', () => {
  for (const config of configs) {
    expect(selectAccounts(['--account', config.name], configs)).toEqual([
      {
        account: config.name,
        stack: config.name,
        accountId: config.accountId,
        region: config.region,
        planRoleArn: arn(config.accountId, config.ci.planRoleName),
        prPlanRoleArn: arn(config.accountId, config.ci.prPlanRoleName),
        applyRoleArn: arn(config.accountId, config.ci.applyRoleName),
        environment: config.github.applyEnvironment ?? '',
      },
    ]);
  }
});

test('--all lists both stacks of every configured account for the drift check, with the plan roles only', () => {
  const targets = selectAccounts(['--all'], configs);
  expect(targets.map((t) => `${t.account}:${t.stack}`)).toEqual(configs.flatMap((c) => [`${c.name}:${c.name}`, `${c.name}:${c.name}-bootstrap`]));
  for (const config of configs) {
    expect(targets.find((t) => t.stack === `${config.name}-bootstrap`)).toEqual({
      account: config.name,
      stack: `${config.name}-bootstrap`,
      accountId: config.accountId,
      region: config.region,
      planRoleArn: arn(config.accountId, config.ci.planRoleName),
      prPlanRoleArn: arn(config.accountId, config.ci.prPlanRoleName),
    });
  }
  // The bootstrap stack is applied by an administrator only: no plan target carries an apply role.
  for (const target of targets) expect(target).not.toHaveProperty('applyRoleArn');
});

test('--deploy-branch selects every account whose file sets that apply branch, and only those (deploy.yml)', () => {
  const selected = selectAccounts(['--deploy-branch', 'main'], configs);
  expect(selected.map((t) => t.account)).toEqual(configs.filter((c) => c.github.applyBranch === 'main').map((c) => c.name));
  for (const target of selected) expect(target).toHaveProperty('applyRoleArn');
  expect(selectAccounts(['--deploy-branch', 'no-such-branch'], configs)).toEqual([]);
});

test('--approval selects an account with an approval environment, and refuses one without, naming the ones it applies', () => {
  const approval = configs.filter((c) => c.github.applyEnvironment);
  for (const config of approval) {
    expect(selectAccounts(['--approval', config.name], configs)).toEqual([expect.objectContaining({ account: config.name, environment: config.github.applyEnvironment })]);
  }
  for (const config of configs.filter((c) => !c.github.applyEnvironment)) {
    expect(() => selectAccounts(['--approval', config.name], configs)).toThrow(`'${config.name}' is not an account applied after approval; apply.yml applies ${approval.map((c) => c.name).join(', ')}`);
  }
  expect(approvalEnvironments(configs)).toEqual(approval.map((c) => ({ account: c.name, environment: c.github.applyEnvironment })));
});

test('an unknown account is refused with the known ones named', () => {
  const missing = unusedAccountName(configs);
  expect(() => selectAccounts(['--account', missing], configs)).toThrow(`Unknown account '${missing}'; the accounts are: ${configs.map((a) => a.name).join(', ')}`);
});

test('--base/--head plans the workload and bootstrap stacks of the affected accounts only', () => {
  git('checkout', '--quiet', '-b', 'cli', 'main');
  commit({ 'environments/accounts/staging.ts': 'staging v4' }, 'staging change');
  git('checkout', '--quiet', 'main');
  const targets = selectAccounts(['--base', 'main', '--head', 'cli'], loadEnvironments(), repo);
  expect(targets.map((t) => `${t.account}:${t.stack}`)).toEqual(['staging:staging', 'staging:staging-bootstrap']);
  for (const target of targets) expect(target).not.toHaveProperty('applyRoleArn');
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
    expect(targets.map((t) => t.stack)).toEqual([existing.name, `${existing.name}-bootstrap`]);
    expect(stderr).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`^::notice::${added} is a new account: .* not planned until an administrator applies ${added}-bootstrap`)));
  } finally {
    stderr.mockRestore();
  }
});

describe('--plan-target: the PR plan job checks each matrix entry against the base branch before using it', () => {
  const configs = loadEnvironments();
  const stacks = configs.flatMap((c) => accountStacks(c).map(({ stack }) => stack));

  test('each stack of the accounts resolves to its plan target, roles derived from the account file', () => {
    for (const config of configs) {
      for (const { stack } of accountStacks(config)) {
        expect(selectAccounts(['--plan-target', stack], configs)).toEqual([
          {
            account: config.name,
            stack,
            accountId: config.accountId,
            region: config.region,
            planRoleArn: `arn:aws:iam::${config.accountId}:role/${config.ci.planRoleName}`,
            prPlanRoleArn: `arn:aws:iam::${config.accountId}:role/${config.ci.prPlanRoleName}`,
          },
        ]);
      }
    }
  });

  test('a name carrying a second $GITHUB_ENV line is refused before it reaches any file, output or role', () => {
    // GitHub reads $GITHUB_ENV line by line as NAME=value (and NAME<<DELIMITER blocks), and refuses
    // only NODE_OPTIONS: a newline in a written value adds any other variable, BASH_ENV included.
    // https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands#setting-an-environment-variable
    // https://github.blog/changelog/2023-10-05-github-actions-node_options-is-now-restricted-from-github_env
    const assetScript = path.join(os.tmpdir(), 'synthesized', 'stacks', stacks[0], 'assets', 'x', 'env.sh');
    const injected = `${stacks[0]}\nBASH_ENV=${assetScript}`;
    expect(() => selectAccounts(['--plan-target', injected], configs)).toThrow(/not a stack name \(lower-case letters, digits and '-' only\); the stacks are: /);
    for (const bad of [`${stacks[0]} `, `../${stacks[0]}`, `${stacks[0]}/assets`, 'X', '$(id)']) {
      expect(() => selectAccounts(['--plan-target', bad], configs)).toThrow('not a stack name');
    }
  });

  test('a well-formed name that is no stack of these accounts is refused, naming the stacks', () => {
    const missing = unusedAccountName(configs);
    expect(() => selectAccounts(['--plan-target', missing], configs)).toThrow(`no account of this branch has that stack; the stacks are: ${stacks.join(', ')}`);
  });

  test('the command line refuses with one clear line and exit 1, printing nothing to stdout', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', '..', 'tools', 'ci', 'affected-accounts.ts'), '--plan-target', `${stacks[0]}\nBASH_ENV=x`], {
      encoding: 'utf8',
      cwd: path.join(__dirname, '..', '..', '..'),
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^--plan-target "[^\n]*\\nBASH_ENV=x": not a stack name/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
