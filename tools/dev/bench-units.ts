import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments, stateBucketName } from '../../environments/load';
import type { AccountConfig } from '../../environments/schema';
import { accountUnitTargets, type UnitTarget } from '../lib/stack-catalog';
import { planAccount, resourcesByType } from './plan-local';

/**
 * The units' figures for `npm run bench` (issue 23 item 6), side by side in one run:
 *  - per account, the resources of each unit (and of the legacy one-state workload they replace);
 *  - the synth of every unit (the app, main.ts) against today's two stacks per account (bootstrap
 *    and the legacy monolithic workload, tools/dev/legacy-synth.ts), in turns so both meet the same load;
 *  - the wall time of `plan:local` of one unit against the whole account: the largest unit that
 *    plans offline (its dependencies are none, so it needs no applied outputs) against the legacy
 *    workload state of the same account, each from an empty state against the local stand-ins.
 * Budgets: units synth <= 1.3 x the two-stack synth (a stack per unit costs a little each); one
 * unit's plan <= 0.5 x the whole account's (what a one-unit change is spared).
 */

const REPO_ROOT = path.resolve(__dirname, '..', '..');

export const UNITS_SYNTH_BUDGET = 1.3;
export const ONE_UNIT_PLAN_BUDGET = 0.5;

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function resourceCount(stackDir: string): number {
  return Object.values(resourcesByType(stackDir)).reduce((sum, count) => sum + count, 0);
}

function timeNode(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The largest unit of the account that plans offline: one that depends on no other unit. */
export function largestIndependentUnit(account: AccountConfig, outdir: string): UnitTarget {
  const candidates = accountUnitTargets(account).filter((t) => t.unit !== 'bootstrap' && t.dependsOn.length === 0);
  if (candidates.length === 0) throw new Error(`${account.name} has no unit without dependencies to plan offline`);
  return candidates.map((t) => [t, resourceCount(path.join(outdir, 'stacks', t.stack))] as const).sort((a, b) => b[1] - a[1])[0][0];
}

export async function benchUnits(runs = Number(process.env.BENCH_RUNS ?? 3)): Promise<string[]> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-units-'));
  try {
    const unitsOut = path.join(scratch, 'units');
    const legacyOut = path.join(scratch, 'legacy');
    const units: number[] = [];
    const legacy: number[] = [];
    // In turns: the real app (every unit) and the two-stack app, each synthesizing everything.
    for (let i = 0; i < runs; i++) {
      units.push(timeNode(['main.ts'], { CDKTF_OUTDIR: unitsOut }));
      legacy.push(timeNode([path.join(__dirname, 'legacy-synth.ts'), legacyOut], {}));
    }
    const accounts = loadEnvironments();
    const lines = ['units (issue 23): resources per unit, from the synthesized stacks'];
    for (const account of accounts) {
      const perUnit = accountUnitTargets(account).map((t) => `${t.unit}=${resourceCount(path.join(unitsOut, 'stacks', t.stack))}`);
      const workload = accountUnitTargets(account).filter((t) => t.unit !== 'bootstrap').reduce((sum, t) => sum + resourceCount(path.join(unitsOut, 'stacks', t.stack)), 0);
      lines.push(`  ${account.name.padEnd(10)} ${perUnit.join(' ')}   (workload ${workload}; the legacy workload state holds ${resourceCount(path.join(legacyOut, 'stacks', account.name))})`);
    }
    const ratio = median(units) / median(legacy);
    lines.push(
      `synth, every unit       ${fmt(median(units))} median of ${runs}  (${accounts.length} accounts, ${accounts.reduce((n, a) => n + accountUnitTargets(a).length, 0)} stacks)`,
      `synth, two stacks each  ${fmt(median(legacy))} median of ${runs}  (bootstrap + legacy workload)`,
      `units / two stacks      ${ratio.toFixed(2)}   (budget <= ${UNITS_SYNTH_BUDGET})   ${ratio <= UNITS_SYNTH_BUDGET ? 'ok' : 'OVER'}`,
    );
    // plan:local of one unit against the whole account, same stand-ins, empty state, one after the other.
    const [account] = accounts;
    const one = largestIndependentUnit(account, unitsOut);
    let started = Date.now();
    const [unitPlan] = await planAccount([one], unitsOut, { concurrency: 1 });
    const unitMs = Date.now() - started;
    const legacyTarget: UnitTarget = { unit: 'bootstrap', stack: account.name, account, stateBucket: stateBucketName(account), dependsOn: [], requireApproval: false };
    started = Date.now();
    const [accountPlan] = await planAccount([legacyTarget], legacyOut, { concurrency: 1 });
    const accountMs = Date.now() - started;
    if (!unitPlan.ok || !accountPlan.ok) throw new Error(`a bench plan failed: ${unitPlan.error ?? ''} ${accountPlan.error ?? ''}`);
    const planRatio = unitMs / accountMs;
    lines.push(
      `plan:local, one unit    ${fmt(unitMs)}  ${one.stack}: ${unitPlan.add} to add (its dependencies: none, so it plans offline)`,
      `plan:local, whole ${account.name.padEnd(6)}${fmt(accountMs)}  the legacy workload state: ${accountPlan.add} to add`,
      `one unit / account      ${planRatio.toFixed(2)}   (budget <= ${ONE_UNIT_PLAN_BUDGET})   ${planRatio <= ONE_UNIT_PLAN_BUDGET ? 'ok' : 'OVER'}`,
    );
    return lines;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
