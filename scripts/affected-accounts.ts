import { execFileSync } from 'node:child_process';
import type { AccountConfig } from '../environments/schema';
import { loadEnvironments } from '../environments/load';
import { stackNames } from '../stacks/app';

/**
 * Which accounts a change affects, for the plan matrix of pull requests.
 *
 * Rules, first match wins per changed file:
 * - environments/accounts/<name>.ts        -> that account only
 * - documentation (*.md anywhere, docs/)   -> no account
 * - tests that are never synthesized or packaged (__tests__/, lambda-functions/<fn>/tests/,
 *   lambda-functions/conftest.py, lambda-functions/testing/) -> no account
 * - .github/ outside workflows/ and actions/ (dependabot.yml, CODEOWNERS, templates) -> no account
 * - anything else (constructs/, stacks/, lambda-functions/, environments/ defaults and schema,
 *   scripts/, package*.json, main.ts, cdktf.json, .github/workflows/, .github/actions/) -> every
 *   account: shared code reaches every account, and a changed workflow is proven by planning with it.
 */

export interface CiAccount {
  /** Account name from environments/accounts/<name>.ts; also the matrix key. */
  readonly account: string;
  /** The stack CI plans and applies for this account (the bootstrap stack is admin-applied). */
  readonly stack: string;
  readonly accountId: string;
  readonly region: string;
  /** Derived from config, so the account files stay the single source of role names. */
  readonly planRoleArn: string;
  readonly applyRoleArn: string;
}

export function ciAccount(config: Pick<AccountConfig, 'name' | 'accountId' | 'region' | 'ci'>): CiAccount {
  const role = (name: string) => `arn:aws:iam::${config.accountId}:role/${name}`;
  return {
    account: config.name,
    stack: stackNames(config).main,
    accountId: config.accountId,
    region: config.region,
    planRoleArn: role(config.ci.planRoleName),
    applyRoleArn: role(config.ci.applyRoleName),
  };
}

const ACCOUNT_FILE = /^environments\/accounts\/([^/]+)\.ts$/;
const NO_ACCOUNT: readonly RegExp[] = [
  /\.md$/i,
  /^docs\//,
  /^__tests__\//,
  /^lambda-functions\/[^/]+\/tests\//,
  /^lambda-functions\/conftest\.py$/,
  /^lambda-functions\/testing\//,
  /^\.github\/(?!workflows\/|actions\/)/,
];

/** The accounts (sorted names) affected by a set of changed repository-relative paths. */
export function affectedAccounts(changedFiles: readonly string[], accountNames: readonly string[]): string[] {
  const affected = new Set<string>();
  for (const file of changedFiles) {
    const accountFile = ACCOUNT_FILE.exec(file);
    if (accountFile) {
      // A deleted or renamed-away account file names no current account: nothing of it is left to plan.
      if (accountNames.includes(accountFile[1])) affected.add(accountFile[1]);
      continue;
    }
    if (NO_ACCOUNT.some((pattern) => pattern.test(file))) continue;
    return [...accountNames].sort();
  }
  return [...affected].sort();
}

/** Files changed between the merge base of base and head, and head (what a pull request shows). */
export function changedFiles(repoDir: string, base: string, head: string): string[] {
  const output = execFileSync('git', ['diff', '--name-only', '--no-renames', '-z', `${base}...${head}`], {
    cwd: repoDir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return output.split('\0').filter(Boolean);
}

const USAGE = `Usage:
  tsx scripts/affected-accounts.ts --base <rev> --head <rev>   accounts changed between base and head
  tsx scripts/affected-accounts.ts --all                       every account (drift check)
  tsx scripts/affected-accounts.ts --account <name>            one account (deploy, staging apply)
Prints a JSON array of {account, stack, accountId, region, planRoleArn, applyRoleArn} for a job matrix.`;

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (!value || value.startsWith('--')) throw new Error(`${name} needs a value\n${USAGE}`);
  return value;
}

export function selectAccounts(args: readonly string[], accounts: readonly AccountConfig[], repoDir = process.cwd()): CiAccount[] {
  const names = accounts.map((a) => a.name);
  const byName = (selected: readonly string[]) => accounts.filter((a) => selected.includes(a.name)).map(ciAccount);
  if (args.includes('--all')) return accounts.map(ciAccount);
  const account = option(args, '--account');
  if (account) {
    if (!names.includes(account)) throw new Error(`Unknown account '${account}'; the accounts are: ${names.join(', ')}`);
    return byName([account]);
  }
  const base = option(args, '--base');
  const head = option(args, '--head');
  if (base && head) return byName(affectedAccounts(changedFiles(repoDir, base, head), names));
  throw new Error(USAGE);
}

if (require.main === module) {
  try {
    console.log(JSON.stringify(selectAccounts(process.argv.slice(2), loadEnvironments())));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
