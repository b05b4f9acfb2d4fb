import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { type PlanJson, type PlanSummary, summarizePlan, totalChanges } from '../ci/plan-summary';

/**
 * Runs Terraform over an account's units in dependency order, Terragrunt's `run --all` for the
 * stacks environments/units.ts describes: a unit starts once every unit it depends on is done,
 * independent units run side by side up to a limit, and destroy runs the graph backwards.
 *
 * A dependent reads its dependencies' outputs from their remote state, so it is never planned
 * against outputs that are about to change: when a dependency's plan changes an output (or the
 * dependency was never applied, so its state has no outputs), the dependent is reported as waiting
 * with the reason and is not planned; in apply mode it is planned once the dependency is applied.
 * A saved plan therefore never holds a value the dependency has not really got yet.
 */

const run = promisify(execFile);

export type UnitMode = 'plan' | 'apply' | 'destroy';

/** One unit's stack folder (synthesized cdk.tf.json) and the units it reads outputs from. */
export interface RunUnit {
  readonly unit: string;
  readonly stack: string;
  readonly dir: string;
  readonly dependsOn: readonly string[];
  /** config.units.<unit>.requireApproval: the merge deploy plans it but never applies it. */
  readonly requireApproval?: boolean;
}

export type UnitStatus =
  /** Planned (plan mode, or apply mode without approval); `summary` holds the changes. */
  | 'planned'
  /** Applied its saved plan (apply and destroy modes). */
  | 'applied'
  /** Nothing to change: the plan was empty (apply mode applies nothing). */
  | 'unchanged'
  /** Not planned: a dependency has unapplied output changes, was never applied, or did not finish. */
  | 'waiting'
  /** Planned but not applied: the unit requires approval (apply mode with approvals held back). */
  | 'held'
  | 'failed';

export interface UnitResult {
  readonly unit: string;
  readonly stack: string;
  readonly status: UnitStatus;
  /** Why a unit waits, is held or failed; one sentence a person reads in the log and the comment. */
  readonly reason?: string;
  readonly summary?: PlanSummary;
  /** Outputs the plan creates, changes or removes: what a dependent would read differently. */
  readonly outputsChange?: boolean;
  /** The saved plan beside the stack (`plan`), its JSON and text, when the unit was planned. */
  readonly planFile?: string;
  readonly planJsonFile?: string;
  readonly planTextFile?: string;
  readonly output?: string;
  readonly seconds: number;
}

/** Runs one Terraform command in a folder; resolves with stdout, rejects with the output on failure. */
export type Terraform = (dir: string, args: readonly string[]) => Promise<string>;

export function terraformIn(env: NodeJS.ProcessEnv, binary = 'terraform'): Terraform {
  return async (dir, args) => {
    const result = await run(binary, [`-chdir=${dir}`, ...args], { env, maxBuffer: 256 * 1024 * 1024 });
    return result.stdout;
  };
}

export interface RunUnitsOptions {
  readonly mode: UnitMode;
  readonly terraform: Terraform;
  /** Units run at once. Default: UNITS_CONCURRENCY or 2. */
  readonly concurrency?: number;
  /** Plan without taking the state lock (pull-request and drift plans, whose roles cannot write one). */
  readonly noLock?: boolean;
  /** Apply mode: plan units with requireApproval but never apply them (the merge deploy). */
  readonly holdApprovalUnits?: boolean;
  /**
   * Every unit of the account, for the dependencies of a selected unit that are not run now: their
   * states must hold outputs (they were applied) before a dependent is planned. Default: the run's own.
   */
  readonly allUnits?: readonly RunUnit[];
  readonly progress?: (message: string) => void;
}

/** The default parallelism: UNITS_CONCURRENCY when set (a positive integer), else 2. */
export function unitsConcurrency(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.UNITS_CONCURRENCY;
  if (raw === undefined || raw === '') return 2;
  if (!/^[1-9]\d*$/.test(raw)) throw new Error(`UNITS_CONCURRENCY=${raw} is not a positive whole number; set it to how many units may run at once (default 2)`);
  return Number(raw);
}

function firstError(output: string): string {
  const line = output.split('\n').find((l) => /Error:/.test(l));
  return line ? line.replace(/^.*?Error:\s*/, '').trim() : output.trim().split('\n').pop() ?? 'terraform failed';
}

