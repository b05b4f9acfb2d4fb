import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AccountConfig } from '../../environments/schema';
import { ConfigError, loadEnvironments, stateBucketName } from '../../environments/load';
import { UNIT_DEPENDENCIES, unitOrder, unitStackName, WORKLOAD_UNITS, type WorkloadUnit } from '../../environments/units';
import { stateKey } from '../../stacks/account-stack';
import { addWorkloadUnits, LegacyWorkloadStack } from '../../stacks/workload';
import { synthesizeAtomically } from '../../stacks/synthesize';
import { buildArtifacts } from '../../build/build-artifacts';
import { STSClient } from '@aws-sdk/client-sts';
import { checkAccount, NoCredentialsError } from '../lib/account-guard';
import { answerHelp } from '../../build/cli-help';
import { optionValue } from '../lib/cli-options';
import { cacheDir, terraformEnv } from '../lib/terraform-env';
import { type PlanJson, summarizePlan } from '../ci/plan-summary';
import { awsAccess, emulatorAccess, type TerraformAccess } from '../lib/terraform-access';
import { terraform, terraformError, type TerraformResult } from '../lib/terraform-run';
import { assignOwners, type Ownership, parseState, resourceAddress, type StackAddresses, type StateFile, type StateOutput, stackAddresses } from '../lib/terraform-state';

/**
 * `npm run units:migrate -- <account>`: moves an account's one workload state (`<account>`, key
 * `<account>/<region>/main/terraform.tfstate`) into its unit states, offline and without
 * destroying anything:
 *   1. refuses unless every resource of the old state is declared by exactly one unit, and every
 *      unit's state is still empty;
 *   2. refuses unless the old workload stack plans empty against its state (-detailed-exitcode);
 *   3. backs the state up (a timestamped file, mode 0600, in the local cache folder);
 *   4. builds one state per unit from it (the resource entries `terraform state mv` would move,
 *      checked with `terraform state list`), and only then pushes them, dependencies first;
 *   5. plans every unit in dependency order, writing each unit's outputs into its state so the
 *      units that read them (cdktf's cross-stack references) plan against real values; each plan
 *      must show nothing to add, change or destroy.
 * The old state is left as it was: it is the second copy of the backup.
 */

export const USAGE =
  'Usage: npm run units:migrate -- <account> [--endpoint <url> --accept-emulator-differences]\n' +
  '  Splits the account\'s one workload state (key <account>/<region>/main/terraform.tfstate) into one state per unit ' +
  '(<account>/<region>/<unit>/terraform.tfstate) without destroying anything: refuses unless the old workload stack plans empty ' +
  'and every resource has exactly one unit; backs the state up (a 0600 file under .cache/units-migrate/, printed); moves every ' +
  'address into its unit; pushes each unit\'s state; then plans every unit in dependency order, which must show no change.\n' +
  '  Needs credentials of the account (its apply role). --endpoint points backend and provider at an AWS emulator (moto) ' +
  'instead; with it, --accept-emulator-differences lets the old plan show the emulator\'s own differences and then requires ' +
  'every unit to show exactly those (per address), nothing more.';

/** A refusal or failure: one paragraph saying what, where and what to do; nothing to add. */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export interface StackFolder {
  readonly stack: string;
  readonly dir: string;
}

export interface UnitFolder extends StackFolder {
  readonly unit: WorkloadUnit;
}

/** The synthesized stacks a migration works on: the old workload stack and the units in dependency order. */
export interface MigrationStacks {
  readonly account: AccountConfig;
  readonly legacy: StackFolder;
  readonly units: readonly UnitFolder[];
}

/** One difference a plan shows: the address, what Terraform would do, and the attributes that differ. */
export interface Difference {
  readonly address: string;
  readonly actions: string;
  readonly attributes: readonly string[];
}

