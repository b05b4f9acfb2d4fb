import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironments, stateBucketName } from '../../../environments/load';
import { UNIT_DEPENDENCIES, unitOrder, WORKLOAD_UNITS } from '../../../environments/units';
import { startStandIns, type StandIns } from '../../../tools/local-aws/stand-ins';
import { standInAccess, type TerraformAccess } from '../../../tools/lib/terraform-access';
import { terraform } from '../../../tools/lib/terraform-run';
import { stackAddresses } from '../../../tools/lib/terraform-state';
import { terraformEnv } from '../../../tools/lib/terraform-env';
import {
  migrate,
  MigrationError,
  type MigrationStacks,
  prepareMigration,
  splitAndPush,
  type StackFolder,
  synthesizeMigrationStacks,
} from '../../../tools/units/migrate';
import { tempDir } from '../../helpers/temp';

// Issue 23 item 5: the migration on real Terraform state files in a local S3 (s3rver), through
// terraform's own init, state pull/push/list and plan. The fixture is the OLD layout only: one
// workload state holding the legacy stack's addresses; the split is the code's.

const account = loadEnvironments().find((candidate) => candidate.name === 'dev')!;
const enabledUnits = unitOrder(WORKLOAD_UNITS.filter((unit) => account.units[unit].enabled), UNIT_DEPENDENCIES);
let dir: string;
let stacks: MigrationStacks;
let standIns: StandIns;
let access: TerraformAccess;

const AWS_PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]';

/**
 * A state (format 4) of the legacy stack: one instance, with only its id, of every resource it
 * declares (or of those `only` keeps), plus `extra` addresses.
 */
function legacyState(extra: readonly string[] = [], only: (address: string) => boolean = () => true): object {
  const addresses = [...stackAddresses(stacks.legacy.dir).managed.filter(only), ...extra];
  return {
    version: 4,
    terraform_version: '1.11.0',
    serial: 7,
    lineage: '2f3f1c5e-0000-4000-8000-000000000001',
    outputs: {},
    resources: addresses.map((address) => {
      const [type, name] = address.split('.');
      return { mode: 'managed', type, name, provider: AWS_PROVIDER, instances: [{ schema_version: 0, attributes: { id: `fixture-${name}` }, sensitive_attributes: [] }] };
    }),
  };
}

const env = () => ({ ...terraformEnv(), ...access.env });
const tf = (folder: StackFolder, args: string[]) => terraform(args, folder.dir, env());

/** Puts a state at the legacy stack's key, as an account applied before the split has it. */
async function pushLegacy(state: object): Promise<void> {
  const file = path.join(dir, 'fixture.tfstate');
  fs.writeFileSync(file, JSON.stringify(state));
  access.prepare(stacks.legacy.dir);
  fs.copyFileSync(path.join(__dirname, '..', '..', '..', '.terraform.lock.hcl'), path.join(stacks.legacy.dir, '.terraform.lock.hcl'));
  for (const args of [['init', '-input=false', '-no-color', '-reconfigure'], ['state', 'push', '-force', file]]) {
    const result = await tf(stacks.legacy, args);
    if (result.code !== 0) throw new Error(`terraform ${args.join(' ')}: ${result.stderr}`);
  }
  fs.rmSync(file);
}

/** What `terraform state list` prints for a unit's remote state (after `init` by the code under test). */
async function remoteList(folder: StackFolder): Promise<string[]> {
  const pulled = await tf(folder, ['state', 'pull']);
  if (pulled.stdout.trim() === '') return [];
  const listed = await tf(folder, ['state', 'list']);
  return listed.stdout.split('\n').filter(Boolean).sort();
}

beforeAll(async () => {
  dir = tempDir('units-migrate-');
  stacks = await synthesizeMigrationStacks(account, path.join(dir, 'out'));
  standIns = await startStandIns({ accountId: account.accountId, buckets: [stateBucketName(account)] });
  access = standInAccess(standIns);
}, 600_000);

afterAll(async () => {
  await standIns?.close();
});

