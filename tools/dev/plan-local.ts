import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir, terraformEnv } from '../lib/terraform-env';
import { findProviderMirror, noMirrorHint } from '../lib/provider-mirror';
import { accountUnitTargets, resolveStackTargets, type UnitTarget } from '../lib/stack-catalog';
import { OVERRIDE_FILE, type StandIns, startStandIns, writeStandInOverrides } from '../local-aws/stand-ins';
import { type RunUnit, runUnits, terraformIn, type UnitResult, unitsConcurrency } from '../lib/unit-runner';
import { answerHelp } from '../../build/cli-help';
import type { AccountConfig } from '../../environments/schema';
import { loadEnvironments } from '../../environments/load';

/**
 * `npm run plan:local [-- <stack or account>...]`: plans stacks with no AWS at all. It synthesizes
 * into its own output folder (so ./cdktf.out never carries the stand-in overrides), starts an STS
 * responder and an S3 server on 127.0.0.1 per account, writes *_override.tf.json files pointing
 * the provider, the backend and every remote state a unit reads at them, and runs `terraform init`
 * and `terraform plan` as CI does, unit by unit in dependency order (tools/lib/unit-runner.ts).
 * Nothing is applied offline, so only units whose dependencies hold their outputs are planned: the
 * dependency-free units (and bootstrap); every other unit is reported as waiting, with the reason,
 * and its configuration is checked with `terraform validate` (which reads no state).
 * An account name stands for all of its stacks.
 *
 * Environment:
 *   TF_PROVIDER_MIRROR    filesystem mirror holding hashicorp/aws (unset: searched for as npm test
 *                         does, tools/lib/provider-mirror.ts; none found: the registry, with a hint)
 *   SIMULATED_ACCOUNT_ID  make STS answer as this account (simulates foreign credentials)
 *   PLAN_LOCAL_OUTDIR     output folder (default: .cache/plan-local)
 *   UNITS_CONCURRENCY     units of an account planned at once, in dependency order (default: 2)
 */

const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface PlanResult {
  readonly stack: string;
  readonly ok: boolean;
  /** Why the stack was not planned: a unit it depends on has changes to apply first (tools/lib/unit-runner.ts). */
  readonly waiting?: string;
  /** A waiting stack's configuration passed `terraform validate` (no state needed). */
  readonly validated?: boolean;
  /** Counts from `terraform show -json` of the saved plan (cdktf's console output interleaves lines). */
  readonly add: number;
  readonly change: number;
  readonly replace: number;
  readonly destroy: number;
  /** Planned creations by resource type. */
  readonly addsByType: Readonly<Record<string, number>>;
  /** Resources in the synthesized stack by type. */
  readonly resourcesByType: Readonly<Record<string, number>>;
  /** The first error line Terraform printed, when the plan failed. */
  readonly error?: string;
  readonly output: string;
}

export interface PlanLocalOptions {
  readonly outdir?: string;
  /** Answer STS as this account instead of the stack's own. */
  readonly simulatedAccountId?: string;
  /** Skip synthesis (the outdir already holds the stacks). */
  readonly skipSynth?: boolean;
  /** Units of an account planned at once, in dependency order. Default: UNITS_CONCURRENCY or 2. */
  readonly concurrency?: number;
  /** Told each step as it starts and ends (synth, each stack), so a long run shows where it is. Default: none. */
  readonly progress?: (message: string) => void;
  /** The provider lock file put beside each stack. Default: the repository's committed .terraform.lock.hcl. */
  readonly lockFile?: string;
}

/** The committed provider lock file: CI plans and applies with it, read-only, and so does plan:local. */
export const COMMITTED_LOCK_FILE = path.join(REPO_ROOT, '.terraform.lock.hcl');

/**
 * TF_PROVIDER_MIRROR as npm test sets it: the variable when set, else the first mirror on this
 * machine holding the pinned provider for this platform (never one under the temp folder), else
 * none, with the hint how to point at one.
 */
export function providerMirror(env: NodeJS.ProcessEnv = process.env, say: (message: string) => void = () => undefined): string | undefined {
  if (env.TF_PROVIDER_MIRROR) return env.TF_PROVIDER_MIRROR;
  // Where the registry is reachable (GitHub runners) the search is switched off, as in tools/dev/test.sh.
  if (env.TF_PROVIDER_MIRROR_SEARCH === 'off') return undefined;
  const found = findProviderMirror();
  if (!found) say(noMirrorHint());
  return found;
}