export interface UnitResult {
  readonly unit: WorkloadUnit;
  readonly stack: string;
  readonly key: string;
  /** Resources moved into the unit's state. */
  readonly moved: number;
  readonly pushed: boolean;
  /** The unit's plan after the move: undefined when it was not planned (see `notPlanned`). */
  readonly differences?: readonly Difference[];
  /** Differences beyond the old plan's own (emulator mode), or every difference otherwise. */
  readonly unexpected?: readonly Difference[];
  readonly notPlanned?: string;
}

export interface MigrationResult {
  readonly backup: string;
  readonly legacyDifferences: readonly Difference[];
  readonly droppedData: readonly string[];
  readonly units: readonly UnitResult[];
  readonly ok: boolean;
}

export interface MigrateOptions {
  readonly access: TerraformAccess;
  /** Where the backup and the built unit states go. Default: <cache>/units-migrate/<account>. */
  readonly stateDir?: string;
  /**
   * Proceed when the old plan shows differences, and then require each unit to show exactly the
   * old plan's differences on its addresses (same actions on the same attributes). Only for an emulator, whose own differences
   * (../shared/tools/README.md) every plan shows; the CLI allows it only with --endpoint.
   */
  readonly acceptLegacyDifferences?: boolean;
  readonly say?: (message: string) => void;
  readonly now?: () => Date;
}

/** Synthesizes the account's old workload stack and its enabled units into `outdir` (function zips built first). */
export async function synthesizeMigrationStacks(account: AccountConfig, outdir: string): Promise<MigrationStacks> {
  await buildArtifacts();
  const enabled = unitOrder(
    WORKLOAD_UNITS.filter((unit) => account.units[unit].enabled),
    UNIT_DEPENDENCIES,
  );
  synthesizeAtomically(outdir, (app) => {
    new LegacyWorkloadStack(app, { config: account });
    addWorkloadUnits(app, { config: account });
  });
  const folder = (stack: string) => path.join(outdir, 'stacks', stack);
  return {
    account,
    legacy: { stack: account.name, dir: folder(account.name) },
    units: enabled.map((unit) => ({ unit, stack: unitStackName(account.name, unit), dir: folder(unitStackName(account.name, unit)) })),
  };
}

/** The differences of a saved plan's JSON (`terraform show -json`), data sources left out. */
export function planDifferences(plan: PlanJson): Difference[] {
  const changed = new Set(summarizePlan(plan).changes.map((change) => change.address));
  const resourceChanges = (plan.resource_changes ?? []) as ReadonlyArray<{ address: string; change: { actions: readonly string[]; before?: unknown; after?: unknown; after_unknown?: unknown } }>;
  return resourceChanges
    .filter((rc) => changed.has(rc.address))
    .map((rc) => {
      const before = (rc.change.before ?? {}) as Record<string, unknown>;
      const after = (rc.change.after ?? {}) as Record<string, unknown>;
      const unknown = (rc.change.after_unknown ?? {}) as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)])]
        .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]) || unknown[key] === true)
        .sort();
      return { address: rc.address, actions: rc.change.actions.join('/'), attributes: keys };
    });
}

/** Counts by action, then each difference with the attributes that change (a creation's are all new). */
function describe(differences: readonly Difference[], limit = 20): string {
  const counts = new Map<string, number>();
  for (const d of differences) counts.set(d.actions, (counts.get(d.actions) ?? 0) + 1);
  const shown = differences
    .slice(0, limit)
    .map((d) => `${d.address} (${d.actions}${d.actions !== 'create' && d.attributes.length ? `: ${d.attributes.join(', ')}` : ''})`);
  return `[${[...counts].map(([actions, count]) => `${count} ${actions}`).join(', ')}] ${shown.join('; ')}${differences.length > limit ? `; and ${differences.length - limit} more` : ''}`;
}