// A fresh bucket for each test: the stand-ins are restarted so no state of an earlier test remains.
beforeEach(async () => {
  await standIns.close();
  standIns = await startStandIns({ accountId: account.accountId, buckets: [stateBucketName(account)] });
  access = standInAccess(standIns);
});

test('the units of the account are the ones the migration synthesizes, dependencies first', () => {
  expect(stacks.units.map((unit) => unit.unit)).toEqual(enabledUnits);
});

test("the split moves every address of the workload state into the unit that declares it, each unit's state list is its synthesized resources", async () => {
  await pushLegacy(legacyState());
  const stateDir = path.join(dir, 'states');
  const before = JSON.parse((await tf(stacks.legacy, ['state', 'pull'])).stdout) as { resources: unknown[] };
  expect(before.resources).toHaveLength(stackAddresses(stacks.legacy.dir).managed.length);
  const prepared = await prepareMigration(stacks, { access, stateDir });
  const { backup, built } = await splitAndPush(prepared);

  for (const unit of stacks.units) {
    expect({ unit: unit.unit, list: await remoteList(unit) }).toEqual({ unit: unit.unit, list: [...stackAddresses(unit.dir).managed].sort() });
  }
  expect(built.map((unit) => unit.unit)).toEqual(enabledUnits);
  // The backup is the workload state as it was, readable by its owner only; the old key is unchanged.
  const after = JSON.parse((await tf(stacks.legacy, ['state', 'pull'])).stdout) as object;
  expect(JSON.parse(fs.readFileSync(backup, 'utf8'))).toEqual(before);
  expect(after).toEqual(before);
  expect(fs.statSync(backup).mode & 0o777).toBe(0o600);
  expect(path.dirname(backup)).toBe(stateDir);
}, 600_000);

test('an address of the workload state that no unit declares is refused before anything is pushed', async () => {
  await pushLegacy(legacyState(['aws_sqs_queue.Forgotten_Queue_0A1B2C3D']));
  const stateDir = path.join(dir, 'refused-unowned');
  const refusal = migrate(stacks, { access, stateDir });
  await expect(refusal).rejects.toThrow(MigrationError);
  await expect(refusal).rejects.toThrow(/1 resource\(s\) of the workload state .* belong to no unit: aws_sqs_queue\.Forgotten_Queue_0A1B2C3D\. .*Fix: .*Nothing was pushed\./);
  for (const unit of stacks.units) expect({ unit: unit.unit, list: await remoteList(unit) }).toEqual({ unit: unit.unit, list: [] });
  expect(fs.existsSync(stateDir)).toBe(false);
}, 600_000);

test('a workload plan that is not empty is refused, naming the changes and the fix, with nothing pushed', async () => {
  // An account where only the key was applied: the plan creates the rest. (The provider cannot plan
  // some resource types from an id alone, so the state holds the one resource it can.)
  await pushLegacy(legacyState([], (address) => address.startsWith('aws_kms_key.')));
  const stateDir = path.join(dir, 'refused-plan');
  const refusal = migrate(stacks, { access, stateDir });
  await expect(refusal).rejects.toThrow(/the workload stack's plan is not empty: \d+ change\(s\): \[\d+ create.*\] aws_.*Fix: apply the workload .*Nothing was pushed\./);
  for (const unit of stacks.units) expect({ unit: unit.unit, list: await remoteList(unit) }).toEqual({ unit: unit.unit, list: [] });
  expect(fs.existsSync(stateDir)).toBe(false);
}, 900_000);

test('a unit state that already holds resources is refused before anything is pushed', async () => {
  await pushLegacy(legacyState());
  await splitAndPush(await prepareMigration(stacks, { access, stateDir: path.join(dir, 'first') }));
  const again = migrate(stacks, { access, stateDir: path.join(dir, 'second') });
  await expect(again).rejects.toThrow(new RegExp(`unit ${enabledUnits[0]} already has a state with \\d+ resource\\(s\\) at s3://.*Nothing was pushed\\.`));
  expect(fs.existsSync(path.join(dir, 'second'))).toBe(false);
}, 600_000);
