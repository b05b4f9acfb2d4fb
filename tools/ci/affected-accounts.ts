import { execFileSync } from 'node:child_process';
import type { AccountConfig } from '../../environments/schema';
import { loadEnvironments } from '../../environments/load';
import { accountStacks } from '../../stacks/app';

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
 *   build/, tools/, package*.json, main.ts, cdktf.json, .github/workflows/, .github/actions/) -> every
 *   account: shared code reaches every account, and a changed workflow is proven by planning with it.
 *
 * An affected account is planned as both of its stacks: `<account>` and `<account>-bootstrap` (the
 * OIDC provider and CI roles), so a change to the CI identity is reviewed in its plan too. Only the
 * plan role is handed out for them; applying the bootstrap stack stays a manual admin step.
 */

/** One stack to plan with its account's read-only plan role (pull-request plans, drift check). */
export interface CiPlanTarget {
  /** Account name from environments/accounts/<name>.ts. */
  readonly account: string;
  /** `<account>` (the workload) or `<account>-bootstrap` (CI identity); the matrix key. */
  readonly stack: string;
  readonly accountId: string;
  readonly region: string;
  /** Derived from config, so the account files stay the single source of role names. */
  readonly planRoleArn: string;
  /** The write-nothing role pull-request plans assume (trusts pull_request only). */
  readonly prPlanRoleArn: string;
}

/** The account's workload stack with both roles, for the jobs that apply it (deploy.yml, apply.yml). */
export interface CiAccount extends CiPlanTarget {
  readonly applyRoleArn: string;
  /** The GitHub environment whose reviewers approve its applies (apply.yml), or '' (deploy.yml). */
  readonly environment: string;
}

/** An account applied after approval and its GitHub environment (oidc-subjects.yml). */
export interface CiEnvironment {
  readonly account: string;
  readonly environment: string;
}

/** Every account applied after approval, with its environment. */
export function approvalEnvironments(accounts: readonly AccountConfig[]): CiEnvironment[] {
  return accounts.flatMap((a) => (a.github.applyEnvironment ? [{ account: a.name, environment: a.github.applyEnvironment }] : []));
}

type CiConfig = Pick<AccountConfig, 'name' | 'accountId' | 'region' | 'ci' | 'github' | 'units'>;
const roleArn = (config: CiConfig, name: string) => `arn:aws:iam::${config.accountId}:role/${name}`;

export function ciAccount(config: CiConfig): CiAccount {
  return {
    account: config.name,
    // The account's workload units in dependency order (one plan/apply per unit: helper units-ci).
    stack: accountStacks(config).filter(({ unit }) => unit !== 'bootstrap').map(({ stack }) => stack).join(' '),
    accountId: config.accountId,
    region: config.region,
    planRoleArn: roleArn(config, config.ci.planRoleName),
    prPlanRoleArn: roleArn(config, config.ci.prPlanRoleName),
    applyRoleArn: roleArn(config, config.ci.applyRoleName),
    environment: config.github.applyEnvironment ?? '',
  };
}

/** Every stack of an account, workload units first, each with the plan role only. */
export function ciPlanTargets(config: CiConfig): CiPlanTarget[] {
  const [bootstrap, ...units] = accountStacks(config).map(({ stack }) => stack);
  return [...units, bootstrap].map((stack) => ({
    account: config.name,
    stack,
    accountId: config.accountId,
    region: config.region,
    planRoleArn: roleArn(config, config.ci.planRoleName),
    prPlanRoleArn: roleArn(config, config.ci.prPlanRoleName),
  }));
}

// The loader refuses a file whose name differs from its `name` field, so the file names the account.
const ACCOUNT_FILE = /^environments\/accounts\/([^/]+)\.(ts|js)$/;
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

/** Whether an account's file exists at a commit (a pull request's new account has no roles yet to plan with). */
export function accountFileAt(repoDir: string, commit: string, account: string): boolean {
  const tree = execFileSync('git', ['ls-tree', '--name-only', commit, 'environments/accounts/'], { cwd: repoDir, encoding: 'utf8' });
  return tree.split('\n').some((file) => file === `environments/accounts/${account}.ts` || file === `environments/accounts/${account}.js`);
}

/**
 * What a plan matrix entry may name: one stack of one account, nothing else. The matrix of a pull
 * request's plan is computed in a job that also runs the pull request's code, so the plan job,
 * which holds credentials, checks each entry against the base branch's own accounts with this
 * before the name reaches a file path, a step output or a role: a newline in it would otherwise
 * add variables (BASH_ENV among them) wherever it is written to $GITHUB_ENV.
 * https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands#setting-an-environment-variable
 */