function writePrivate(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** The state of one unit: the old state's entries for the resources it owns, a new lineage, no outputs yet. */
export function unitState(old: StateFile, owned: ReadonlySet<string>): StateFile {
  return {
    version: 4,
    terraform_version: old.terraform_version,
    serial: 1,
    lineage: randomUUID(),
    outputs: {},
    resources: old.resources.filter((resource) => owned.has(resourceAddress(resource))),
  };
}

/** What `terraform state list` prints for the managed resources of a state: one line per instance. */
function instanceAddresses(state: StateFile): string[] {
  return state.resources
    .filter((resource) => resource.mode === 'managed')
    .flatMap((resource) =>
      resource.instances.map((instance) => {
        const key = (instance as { index_key?: string | number }).index_key;
        return `${resourceAddress(resource)}${key === undefined ? '' : typeof key === 'number' ? `[${key}]` : `["${key}"]`}`;
      }),
    )
    .sort();
}

export class Workspace {
  readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly access: TerraformAccess,
    private readonly lockFile: string,
  ) {
    this.env = { ...terraformEnv(), ...access.env, TF_IN_AUTOMATION: '1', TF_CLI_ARGS_init: '-lockfile=readonly' };
  }

  async init(folder: StackFolder): Promise<void> {
    this.access.prepare(folder.dir);
    fs.copyFileSync(this.lockFile, path.join(folder.dir, '.terraform.lock.hcl'));
    // The backend settings of an earlier run (another endpoint) would make init ask for a state migration.
    fs.rmSync(path.join(folder.dir, '.terraform', 'terraform.tfstate'), { force: true });
    const result = await this.run(folder, ['init', '-input=false', '-no-color', '-reconfigure']);
    if (result.code !== 0) throw new MigrationError(`terraform init of ${folder.stack} failed against ${this.access.description}: ${terraformError(result)}. Nothing was changed.`);
  }

  run(folder: StackFolder, args: readonly string[]): Promise<TerraformResult> {
    return terraform(args, folder.dir, this.env);
  }

  async pull(folder: StackFolder): Promise<{ text: string; state: StateFile | undefined }> {
    const result = await this.run(folder, ['state', 'pull']);
    if (result.code !== 0) throw new MigrationError(`terraform state pull of ${folder.stack} failed against ${this.access.description}: ${terraformError(result)}. Nothing was changed.`);
    return { text: result.stdout, state: parseState(result.stdout, `the state of ${folder.stack}`) };
  }

  /** Plans with a saved plan file and returns its JSON, or the error. */
  async plan(folder: StackFolder): Promise<{ json?: PlanJson & { planned_values?: { outputs?: Record<string, { value?: unknown; type?: unknown; sensitive?: boolean }> } }; error?: string }> {
    const args = ['plan', '-input=false', '-no-color', '-detailed-exitcode', '-out=units-migrate.tfplan'];
    if (!this.access.refresh) args.push('-refresh=false');
    const planned = await this.run(folder, args);
    if (planned.code === 1) return { error: terraformError(planned) };
    const shown = await this.run(folder, ['show', '-json', 'units-migrate.tfplan']);
    fs.rmSync(path.join(folder.dir, 'units-migrate.tfplan'), { force: true });
    if (shown.code !== 0) return { error: terraformError(shown) };
    return { json: JSON.parse(shown.stdout) };
  }
}

function bucketUrl(account: AccountConfig, unit: string): string {
  return `s3://${stateBucketName(account)}/${stateKey(account, unit)}`;
}

/** What the first, read-only phase found: the old state, who owns what, and the Terraform folders. */
export interface PreparedMigration {
  readonly stacks: MigrationStacks;
  readonly workspace: Workspace;
  readonly state: StateFile;
  readonly units: ReadonlyArray<UnitFolder & { readonly addresses: StackAddresses }>;
  readonly ownership: Ownership<WorkloadUnit>;
  readonly stateDir: string;
  readonly stamp: string;
  readonly say: (message: string) => void;
}

/** A unit's state built from the old one, written (0600) where the backup is. */
export interface BuiltUnit extends UnitFolder {
  readonly file: string;
  readonly moved: number;
}

/**
 * The migration itself (see the file's head). Throws MigrationError for every refusal and every
 * failure, saying what was and was not done; resolves with the per-unit results otherwise (ok is
 * false when a unit's plan shows a difference).
 */
