import { execFileSync } from 'node:child_process';
import type { AccountConfig } from '../../environments/schema';
import { loadEnvironments } from '../../environments/load';
import { UNIT_DEPENDENCIES, unitStackName, type UnitName, withDependents, type WorkloadUnit } from '../../environments/units';
import { approvalEnvironment } from '../../stacks/github-oidc';
import { enabledUnits } from '../lib/stack-catalog';
import { changedStacks } from './affected-units';

/**
 * Which accounts and units CI plans and applies, for the job matrices (one entry per account; the
 * account's units run inside its job, in dependency order: tools/lib/unit-runner.ts).
 *
 * Accounts a pull request affects, first match wins per changed file:
 * - environments/accounts/<name>.ts        -> that account only
 * - documentation (*.md anywhere, docs/)   -> no account
 * - tests that are never synthesized or packaged (__tests__/, lambda-functions/<fn>/tests/,
 *   lambda-functions/conftest.py, lambda-functions/testing/) -> no account
 * - .github/ outside workflows/ and actions/ (dependabot.yml, CODEOWNERS, templates) -> no account
 * - anything else (constructs/, stacks/, lambda-functions/, environments/ defaults and schema,
 *   build/, tools/, package*.json, main.ts, cdktf.json, .github/workflows/, .github/actions/) -> every
 *   account: shared code reaches every account, and a changed workflow is proven by planning with it.
 *
 * Units of an affected account (tools/ci/affected-units.ts): the units whose synthesized JSON,
 * metadata removed, differs between the base commit and the change, bootstrap included (the OIDC
 * provider and CI roles, reviewed in their plan too). A change to the plan machinery itself (a
 * workflow, a composite action, the provider lock file, the Terraform version) plans every unit.
 * Only the plan role is handed out for bootstrap; applying it stays a manual admin step.
 */

/** One account to plan with its read-only plan roles (pull-request plans, drift check). */
export interface CiPlanTarget {
  /** Account name from environments/accounts/<name>.ts; the matrix key and the comment's label. */
  readonly account: string;
  /** Its units to plan, space-separated, in dependency order (bootstrap first). */
  readonly units: string;
  readonly accountId: string;
  readonly region: string;
  /** Derived from config, so the account files stay the single source of role names. */
  readonly planRoleArn: string;
  /** The write-nothing role pull-request plans assume (trusts pull_request only). */
  readonly prPlanRoleArn: string;
}

/** An account's workload units with both roles, for the jobs that apply them (deploy.yml, apply.yml). */
export interface CiAccount extends CiPlanTarget {
  readonly applyRoleArn: string;
  /** The account's applyEnvironment, whose reviewers approve its applies and rollbacks, or '' (none: rollback.yml runs on main). */
  readonly environment: string;
  /**
   * The environment apply.yml waits in: the applyEnvironment, or `<account>-approval` for an account
   * that auto-applies but has units requiring approval (stacks/github-oidc.ts), or '' (none).
   */
  readonly approvalEnvironment: string;
  /** Units the merge deploy plans but never applies (config.units.<unit>.requireApproval), space-separated. */
  readonly approvalUnits: string;
}

/** An account applied after approval and its GitHub environment (oidc-subjects.yml, check:github). */
export interface CiEnvironment {
  readonly account: string;
  readonly environment: string;
}

/** Every account with an approval environment (its applyEnvironment, or one for its units that need approval). */
export function approvalEnvironments(accounts: readonly AccountConfig[]): CiEnvironment[] {
  return accounts.flatMap((a) => {
    const environment = approvalEnvironment(a);
    return environment ? [{ account: a.name, environment }] : [];
  });
}

type CiConfig = Pick<AccountConfig, 'name' | 'accountId' | 'region' | 'ci' | 'github' | 'units'>;
const roleArn = (config: CiConfig, name: string) => `arn:aws:iam::${config.accountId}:role/${name}`;

/** The account's stacks as units: bootstrap, then its enabled workload units in dependency order. */
export function accountUnits(config: Pick<AccountConfig, 'units'>): UnitName[] {
  return ['bootstrap', ...enabledUnits(config)];
}