export function synthesize(outdir: string): void {
  fs.mkdirSync(outdir, { recursive: true });
  // As cdktf.json runs the app: node with tsx's loader (the tsx CLI would add a second node process).
  execFileSync(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export function resourcesByType(stackDir: string): Record<string, number> {
  const stack = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
  return Object.fromEntries(
    Object.entries((stack.resource ?? {}) as Record<string, object>)
      .map(([type, resources]) => [type, Object.keys(resources).length] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** Each unit's folder gets the stand-in overrides and the committed lock file, as CI puts it beside the stack. */
function prepareUnit(stackDir: string, standIns: StandIns, lockFile: string): void {
  // The stand-ins listen on new ports each run; forget the previous run's backend settings
  // (this outdir is plan:local's own) so `terraform init` does not ask for a state migration.
  fs.rmSync(path.join(stackDir, '.terraform', 'terraform.tfstate'), { force: true });
  for (const file of ['plan', 'plan.json', 'plan.txt']) fs.rmSync(path.join(stackDir, file), { force: true });
  writeStandInOverrides(stackDir, standIns);
  // As CI: the committed hashes, which init may not change (a provider of another hash is refused).
  fs.copyFileSync(lockFile, path.join(stackDir, '.terraform.lock.hcl'));
}

function toPlanResult(unit: UnitResult, stackDir: string): PlanResult {
  const addsByType: Record<string, number> = {};
  for (const change of unit.summary?.changes ?? []) {
    if (change.kind !== 'add') continue;
    const type = change.address.split('.')[0];
    addsByType[type] = (addsByType[type] ?? 0) + 1;
  }
  const planned = unit.status !== 'failed' && unit.status !== 'waiting';
  return {
    stack: unit.stack,
    ok: unit.status !== 'failed',
    waiting: unit.status === 'waiting' ? unit.reason : undefined,
    add: planned ? (unit.summary?.counts.add ?? 0) : 0,
    change: planned ? (unit.summary?.counts.change ?? 0) : 0,
    replace: planned ? (unit.summary?.counts.replace ?? 0) : 0,
    destroy: planned ? (unit.summary?.counts.destroy ?? 0) : 0,
    addsByType,
    resourcesByType: resourcesByType(stackDir),
    error: unit.status === 'failed' ? (unit.reason ?? 'terraform plan failed (see output above)').replace(/^[\w-]+: /, '') : undefined,
    output: unit.output ?? '',
  };
}

/**
 * Plans the given stacks of one account in dependency order (tools/lib/unit-runner.ts) against one
 * set of stand-ins: the account's units share its state bucket, and a unit reads the units it
 * depends on from there. Offline nothing is ever applied, so a unit whose dependency has changes to
 * apply (always, with the stand-ins' empty bucket) is reported as waiting, not planned.
 */
export async function planAccount(targets: readonly UnitTarget[], outdir: string, options: PlanLocalOptions = {}): Promise<PlanResult[]> {
  const [{ account, stateBucket }] = targets;
  const standIns = await startStandIns({ accountId: options.simulatedAccountId ?? account.accountId, buckets: [stateBucket] });
  const dirOf = (stack: string) => path.join(outdir, 'stacks', stack);
  const runUnitOf = (target: UnitTarget): RunUnit => ({ unit: target.unit, stack: target.stack, dir: dirOf(target.stack), dependsOn: target.dependsOn });
  const allUnits = accountUnitTargets(account);
  const prepared = new Set<string>();
  const prepare = (stack: string) => {
    if (!prepared.has(stack)) prepareUnit(dirOf(stack), standIns, options.lockFile ?? COMMITTED_LOCK_FILE);
    prepared.add(stack);
  };
  try {
    for (const target of targets) prepare(target.stack);
    // A named unit's dependencies that are not planned now are read from their states (empty here).
    for (const target of allUnits.filter((t) => targets.some((s) => s.dependsOn.includes(t.unit as never)))) prepare(target.stack);
    const env = { ...terraformEnv(), ...standIns.env, TF_CLI_ARGS_init: '-lockfile=readonly' };
    const results = await runUnits(targets.map(runUnitOf), {
      mode: 'plan',
      terraform: terraformIn(env),
      concurrency: options.concurrency,
      allUnits: allUnits.map(runUnitOf),
      progress: options.progress,
    });
    // A waiting unit is not planned, but its configuration is still checked offline: `terraform
    // validate` reads no state and no remote state (https://developer.hashicorp.com/terraform/cli/commands/validate).
    const terraform = terraformIn(env);
    const validated = new Map<string, string | undefined>();
    const waiting = results.filter((r) => r.status === 'waiting');
    const limit = Math.max(1, options.concurrency ?? unitsConcurrency());
    for (let i = 0; i < waiting.length; i += limit) {
      await Promise.all(
        waiting.slice(i, i + limit).map(async ({ stack }) => {
          try {
            await terraform(dirOf(stack), ['init', '-input=false', '-no-color']);
            await terraform(dirOf(stack), ['validate', '-no-color']);
            validated.set(stack, undefined);
          } catch (error) {
            const failure = error as { stdout?: string; stderr?: string; message: string };
            validated.set(stack, `${failure.stdout ?? ''}\n${failure.stderr ?? failure.message}`);
          }
        }),
      );
    }
    return results.map((result) => {
      const plan = toPlanResult(result, dirOf(result.stack));
      if (!validated.has(result.stack)) return plan;
      const problem = validated.get(result.stack);
      if (problem === undefined) return { ...plan, validated: true };
      const line = problem.split('\n').find((l) => /Error:/.test(l));
      return { ...plan, ok: false, waiting: undefined, error: `terraform validate: ${line?.replace(/^.*?Error:\s*/, '').trim() ?? 'failed'}`, output: problem };
    });
  } finally {
    for (const stack of prepared) fs.rmSync(path.join(dirOf(stack), OVERRIDE_FILE), { force: true });
    await standIns.close();
  }
}

/** One stack on its own (its account's other units are read from their states, not planned). */
export async function planStack(target: UnitTarget, outdir: string, options: PlanLocalOptions = {}): Promise<PlanResult> {
  const [result] = await planAccount([target], outdir, options);
  return result;
}

/** Stack names as given, with an account name standing for every stack of that account. */
export function expandAccounts(requested: readonly string[], accounts: readonly AccountConfig[] = loadEnvironments()): UnitTarget[] {
  if (requested.length === 0) return resolveStackTargets([], accounts);
  return requested.flatMap((name) => {
    const account = accounts.find((a) => a.name === name);
    return account ? accountUnitTargets(account) : resolveStackTargets([name], accounts);
  });
}

export async function planLocal(stacks: readonly string[], options: PlanLocalOptions = {}): Promise<PlanResult[]> {
  const targets = expandAccounts(stacks);
  const outdir = path.resolve(options.outdir ?? path.join(cacheDir(), 'plan-local'));
  const say = options.progress ?? (() => undefined);
  if (!options.skipSynth) {
    say(`synthesizing ${targets.length} stack(s) into ${path.relative(process.cwd(), outdir) || outdir}`);
    synthesize(outdir);
  }
  // Accounts one after another (each has its own stand-ins); within one, units in dependency order.
  const accounts = [...new Set(targets.map((t) => t.account.name))];
  const results: PlanResult[] = [];
  for (const name of accounts) results.push(...(await planAccount(targets.filter((t) => t.account.name === name), outdir, options)));
  return results;
}

export function summaryLine(result: PlanResult): string {
  if (!result.ok) return `${result.stack}: FAILED: ${result.error}`;
  if (result.waiting) return `${result.stack}: WAITING (validated, not planned): ${result.waiting}`;
  const types = Object.entries(result.resourcesByType).map(([type, count]) => `${type}=${count}`).join(' ');
  return `${result.stack}: ${result.add} to add, ${result.change} to change, ${result.replace} to replace, ${result.destroy} to destroy [${types}]`;
}

async function main(): Promise<void> {
  const progress = (message: string) => console.error(`plan:local: ${message}`);
  // Find the provider the way npm test does, before anything slow starts.
  const mirror = providerMirror(process.env, progress);
  if (mirror) {
    process.env.TF_PROVIDER_MIRROR = mirror;
    progress(`provider mirror ${mirror}`);
  }
  const results = await planLocal(process.argv.slice(2), {
    outdir: process.env.PLAN_LOCAL_OUTDIR,
    simulatedAccountId: process.env.SIMULATED_ACCOUNT_ID,
    progress,
  });
  for (const result of results) {
    if (!result.ok) console.error(result.output.trim());
  }
  console.log(results.map(summaryLine).join('\n'));
  if (results.some((r) => !r.ok)) process.exit(1);
}

if (require.main === module) {
  answerHelp('Usage: npm run plan:local [-- <stack or account>...]   (every stack when none is named, an account name stands for all its units; plans offline against local stand-ins in dependency order: a unit whose dependencies have changes to apply first is reported as waiting; PLAN_LOCAL_OUTDIR keeps the synthesized output, SIMULATED_ACCOUNT_ID simulates other credentials, UNITS_CONCURRENCY units at once (default 2))');
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