export async function migrate(stacks: MigrationStacks, options: MigrateOptions): Promise<MigrationResult> {
  const prepared = await prepareMigration(stacks, options);
  const legacyDifferences = await checkLegacyPlan(prepared, options);
  const { backup, built } = await splitAndPush(prepared);
  const units = await planUnits(prepared, built, legacyDifferences, options);
  const ok = units.every((result) => !result.notPlanned && (result.unexpected ?? []).length === 0);
  return { backup, legacyDifferences, droppedData: prepared.ownership.droppedData, units, ok };
}

/** Phase 1, read-only: the old state exists, every resource has exactly one unit, every unit state is empty. */
export async function prepareMigration(stacks: MigrationStacks, options: MigrateOptions): Promise<PreparedMigration> {
  const { account } = stacks;
  const say = options.say ?? (() => undefined);
  const stateDir = path.resolve(options.stateDir ?? path.join(cacheDir(), 'units-migrate', account.name));
  const stamp = (options.now ?? (() => new Date()))().toISOString().replace(/[:.]/g, '-');
  const workspace = new Workspace(options.access, path.resolve(__dirname, '..', '..', '.terraform.lock.hcl'));
  const legacyUrl = bucketUrl(account, 'main');

  say(`reading the workload state ${legacyUrl} through ${options.access.description}`);
  await workspace.init(stacks.legacy);
  const { state } = await workspace.pull(stacks.legacy);
  if (!state || state.resources.length === 0) {
    throw new MigrationError(
      `${account.name}: there is no workload state at ${legacyUrl} (or it holds no resources), so there is nothing to migrate. ` +
        'A new account needs no migration: apply its unit stacks. Nothing was changed.',
    );
  }
  const units = stacks.units.map((folder) => ({ ...folder, addresses: stackAddresses(folder.dir) }));
  const ownership = assignOwners(state, units);
  if (ownership.unowned.length) {
    throw new MigrationError(
      `${account.name}: ${ownership.unowned.length} resource(s) of the workload state ${legacyUrl} belong to no unit: ${ownership.unowned.join(', ')}. ` +
        'Moving on would leave them in no state, and the next plan of the old stack would destroy them. Fix: build each in the unit that should own it ' +
        '(stacks/workload.ts UNIT_CONSTRUCTS, keeping the construct id so the address stays), or remove it with the old stack first if it is meant to go. Nothing was pushed.',
    );
  }
  if (ownership.duplicates.length) {
    throw new MigrationError(
      `${account.name}: ${ownership.duplicates.map((d) => `${d.address} is declared by ${d.units.join(' and ')}`).join('; ')}. ` +
        'Two states would manage one object. Fix: build the construct in one unit only (stacks/workload.ts UNIT_CONSTRUCTS). Nothing was pushed.',
    );
  }
  say(`checking that the ${units.length} unit states are empty`);
  for (const folder of units) {
    await workspace.init(folder);
    const existing = await workspace.pull(folder);
    if (existing.state && existing.state.resources.length > 0) {
      throw new MigrationError(
        `${account.name}: unit ${folder.unit} already has a state with ${existing.state.resources.length} resource(s) at ${bucketUrl(account, folder.unit)}: ` +
          'the account was migrated before, or the unit was applied. A migration only fills empty unit states. Fix: if an earlier migration stopped ' +
          'part-way, follow what it printed to restore; if the units are already in use, there is nothing to migrate. Nothing was pushed.',
      );
    }
  }
  return { stacks, workspace, state, units, ownership, stateDir, stamp, say };
}