function failureOutput(error: unknown): string {
  const failure = error as { stdout?: string; stderr?: string; message: string };
  return `${failure.stdout ?? ''}\n${failure.stderr ?? failure.message}`;
}

interface ShownPlan extends PlanJson {
  readonly output_changes?: Readonly<Record<string, { readonly actions: readonly string[] }>>;
}

/** Whether a saved plan changes any output a dependent reads (a never-applied unit creates all of them). */
export function planChangesOutputs(plan: ShownPlan): boolean {
  return Object.values(plan.output_changes ?? {}).some((change) => !change.actions.every((action) => action === 'no-op'));
}

/**
 * The order a mode runs the units in: for plan and apply a unit after the units it depends on; for
 * destroy a unit after the units that depend on it (the same graph, backwards).
 */
export function runDependencies(units: readonly RunUnit[], mode: UnitMode): Record<string, string[]> {
  const names = units.map((u) => u.unit);
  const deps: Record<string, string[]> = Object.fromEntries(names.map((n) => [n, [] as string[]]));
  for (const unit of units) {
    for (const dep of unit.dependsOn.filter((d) => names.includes(d))) {
      if (mode === 'destroy') deps[dep].push(unit.unit);
      else deps[unit.unit].push(dep);
    }
  }
  return deps;
}

async function stateHasOutputs(terraform: Terraform, unit: RunUnit): Promise<boolean> {
  await terraform(unit.dir, ['init', '-input=false', '-no-color']);
  const outputs = JSON.parse(await terraform(unit.dir, ['output', '-json', '-no-color'])) as Record<string, unknown>;
  return Object.keys(outputs).length > 0;
}

/**
 * Plans (and in apply/destroy mode applies) the given units in dependency order. Never throws for a
 * unit's failure: each unit gets a result, in dependency order of the mode.
 */