/** The given units in the account's dependency order, each once. */
function inOrder(config: Pick<AccountConfig, 'units'>, units: readonly string[]): string {
  return accountUnits(config).filter((unit) => units.includes(unit)).join(' ');
}

export function ciPlanTarget(config: CiConfig, units: readonly string[] = accountUnits(config)): CiPlanTarget {
  return {
    account: config.name,
    units: inOrder(config, units),
    accountId: config.accountId,
    region: config.region,
    planRoleArn: roleArn(config, config.ci.planRoleName),
    prPlanRoleArn: roleArn(config, config.ci.prPlanRoleName),
  };
}

/** The workload units (never bootstrap, which CI does not apply) with the apply role. */
export function ciAccount(config: CiConfig): CiAccount {
  const workload = enabledUnits(config);
  return {
    ...ciPlanTarget(config, workload),
    applyRoleArn: roleArn(config, config.ci.applyRoleName),
    environment: config.github.applyEnvironment ?? '',
    approvalEnvironment: approvalEnvironment(config) ?? '',
    approvalUnits: workload.filter((unit) => config.units[unit].requireApproval).join(' '),
  };
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
 * What a plan matrix entry may name: one account, nothing else. The matrix of a pull request's plan
 * is computed in a job that also runs the pull request's code, so the plan job, which holds
 * credentials, checks each entry against the base branch's own accounts with this before the name
 * reaches a file path, a step output or a role: a newline in it would otherwise add variables
 * (BASH_ENV among them) wherever it is written to $GITHUB_ENV.
 * https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands#setting-an-environment-variable
 */
export const ACCOUNT_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** The plan target of one account of the given accounts (every unit); throws, naming the choices, for anything else. */
export function planTarget(account: string, accounts: readonly AccountConfig[]): CiPlanTarget {
  const known = accounts.map((a) => a.name);
  const shown = JSON.stringify(account.length > 80 ? `${account.slice(0, 80)}...` : account);
  if (!ACCOUNT_NAME.test(account)) {
    throw new Error(`--plan-target ${shown}: not an account name (lower-case letters, digits and '-' only); the accounts are: ${known.join(', ')}`);
  }
  const config = accounts.find((a) => a.name === account);
  if (!config) throw new Error(`--plan-target ${shown}: no account of this branch has that name; the accounts are: ${known.join(', ')}`);
  return ciPlanTarget(config);
}

/**
 * The units of one account whose synthesized JSON differs between two synth outputs (the base
 * commit's, made by reviewed code, and the change's), in dependency order: what a plan of the
 * change must cover. `every` plans them all (a change to the plan machinery itself).
 */
export function changedUnits(config: AccountConfig, baseOutdir: string, headOutdir: string, every = false): string[] {
  const units = accountUnits(config);
  if (every) return units;
  const changed = changedStacks(baseOutdir, headOutdir, units.map((unit) => unitStackName(config.name, unit)));
  return units.filter((unit) => changed.includes(unitStackName(config.name, unit)));
}

/** Changed files that change how every unit is planned although no unit's JSON changes. */
const PLAN_EVERY_UNIT: readonly RegExp[] = [/^\.github\/(workflows|actions)\//, /^\.terraform\.lock\.hcl$/, /^\.terraform-version$/];

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
  tsx tools/ci/affected-accounts.ts --base <rev> --head <rev>   each account changed between base and head, with every: true when
                                                               the plan machinery changed (accounts whose file exists at base:
                                                               a new one has no roles yet)
  tsx tools/ci/affected-accounts.ts --all                       every account with all its units (drift check)
  tsx tools/ci/affected-accounts.ts --plan-target <account> [--every <true|false>] [--base-out <dir> --head-out <dir>]
                                                               that one account, refused unless it is an account of this branch
                                                               (the PR plan job checks each matrix entry with the base branch's
                                                               copy); with both outdirs, only the units whose synthesized JSON
                                                               differs (all of them with --every true)
  tsx tools/ci/affected-accounts.ts --account <name> [--base-out <dir> --head-out <dir>]
                                                               the account's workload units with its roles; with both outdirs,
                                                               those that differ and every unit depending on them
  tsx tools/ci/affected-accounts.ts --deploy-branch <branch>    every account applied on a push to that branch (deploy.yml)
  tsx tools/ci/affected-accounts.ts --approval <name>           an account applied after approval in its environment (apply.yml)
  tsx tools/ci/affected-accounts.ts --all-approvals             {account, environment} of every such account (oidc-subjects.yml)
Prints a JSON array for a job matrix, one entry per account: {account, units, accountId, region, planRoleArn,
prPlanRoleArn}, plus applyRoleArn, environment and approvalUnits for the apply selections (which never
hold bootstrap: CI does not apply it). units is space-separated, in dependency order.`;

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (!value || value.startsWith('--')) throw new Error(`${name} needs a value\n${USAGE}`);
  return value;
}

/** --base-out and --head-out, both or neither. */
function outdirs(args: readonly string[]): { base: string; head: string } | undefined {
  const base = option(args, '--base-out');
  const head = option(args, '--head-out');
  if (Boolean(base) !== Boolean(head)) throw new Error(`--base-out and --head-out go together\n${USAGE}`);
  return base && head ? { base, head } : undefined;
}

export type CiTarget = CiPlanTarget & { readonly every?: boolean };

export function selectAccounts(args: readonly string[], accounts: readonly AccountConfig[], repoDir = process.cwd()): CiTarget[] {
  const names = accounts.map((a) => a.name);
  if (args.includes('--all')) return accounts.map((a) => ciPlanTarget(a));
  const requested = option(args, '--plan-target');
  if (requested !== undefined) {
    const target = planTarget(requested, accounts);
    const every = option(args, '--every') ?? 'false';
    if (every !== 'true' && every !== 'false') throw new Error(`--every ${JSON.stringify(every.slice(0, 20))}: must be true or false`);
    const dirs = outdirs(args);
    if (!dirs) return [{ ...target, every: every === 'true' }];
    const config = accounts.find((a) => a.name === target.account)!;
    return [{ ...ciPlanTarget(config, changedUnits(config, dirs.base, dirs.head, every === 'true')), every: every === 'true' }];
  }
  const account = option(args, '--account');
  if (account) {
    const config = accounts.find((a) => a.name === account);
    if (!config) throw new Error(`Unknown account '${account}'; the accounts are: ${names.join(', ')}`);
    const target = ciAccount(config);
    const dirs = outdirs(args);
    if (!dirs) return [target];
    const workload = enabledUnits(config);
    const changed = changedUnits(config, dirs.base, dirs.head).filter((unit): unit is WorkloadUnit => unit !== 'bootstrap');
    return [{ ...target, units: withDependents(changed, workload, UNIT_DEPENDENCIES).join(' ') }];
  }
  const branch = option(args, '--deploy-branch');
  if (branch) return accounts.filter((a) => a.github.applyBranch === branch).map(ciAccount);
  const approval = option(args, '--approval');
  if (approval) {
    const config = accounts.find((a) => a.name === approval);
    const approvalAccounts = approvalEnvironments(accounts).map((a) => a.account);
    if (!config || !approvalEnvironment(config)) {
      throw new Error(
        `'${approval}' is not an account applied after approval; apply.yml applies ${approvalAccounts.join(', ') || 'no account'} (accounts whose file sets github.applyEnvironment, or that have a unit with requireApproval)`,
      );
    }
    return [ciAccount(config)];
  }
  const base = option(args, '--base');
  const head = option(args, '--head');
  if (base && head) {
    const files = changedFiles(repoDir, base, head);
    const affected = affectedAccounts(files, names);
    const planned = affected.filter((name) => accountFileAt(repoDir, base, name));
    for (const name of affected.filter((n) => !planned.includes(n))) {
      console.error(`::notice::${name} is a new account: it is synthesized and gated but not planned until an administrator applies ${name}-bootstrap (README, Adding an account)`);
    }
    const every = files.some((file) => PLAN_EVERY_UNIT.some((pattern) => pattern.test(file)));
    return accounts.filter((a) => planned.includes(a.name)).map((a) => ({ ...ciPlanTarget(a), every }));
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