export const STACK_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** The plan target of one stack of the given accounts; throws, naming the choices, for anything else. */
export function planTarget(stack: string, accounts: readonly AccountConfig[]): CiPlanTarget {
  const targets = accounts.flatMap(ciPlanTargets);
  const known = targets.map((t) => t.stack);
  const shown = JSON.stringify(stack.length > 80 ? `${stack.slice(0, 80)}...` : stack);
  if (!STACK_NAME.test(stack)) {
    throw new Error(`--plan-target ${shown}: not a stack name (lower-case letters, digits and '-' only); the stacks are: ${known.join(', ')}`);
  }
  const target = targets.find((t) => t.stack === stack);
  if (!target) throw new Error(`--plan-target ${shown}: no account of this branch has that stack; the stacks are: ${known.join(', ')}`);
  return target;
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
  tsx tools/ci/affected-accounts.ts --base <rev> --head <rev>   both stacks of each account changed between base and head
                                                               (accounts whose file exists at base: a new one has no roles yet)
  tsx tools/ci/affected-accounts.ts --all                       both stacks of every account (drift check)
  tsx tools/ci/affected-accounts.ts --plan-target <stack>       that one stack, refused unless it is a stack of these accounts
                                                               (the PR plan job checks each matrix entry with the base branch's copy)
  tsx tools/ci/affected-accounts.ts --account <name>            the account's workload stack with its roles
  tsx tools/ci/affected-accounts.ts --deploy-branch <branch>    every account applied on a push to that branch (deploy.yml)
  tsx tools/ci/affected-accounts.ts --approval <name>           an account applied after approval in its environment (apply.yml)
  tsx tools/ci/affected-accounts.ts --all-approvals             {account, environment} of every such account (oidc-subjects.yml)
Prints a JSON array for a job matrix: {account, stack, accountId, region, planRoleArn, prPlanRoleArn}
per stack to plan, plus applyRoleArn and environment for the apply selections (the bootstrap stack
is never applied by CI).`;

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (!value || value.startsWith('--')) throw new Error(`${name} needs a value\n${USAGE}`);
  return value;
}

export function selectAccounts(args: readonly string[], accounts: readonly AccountConfig[], repoDir = process.cwd()): CiPlanTarget[] {
  const names = accounts.map((a) => a.name);
  const planTargets = (selected: readonly string[]) => accounts.filter((a) => selected.includes(a.name)).flatMap(ciPlanTargets);
  if (args.includes('--all')) return planTargets(names);
  const stack = option(args, '--plan-target');
  if (stack !== undefined) return [planTarget(stack, accounts)];
  const account = option(args, '--account');
  if (account) {
    if (!names.includes(account)) throw new Error(`Unknown account '${account}'; the accounts are: ${names.join(', ')}`);
    return accounts.filter((a) => a.name === account).map(ciAccount);
  }
  const branch = option(args, '--deploy-branch');
  if (branch) return accounts.filter((a) => a.github.applyBranch === branch).map(ciAccount);
  const approval = option(args, '--approval');
  if (approval) {
    const config = accounts.find((a) => a.name === approval);
    const approvalAccounts = accounts.filter((a) => a.github.applyEnvironment).map((a) => a.name);
    if (!config || !config.github.applyEnvironment) {
      throw new Error(
        `'${approval}' is not an account applied after approval; apply.yml applies ${approvalAccounts.join(', ') || 'no account'} (accounts whose file sets github.applyEnvironment)`,
      );
    }
    return [ciAccount(config)];
  }
  const base = option(args, '--base');
  const head = option(args, '--head');
  if (base && head) {
    const affected = affectedAccounts(changedFiles(repoDir, base, head), names);
    const planned = affected.filter((name) => accountFileAt(repoDir, base, name));
    for (const name of affected.filter((n) => !planned.includes(n))) {
      console.error(`::notice::${name} is a new account: it is synthesized and gated but not planned until an administrator applies ${name}-bootstrap (README, Adding an account)`);
    }
    return planTargets(planned);
  }
  throw new Error(USAGE);
}

if (require.main === module) {
  try {
    const args = process.argv.slice(2);
    const accounts = loadEnvironments();
    console.log(JSON.stringify(args.includes('--all-approvals') ? approvalEnvironments(accounts) : selectAccounts(args, accounts)));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