/** Phase 2: the old workload must plan empty (apart from an emulator's own differences, when accepted). */
export async function checkLegacyPlan(prepared: PreparedMigration, options: Pick<MigrateOptions, 'acceptLegacyDifferences'>): Promise<Difference[]> {
  const { stacks, workspace, state, ownership, say } = prepared;
  const { account } = stacks;
  say(`planning ${stacks.legacy.stack} against its state (${state.resources.length} resources)`);
  const legacyPlan = await workspace.plan(stacks.legacy);
  if (!legacyPlan.json) throw new MigrationError(`${account.name}: the plan of the workload stack ${stacks.legacy.stack} failed: ${legacyPlan.error}. Nothing was pushed.`);
  const legacyDifferences = planDifferences(legacyPlan.json);
  if (legacyDifferences.length && !options.acceptLegacyDifferences) {
    throw new MigrationError(
      `${account.name}: the workload stack's plan is not empty: ${legacyDifferences.length} change(s): ${describe(legacyDifferences)}. ` +
        'A split must start from a state that matches the code, or these changes would be spread over the units unreviewed. Fix: apply the workload ' +
        'as it is today from the commit before the split (or undo the drift) until its plan shows no changes, then run this again. Nothing was pushed.',
    );
  }
  const created = new Set(legacyDifferences.filter((d) => d.actions === 'create').map((d) => d.address));
  const missing = ownership.notInState.filter((entry) => !created.has(entry.address));
  if (missing.length) {
    throw new MigrationError(
      `${account.name}: ${missing.map((m) => `unit ${m.unit} declares ${m.address}`).join('; ')}, which the workload state does not hold and the workload plan does not create. ` +
        "The units would create what the old stack never had. Fix: keep the units' resources exactly the old stack's (npx jest __tests__/stacks/units.test.ts). Nothing was pushed.",
    );
  }
  return legacyDifferences;
}

/**
 * Phases 3 and 4: re-reads the old state (it must be the one phase 1 read), backs it up, builds one
 * state per unit, checks each with `terraform state list`, and pushes them in dependency order.
 */
export async function splitAndPush(prepared: PreparedMigration): Promise<{ backup: string; built: BuiltUnit[] }> {
  const { stacks, workspace, ownership, stateDir, stamp, say } = prepared;
  const { account } = stacks;
  const legacyUrl = bucketUrl(account, 'main');
  const current = await workspace.pull(stacks.legacy);
  if (!current.state || current.state.serial !== prepared.state.serial || current.state.lineage !== prepared.state.lineage) {
    throw new MigrationError(`${account.name}: the workload state ${legacyUrl} changed while this command read it (someone applied?). Nothing was pushed; run it again.`);
  }
  // The state may hold secrets: only the owner may read the backup, and it never goes into the repository.
  const backup = path.join(stateDir, `${account.name}-workload-${stamp}.tfstate`);
  writePrivate(backup, current.text);
  say(`backed up the workload state (${current.state.resources.length} resources, serial ${current.state.serial}) to ${backup} (mode 0600)`);

  const built: BuiltUnit[] = [];
  for (const folder of prepared.units) {
    const owned = new Set([...ownership.owner.entries()].filter(([, unit]) => unit === folder.unit).map(([address]) => address));
    const state = unitState(current.state, owned);
    const file = path.join(stateDir, `${folder.stack}-${stamp}.tfstate`);
    writePrivate(file, `${JSON.stringify(state, null, 2)}\n`);
    // Offline, in the backup's folder: beside a stack with a backend, -state is not read.
    const listed = await terraform(['state', 'list', `-state=${file}`], stateDir, workspace.env);
    const actual = listed.stdout.split('\n').filter((line) => line && !line.startsWith('data.')).sort();
    if (listed.code !== 0 || JSON.stringify(actual) !== JSON.stringify(instanceAddresses(state))) {
      throw new MigrationError(`${account.name}: the state built for unit ${folder.unit} (${file}) does not list as expected: ${terraformError(listed)}. Nothing was pushed.`);
    }
    built.push({ unit: folder.unit, stack: folder.stack, dir: folder.dir, file, moved: owned.size });
  }
  const pushed: WorkloadUnit[] = [];
  for (const unit of built) {
    const result = await workspace.run(unit, ['state', 'push', unit.file]);
    if (result.code !== 0) {
      throw new MigrationError(
        `${account.name}: pushing unit ${unit.unit}'s state to ${bucketUrl(account, unit.unit)} failed: ${terraformError(result)}. ` +
          `Pushed before it: ${pushed.length ? pushed.join(', ') : 'none'}; not pushed: ${built.filter((b) => !pushed.includes(b.unit)).map((b) => b.unit).join(', ')}. ` +
          `The workload state ${legacyUrl} was not changed. To restore, delete the pushed unit states (${pushed.map((u) => bucketUrl(account, u)).join(', ') || 'none'}) ` +
          `so those keys are empty again; the backup of the workload state is ${backup}.`,
      );
    }
    pushed.push(unit.unit);
    say(`pushed ${unit.moved} resources into ${unit.stack} (${bucketUrl(account, unit.unit)})`);
  }
  return { backup, built };
}

