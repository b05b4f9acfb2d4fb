import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironments } from '../../environments/load';
import { S3Client } from '@aws-sdk/client-s3';
import { accountUnitTargets } from '../lib/stack-catalog';
import { legacyStateProblem } from '../lib/legacy-state-guard';
import { optionValue } from '../lib/cli-options';
import { answerHelp } from '../../build/cli-help';
import type { PlanSummary } from './plan-summary';
import { type RunUnit, resultLine, runUnits, terraformIn, type UnitMode, type UnitResult, unitsConcurrency } from '../lib/unit-runner';

/**
 * The CI step that plans or applies an account's units in dependency order (deploy.yml, apply.yml,
 * plan.yml, drift.yml), with the credentials and Terraform flags (TF_CLI_ARGS_*) of the job:
 *
 *   npx tsx tools/ci/run-units.ts --mode <plan|apply> --account <name> --units "<unit> ..." --stacks <dir>
 *       [--no-lock] [--hold-approval] [--results <file>] [--dependency-stacks <dir>]
 *
 * Each unit's folder is <dir>/<account>-<unit> (the synthesized stack, gated and with the committed
 * lock file beside it). --hold-approval (the merge deploy) plans the units whose account file sets
 * requireApproval but never applies them. --results writes the outcome of every unit as JSON, for
 * the summary (plan-summary.ts --results). Exit 1 when a unit failed; a unit that waits or is held
 * is not a failure, and the log says why it waits.
 */

const USAGE = `Usage: npx tsx tools/ci/run-units.ts --mode <plan|apply> --account <name> --units "<unit> ..." --stacks <dir>
       [--no-lock] [--hold-approval] [--results <file>] [--dependency-stacks <dir>]
Plans (or plans and applies) the named units of the account in dependency order, UNITS_CONCURRENCY at once (default 2).
A unit whose dependency has unapplied output changes, was never applied, failed or is held for approval waits.
--hold-approval: units with requireApproval are planned but not applied (the merge deploy).
--dependency-stacks: the folders of dependencies that are not run, whose states must hold outputs (default: --stacks);
  a pull request's plan reads them from the base commit's synthesis, never from the pull request's.`;

/** What the summary reads of one unit: no Terraform output, only paths and counts. */
export type UnitRecord = Omit<UnitResult, 'output' | 'summary'> & { readonly counts?: PlanSummary['counts'] };

export interface RunUnitsArgs {
  readonly mode: Exclude<UnitMode, 'destroy'>;
  readonly account: string;
  readonly units: string[];
  readonly stacks: string;
  readonly noLock: boolean;
  readonly holdApproval: boolean;
  readonly results?: string;
  /** Where the folders of dependencies that are not run live (their outputs are read). Default: --stacks. */
  readonly dependencyStacks?: string;
}

export function parseArgs(args: readonly string[], accountNames: readonly string[], unitsOf: (account: string) => readonly string[]): RunUnitsArgs {
  const mode = optionValue(args, '--mode', USAGE);
  const account = optionValue(args, '--account', USAGE);
  const units = optionValue(args, '--units', USAGE);
  const stacks = optionValue(args, '--stacks', USAGE);
  if (!mode || !account || units === undefined || !stacks) throw new Error(USAGE);
  if (mode !== 'plan' && mode !== 'apply') throw new Error(`--mode ${mode}: use plan or apply\n${USAGE}`);
  if (!accountNames.includes(account)) throw new Error(`--account ${account}: not an account of this branch; the accounts are: ${accountNames.join(', ')}`);
  const requested = units.split(/\s+/).filter(Boolean);
  const unknown = requested.filter((unit) => !unitsOf(account).includes(unit));
  if (unknown.length) throw new Error(`--units: ${unknown.join(', ')} ${unknown.length === 1 ? 'is no unit' : 'are no units'} of ${account}; its units are: ${unitsOf(account).join(', ')}`);
  return { mode, account, units: requested, stacks, noLock: args.includes('--no-lock'), holdApproval: args.includes('--hold-approval'), results: optionValue(args, '--results', USAGE), dependencyStacks: optionValue(args, '--dependency-stacks', USAGE) };
}

export async function main(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<UnitResult[]> {
  const accounts = loadEnvironments();
  const parsed = parseArgs(
    args,
    accounts.map((a) => a.name),
    (name) => accountUnitTargets(accounts.find((a) => a.name === name)!).map((t) => t.unit),
  );
  const config = accounts.find((a) => a.name === parsed.account)!;
  const unitsIn = (dir: string): RunUnit[] =>
    accountUnitTargets(config).map((target) => ({
      unit: target.unit,
      stack: target.stack,
      dir: path.join(dir, target.stack),
      dependsOn: target.dependsOn,
      requireApproval: target.requireApproval,
    }));
  // An account still applied as one workload state must be migrated before any unit is applied.
  const s3 = new S3Client({ region: config.region });
  const legacy = await legacyStateProblem(s3, config).finally(() => s3.destroy());
  if (legacy && parsed.mode === 'apply') throw new Error(legacy);
  if (legacy) console.log(`::warning::${legacy}`);
  const selected = unitsIn(parsed.stacks).filter((unit) => parsed.units.includes(unit.unit));
  const all = unitsIn(parsed.dependencyStacks ?? parsed.stacks);
  const results = await runUnits(selected, {
    mode: parsed.mode,
    terraform: terraformIn(env),
    concurrency: unitsConcurrency(env),
    noLock: parsed.noLock,
    holdApprovalUnits: parsed.holdApproval,
    allUnits: all,
    progress: (message) => console.log(message),
  });
  for (const result of results.filter((r) => r.status === 'failed')) console.error(`::group::${result.stack} output\n${result.output ?? ''}\n::endgroup::`);
  console.log(results.map(resultLine).join('\n'));
  if (parsed.results) {
    const records: UnitRecord[] = results.map(({ output: _output, summary, ...rest }) => ({ ...rest, counts: summary?.counts }));
    fs.writeFileSync(parsed.results, `${JSON.stringify(records, null, 2)}\n`);
  }
  return results;
}

if (require.main === module) {
  answerHelp(USAGE);
  main(process.argv.slice(2))
    .then((results) => {
      if (results.some((r) => r.status === 'failed')) process.exit(1);
    })
    .catch((error: Error) => {
      console.error(error.message);
      process.exit(1);
    });
}
