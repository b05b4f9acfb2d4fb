import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir, terraformEnv } from '../lib/terraform-env';
import { findProviderMirror, noMirrorHint } from '../lib/provider-mirror';
import { type PlanJson, type PlanSummary, summarizePlan } from '../ci/plan-summary';
import { resolveStackTargets, type StackTarget } from '../lib/stack-catalog';
import { OVERRIDE_FILE, startStandIns, writeStandInOverrides } from '../local-aws/stand-ins';
import { answerHelp } from '../../build/cli-help';

/**
 * `npm run plan:local [-- <stack>...]`: plans stacks with no AWS at all. It synthesizes into its
 * own output folder (so ./cdktf.out never carries the stand-in overrides), starts an STS responder
 * and an S3 server on 127.0.0.1 per stack, writes *_override.tf.json files pointing provider and
 * backend at them, and runs the same `cdktf plan <stack> --skip-synth` CI runs.
 *
 * Environment:
 *   TF_PROVIDER_MIRROR    filesystem mirror holding hashicorp/aws (unset: searched for as npm test
 *                         does, tools/lib/provider-mirror.ts; none found: the registry, with a hint)
 *   SIMULATED_ACCOUNT_ID  make STS answer as this account (simulates foreign credentials)
 *   PLAN_LOCAL_OUTDIR     output folder (default: .cache/plan-local)
 *   PLAN_LOCAL_CONCURRENCY stacks planned at once (default: 2)
 */

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const bin = (name: string) => path.join(REPO_ROOT, 'node_modules', '.bin', name);

export interface PlanResult {
  readonly stack: string;
  readonly ok: boolean;
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
  /** Stacks planned at once; each has its own stand-ins. Default: PLAN_LOCAL_CONCURRENCY or 2. */
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

function firstError(output: string): string | undefined {
  const line = output.split('\n').find((l) => /Error:/.test(l));
  return line?.replace(/^.*?Error:\s*/, '').trim();
}

export async function planStack(target: StackTarget, outdir: string, options: PlanLocalOptions = {}): Promise<PlanResult> {
  const stackDir = path.join(outdir, 'stacks', target.stack);
  const standIns = await startStandIns({
    accountId: options.simulatedAccountId ?? target.account.accountId,
    buckets: [target.stateBucket],
  });
  let output: string;
  let plan: PlanSummary | undefined;
  try {
    // The stand-ins listen on new ports each run; forget the previous run's backend settings
    // (this outdir is plan:local's own) so `terraform init` does not ask for a state migration.
    fs.rmSync(path.join(stackDir, '.terraform', 'terraform.tfstate'), { force: true });
    writeStandInOverrides(stackDir, standIns);
    // As CI: the committed hashes, which init may not change (a provider of another hash is refused).
    fs.copyFileSync(options.lockFile ?? COMMITTED_LOCK_FILE, path.join(stackDir, '.terraform.lock.hcl'));
    const env = { ...terraformEnv(), ...standIns.env, CI: '1', FORCE_COLOR: '0', TF_CLI_ARGS_init: '-lockfile=readonly' };
    const args = ['plan', target.stack, '--skip-synth', '--skip-provider-lock', '--no-color', '--output', outdir];
    try {
      const result = await run(bin('cdktf'), args, { cwd: REPO_ROOT, env, maxBuffer: 256 * 1024 * 1024 });
      output = `${result.stdout}\n${result.stderr}`;
      // cdktf plans with -out=plan next to the stack; read the exact changes from it.
      const shown = await run('terraform', ['show', '-json', 'plan'], { cwd: stackDir, env, maxBuffer: 256 * 1024 * 1024 });
      plan = summarizePlan(JSON.parse(shown.stdout) as PlanJson);
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string; message: string };
      output = `${failure.stdout ?? ''}\n${failure.stderr ?? failure.message}`;
    }
  } finally {
    fs.rmSync(path.join(stackDir, OVERRIDE_FILE), { force: true });
    await standIns.close();
  }
  const addsByType: Record<string, number> = {};
  for (const change of plan?.changes ?? []) {
    if (change.kind !== 'add') continue;
    const type = change.address.split('.')[0];
    addsByType[type] = (addsByType[type] ?? 0) + 1;
  }
  return {
    stack: target.stack,
    ok: plan !== undefined && !plan.errored,
    add: plan?.counts.add ?? 0,
    change: plan?.counts.change ?? 0,
    replace: plan?.counts.replace ?? 0,
    destroy: plan?.counts.destroy ?? 0,
    addsByType,
    resourcesByType: resourcesByType(stackDir),
    error: plan ? undefined : (firstError(output) ?? 'cdktf plan failed (see output above)'),
    output,
  };
}

export async function planLocal(stacks: readonly string[], options: PlanLocalOptions = {}): Promise<PlanResult[]> {
  const targets = resolveStackTargets(stacks);
  const outdir = path.resolve(options.outdir ?? path.join(cacheDir(), 'plan-local'));
  const say = options.progress ?? (() => undefined);
  if (!options.skipSynth) {
    say(`synthesizing ${targets.length} stack(s) into ${path.relative(process.cwd(), outdir) || outdir}`);
    synthesize(outdir);
  }
  let done = 0;
  const concurrency = Math.max(1, options.concurrency ?? Number(process.env.PLAN_LOCAL_CONCURRENCY ?? 2));
  const results: PlanResult[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      say(`planning ${targets[index].stack} ...`);
      const started = Date.now();
      results[index] = await planStack(targets[index], outdir, options);
      done++;
      say(`[${done}/${targets.length}] ${summaryLine(results[index])} (${Math.round((Date.now() - started) / 1000)} s)`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  return results;
}

export function summaryLine(result: PlanResult): string {
  if (!result.ok) return `${result.stack}: FAILED: ${result.error}`;
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
  answerHelp('Usage: npm run plan:local [-- <stack>...]   (every stack when none is named; plans offline against local stand-ins; PLAN_LOCAL_OUTDIR keeps the synthesized output, SIMULATED_ACCOUNT_ID simulates other credentials)');
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