/** Phase 5: plans every unit in dependency order; outputs go into the state for the units that read them. */
export async function planUnits(
  prepared: PreparedMigration,
  built: readonly BuiltUnit[],
  legacyDifferences: readonly Difference[],
  options: Pick<MigrateOptions, 'acceptLegacyDifferences'>,
): Promise<UnitResult[]> {
  const { stacks, workspace, say } = prepared;
  // The same actions on the same attributes as the old plan, address by address.
  const signature = (d: Difference) => `${d.actions} ${d.attributes.join(',')}`;
  const expectedByAddress = new Map(legacyDifferences.map((d) => [d.address, signature(d)]));
  const results: UnitResult[] = [];
  const failed = new Set<WorkloadUnit>();
  for (const unit of built) {
    const base = { unit: unit.unit, stack: unit.stack, key: bucketUrl(stacks.account, unit.unit), moved: unit.moved, pushed: true };
    const blocked = UNIT_DEPENDENCIES[unit.unit].filter((dependency) => failed.has(dependency));
    if (blocked.length) {
      failed.add(unit.unit);
      results.push({ ...base, notPlanned: `depends on ${blocked.join(', ')}, whose plan did not pass` });
      continue;
    }
    say(`planning ${unit.stack}`);
    const plan = await workspace.plan(unit);
    if (!plan.json) {
      failed.add(unit.unit);
      results.push({ ...base, notPlanned: `its plan failed: ${plan.error}` });
      continue;
    }
    const differences = planDifferences(plan.json);
    const unexpected = differences.filter((d) => !options.acceptLegacyDifferences || expectedByAddress.get(d.address) !== signature(d));
    if (unexpected.length) failed.add(unit.unit);
    const outputs = plan.json.planned_values?.outputs ?? {};
    if (Object.keys(outputs).length) await writeOutputs(workspace, unit, outputs);
    results.push({ ...base, differences, unexpected });
  }
  return results;
}

