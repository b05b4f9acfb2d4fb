import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../../environments/load';
import { affectedAccounts, changedFiles, selectAccounts } from '../../scripts/affected-accounts';
import { unusedAccountName } from '../helpers/accounts';

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

const realAccounts = loadEnvironments();
const roleArn = (account: (typeof realAccounts)[number], role: string) => `arn:aws:iam::${account.accountId}:role/${role}`;

test.each(realAccounts.map((a) => [a.name, a] as const))('--account %s gives the workload stack with the plan and apply role ARNs derived from account config', (name, account) => {
  expect(selectAccounts(['--account', name], realAccounts)).toEqual([
    {
      account: name,
      stack: name,
      accountId: account.accountId,
      region: account.region,
      planRoleArn: roleArn(account, account.ci.planRoleName),
      applyRoleArn: roleArn(account, account.ci.applyRoleName),
    },
  ]);
});

test('--all lists both stacks of every configured account for the drift check, with the plan role only', () => {
  const targets = selectAccounts(['--all'], realAccounts);
  expect(targets.map((t) => `${t.account}:${t.stack}`)).toEqual(realAccounts.flatMap((a) => [`${a.name}:${a.name}`, `${a.name}:${a.name}-bootstrap`]));
  for (const account of realAccounts) {
    expect(targets.find((t) => t.stack === `${account.name}-bootstrap`)).toEqual({
      account: account.name,
      stack: `${account.name}-bootstrap`,
      accountId: account.accountId,
      region: account.region,
      planRoleArn: roleArn(account, account.ci.planRoleName),
    });
  }
  // The bootstrap stack is applied by an administrator only: no plan target carries an apply role.
  for (const target of targets) expect(target).not.toHaveProperty('applyRoleArn');
});

test('an unknown account is refused with the known ones named', () => {
  const missing = unusedAccountName(realAccounts);
  expect(() => selectAccounts(['--account', missing], realAccounts)).toThrow(`Unknown account '${missing}'; the accounts are: ${realAccounts.map((a) => a.name).join(', ')}`);
});

test('--base/--head plans the workload and bootstrap stacks of the affected accounts only', () => {
  git('checkout', '--quiet', '-b', 'cli', 'main');
  commit({ 'environments/accounts/staging.ts': 'staging v4' }, 'staging change');
  git('checkout', '--quiet', 'main');
  const targets = selectAccounts(['--base', 'main', '--head', 'cli'], loadEnvironments(), repo);
  expect(targets.map((t) => `${t.account}:${t.stack}`)).toEqual(['staging:staging', 'staging:staging-bootstrap']);
  for (const target of targets) expect(target).not.toHaveProperty('applyRoleArn');
});