export async function runUnits(units: readonly RunUnit[], options: RunUnitsOptions): Promise<UnitResult[]> {
  const { mode, terraform } = options;
  const say = options.progress ?? (() => undefined);
  const limit = Math.max(1, options.concurrency ?? unitsConcurrency());
  const deps = runDependencies(units, mode);
  const byName = new Map(units.map((u) => [u.unit, u]));
  const everyUnit = new Map((options.allUnits ?? units).map((u) => [u.unit, u]));
  const results = new Map<string, UnitResult>();
  const checkedOutside = new Map<string, Promise<string | undefined>>();

  // Why a dependency outside this run cannot be read (undefined: it was applied and has outputs).
  const outsideProblem = (dep: string): Promise<string | undefined> => {
    if (!checkedOutside.has(dep)) {
      const unit = everyUnit.get(dep);
      checkedOutside.set(
        dep,
        unit
          ? stateHasOutputs(terraform, unit).then(
              (has) => (has ? undefined : `${dep} was never applied (its state has no outputs)`),
              (error) => `${dep}'s state could not be read (${firstError(failureOutput(error))})`,
            )
          : Promise.resolve(`${dep} is not a unit of this account`),
      );
    }
    return checkedOutside.get(dep)!;
  };

  // Why a unit may not be planned now (undefined: it may).
  const blocker = async (unit: RunUnit): Promise<string | undefined> => {
    for (const dep of deps[unit.unit]) {
      const result = results.get(dep)!;
      if (mode === 'destroy') {
        if (result.status !== 'applied' && result.status !== 'unchanged') return `${unit.unit} is kept: ${dep} depends on it and was not destroyed (${result.status})`;
        continue;
      }
      const waits = `${unit.unit} waits on ${dep}: `;
      if (result.status === 'failed') return `${waits}${dep} failed; planned after ${dep} is fixed and applied`;
      if (result.status === 'waiting') return `${waits}${dep} is not planned yet; planned after ${dep} is applied`;
      if (result.outputsChange && result.status !== 'applied') {
        const held = result.status === 'held' ? ` and requires approval (config.units.${dep}.requireApproval)` : '';
        return `${waits}${dep} has unapplied changes${held}; planned after ${dep} is applied`;
      }
    }
    if (mode === 'destroy') return undefined;
    for (const dep of unit.dependsOn.filter((d) => !byName.has(d))) {
      const problem = await outsideProblem(dep);
      if (problem) return `${unit.unit} waits on ${dep}: ${problem}; planned after ${dep} is applied`;
    }
    return undefined;
  };

  const runOne = async (unit: RunUnit): Promise<UnitResult> => {
    const started = Date.now();
    const done = (result: Omit<UnitResult, 'unit' | 'stack' | 'seconds'>): UnitResult => ({
      unit: unit.unit,
      stack: unit.stack,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      ...result,
    });
    const reason = await blocker(unit);
    if (reason) return done({ status: 'waiting', reason });
    let output = '';
    try {
      output += await terraform(unit.dir, ['init', '-input=false', '-no-color']);
      const planArgs = ['plan', '-input=false', '-no-color', '-out=plan', ...(mode === 'destroy' ? ['-destroy'] : []), ...(options.noLock ? ['-lock=false'] : [])];
      output += await terraform(unit.dir, planArgs);
      const json = await terraform(unit.dir, ['show', '-json', 'plan']);
      const planJsonFile = path.join(unit.dir, 'plan.json');
      const planTextFile = path.join(unit.dir, 'plan.txt');
      fs.writeFileSync(planJsonFile, json);
      fs.writeFileSync(planTextFile, await terraform(unit.dir, ['show', '-no-color', 'plan']));
      const shown = JSON.parse(json) as ShownPlan;
      const summary = summarizePlan(shown);
      const outputsChange = planChangesOutputs(shown);
      const files = { planFile: path.join(unit.dir, 'plan'), planJsonFile, planTextFile };
      if (summary.errored) return done({ status: 'failed', reason: `${unit.unit}: Terraform reported errors while planning`, summary, output, ...files });
      if (mode === 'plan') return done({ status: 'planned', summary, outputsChange, output, ...files });
      if (totalChanges(summary) === 0 && !outputsChange) return done({ status: 'unchanged', summary, outputsChange, output, ...files });
      if (mode === 'apply' && unit.requireApproval && options.holdApprovalUnits) {
        return done({
          status: 'held',
          reason: `${unit.unit} is not applied by this run: it requires approval (config.units.${unit.unit}.requireApproval); apply it through the approved apply (apply.yml)`,
          summary,
          outputsChange,
          output,
          ...files,
        });
      }
      output += await terraform(unit.dir, ['apply', '-input=false', '-no-color', 'plan']);
      return done({ status: 'applied', summary, outputsChange, output, ...files });
    } catch (error) {
      output += failureOutput(error);
      return done({ status: 'failed', reason: `${unit.unit}: ${firstError(output)}`, output });
    }
  };

  // A unit starts when every unit it waits for has a result; at most `limit` run at once.
  const order = units.map((u) => u.unit);
  const started = new Set<string>();
  const running = new Map<string, Promise<void>>();
  while (results.size < units.length) {
    for (const name of order) {
      if (running.size >= limit) break;
      if (started.has(name) || !deps[name].every((dep) => results.has(dep))) continue;
      started.add(name);
      say(`${mode === 'destroy' ? 'destroying' : 'planning'} ${byName.get(name)!.stack} ...`);
      running.set(
        name,
        runOne(byName.get(name)!).then((result) => {
          results.set(name, result);
          running.delete(name);
          say(`${resultLine(result)} (${result.seconds} s)`);
        }),
      );
    }
    if (running.size === 0) throw new Error(`the units ${order.filter((n) => !started.has(n)).join(', ')} form a cycle`);
    await Promise.race(running.values());
  }
  return [...started].map((name) => results.get(name)!);
}

/** One line per unit for logs: its stack, what happened and the counts or the reason. */
export function resultLine(result: UnitResult): string {
  const counts = result.summary
    ? `${result.summary.counts.add} to add, ${result.summary.counts.change} to change, ${result.summary.counts.replace} to replace, ${result.summary.counts.destroy} to destroy`
    : '';
  switch (result.status) {
    case 'planned':
    case 'unchanged':
      return `${result.stack}: ${counts}`;
    case 'applied':
      return `${result.stack}: applied (${counts})`;
    case 'held':
      return `${result.stack}: HELD (${counts}): ${result.reason}`;
    case 'waiting':
      return `${result.stack}: WAITING: ${result.reason}`;
    case 'failed':
      return `${result.stack}: FAILED: ${result.reason}`;
  }
}