/** Records a unit's planned output values in its state, as an apply of its empty plan would. */
async function writeOutputs(workspace: Workspace, unit: UnitFolder, outputs: Readonly<Record<string, { value?: unknown; type?: unknown; sensitive?: boolean }>>): Promise<void> {
  const { state } = await workspace.pull(unit);
  if (!state) throw new MigrationError(`${unit.stack}: its state vanished after the push. Restore as described below.`);
  const known: Record<string, StateOutput> = {};
  for (const [name, output] of Object.entries(outputs)) {
    if (output.value === undefined || output.type === undefined) continue;
    known[name] = { value: output.value, type: output.type, ...(output.sensitive ? { sensitive: true } : {}) };
  }
  const file = path.join(unit.dir, 'units-migrate-outputs.tfstate');
  writePrivate(file, JSON.stringify({ ...state, serial: state.serial + 1, outputs: known }));
  try {
    const result = await workspace.run(unit, ['state', 'push', file]);
    if (result.code !== 0) throw new MigrationError(`${unit.stack}: writing its outputs into its state failed: ${terraformError(result)}.`);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

export function report(result: MigrationResult): string {
  const lines = [`backup of the workload state: ${result.backup} (mode 0600; it may hold secrets: keep it off shared disks)`];
  if (result.legacyDifferences.length) lines.push(`the workload plan showed ${result.legacyDifferences.length} difference(s) (accepted as the emulator's own)`);
  if (result.droppedData.length) lines.push(`data sources no unit reads (not moved; they own no object): ${result.droppedData.join(', ')}`);
  for (const unit of result.units) {
    if (unit.notPlanned) lines.push(`${unit.stack}: ${unit.moved} resources moved; NOT PLANNED: ${unit.notPlanned}`);
    else if (unit.unexpected?.length) lines.push(`${unit.stack}: ${unit.moved} resources moved; plan shows ${unit.unexpected.length} difference(s): ${describe(unit.unexpected)}`);
    else {
      const own = unit.differences ?? [];
      const plan = own.length ? `only the workload plan's own ${own.length} difference(s), per address: ${describe(own, own.length)}` : 'no changes';
      lines.push(`${unit.stack}: ${unit.moved} resources moved; plan: ${plan}`);
    }
  }
  return lines.join('\n');
}

export async function main(args: readonly string[]): Promise<number> {
  const endpoint = optionValue(args, '--endpoint', USAGE);
  const acceptDifferences = args.includes('--accept-emulator-differences');
  const positional = args.filter((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--endpoint');
  if (positional.length !== 1) throw new MigrationError(`units:migrate takes one account name, got ${positional.length ? positional.join(' ') : 'none'}.\n${USAGE}`);
  if (acceptDifferences && !endpoint) {
    throw new MigrationError('--accept-emulator-differences is only for an emulator run (with --endpoint): against AWS the workload plan must be empty. Nothing was changed.');
  }
  const accounts = loadEnvironments();
  const account = accounts.find((candidate) => candidate.name === positional[0]);
  if (!account) throw new MigrationError(`There is no account '${positional[0]}' (environments/accounts/*.ts); the accounts are: ${accounts.map((a) => a.name).join(', ')}.`);
  let access: TerraformAccess;
  try {
    access = endpoint ? emulatorAccess(endpoint) : awsAccess();
  } catch (error) {
    throw new MigrationError(`${(error as Error).message}. Nothing was changed.`);
  }
  const say = (message: string) => console.error(`units:migrate: ${message}`);
  // The third lock on the account door, before anything is read: the credentials must be the account's.
  const sts = new STSClient({ region: account.region, ...(endpoint ? { endpoint } : {}) });
  const check = await checkAccount({ stack: account.name, account, stateBucket: stateBucketName(account) }, sts, 'units:migrate');
  if (!check.ok) throw new MigrationError(`${check.message} Nothing was changed.`);
  say(check.message);
  const outdir = path.join(cacheDir(), 'units-migrate', account.name, 'stacks');
  say(`synthesizing ${account.name}'s workload stack and its units into ${outdir}`);
  const stacks = await synthesizeMigrationStacks(account, outdir);
  const result = await migrate(stacks, { access, acceptLegacyDifferences: acceptDifferences, say });
  console.log(report(result));
  if (result.ok) {
    console.log(`${account.name}: the workload state is split into ${result.units.length} units and every unit plans clean. The old state is unchanged; delete it once the units are applied from CI.`);
    return 0;
  }
  console.error(
    `${account.name}: the unit states are pushed, but the units above do not plan clean. Before any apply: fix the code until they do, or restore: ` +
      `delete the unit states (${result.units.map((u) => u.key).join(', ')}); the workload state ${bucketUrl(account, 'main')} is unchanged and its backup is ${result.backup}.`,
  );
  return 1;
}

if (require.main === module) {
  answerHelp(USAGE);
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      // Our refusals, a missing login and a bad account file each say what to do already.
      const explained = error instanceof MigrationError || error instanceof NoCredentialsError || error instanceof ConfigError;
      console.error(explained ? error.message : `units:migrate failed: ${error.message}. Nothing was pushed unless a line above says so.`);
      process.exit(1);
    },
  );
}
