import { Testing } from 'cdktf';
import { stateKey } from '../../stacks/account-stack';
import { accountStacks } from '../../stacks/app';
import { LegacyWorkloadStack } from '../../stacks/workload';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UNIT_DEPENDENCIES, unitOrder, unitStackName, WORKLOAD_UNITS, type WorkloadUnit } from '../../environments/units';
import { realAccounts } from '../helpers/accounts';
import { readStack, sharedSynth } from '../helpers/terraform';

// Issue 23 item 1: each account's workload is split into unit stacks without renaming a resource.
const accounts = realAccounts();
const outdir = sharedSynth();

/** Every resource address (type.name) of a synthesized stack. */
function addresses(json: Record<string, any>): string[] {
  return Object.entries<Record<string, unknown>>(json.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
}

describe.each(accounts.map((account) => [account.name, account] as const))('account %s', (name, account) => {
  const units = WORKLOAD_UNITS.filter((unit) => account.units[unit].enabled);

  test("the units' resource addresses together are exactly the one workload stack's, each in one unit only", () => {
    const unitAddresses = units.flatMap((unit) => addresses(readStack(outdir, unitStackName(name, unit))));
    const legacy = addresses(JSON.parse(Testing.synth(new LegacyWorkloadStack(Testing.app(), { config: account }))));
    expect(new Set(unitAddresses).size).toBe(unitAddresses.length);
    expect([...unitAddresses].sort()).toEqual([...legacy].sort());
    // A unit with nothing in it would be a state to lock and plan for no reason.
    for (const unit of units) expect(addresses(readStack(outdir, unitStackName(name, unit))).length).toBeGreaterThan(0);
  });

  test('the app has the bootstrap stack and one stack per enabled unit, each with its own state key', () => {
    expect(accountStacks(account).map(({ stack }) => stack)).toEqual([unitStackName(name, 'bootstrap'), ...accountStacks(account).slice(1).map(({ unit }) => unitStackName(name, unit))]);
    expect(accountStacks(account).slice(1).map(({ unit }) => unit).sort()).toEqual([...units].sort());
    for (const { stack, unit } of accountStacks(account)) expect(readStack(outdir, stack).terraform.backend.s3.key).toBe(stateKey(account, unit));
  });
});

/**
 * The only values a unit may read from another unit's state: ones AWS generates when it creates
 * the resource (ids, endpoints, key ARNs, ARNs with a random suffix). Names, and ARNs built from
 * names, are passed as names (constructs/cross-stack.ts), so a unit never waits on remote state
 * for what the account file already says.
 */
const GENERATED: Readonly<Record<string, string>> = {
  'aws_kms_key.arn': 'key id (a UUID) chosen by KMS',
  'aws_subnet.id': 'subnet-... chosen by EC2',
  'aws_security_group.id': 'sg-... chosen by EC2',
  'aws_db_instance.address': 'endpoint host with a suffix RDS chooses',
  'aws_db_instance.resource_id': 'db-... resource id, what rds-db:connect is scoped to without a proxy',
  'aws_db_instance.master_user_secret[0].secret_arn': 'secret RDS creates, ARN with a random suffix',
  'aws_db_proxy.endpoint': 'proxy endpoint host with a suffix RDS chooses',
  'aws_db_proxy.arn': 'prx-... resource id, what rds-db:connect is scoped to behind the proxy',
  'aws_secretsmanager_secret.arn': 'ARN with the random suffix Secrets Manager appends',
};

/** "type.attribute" of every resource attribute an expression reads ("${aws_x.name.attr}" -> aws_x.attr), locals followed. */
function attributesRead(expression: string, json: Record<string, any>): string[] {
  return [...expression.matchAll(/\b(aws_[a-z0-9_]+)\.[\w-]+\.([\w.[\]]+)|\blocal\.([\w-]+)/g)].flatMap(([, type, attribute, local]) =>
    local ? attributesRead(String(json.locals[local]), json) : [`${type}.${attribute}`],
  );
}

/** What each unit reads from other units' states: [reading unit, producing stack, type.attribute]. */
function remoteReads(name: string, units: readonly WorkloadUnit[]): [WorkloadUnit, string, string][] {
  return units.flatMap((unit) => {
    const text = JSON.stringify(readStack(outdir, unitStackName(name, unit)));
    return [...text.matchAll(/data\.terraform_remote_state\.cross-stack-reference-input-([\w-]+)\.outputs\.([\w-]+)/g)].flatMap(([, producer, output]) => {
      const json = readStack(outdir, producer);
      return attributesRead(String(json.output[output].value), json).map((attribute): [WorkloadUnit, string, string] => [unit, producer, attribute]);
    });
  });
}

describe.each(accounts.map((account) => [account.name, account] as const))('values crossing units in %s', (name, account) => {
  const units = WORKLOAD_UNITS.filter((unit) => account.units[unit].enabled);

  test('only values AWS generates cross units (through remote state); names are passed as names', () => {
    const reads = remoteReads(name, units);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter(([, , attribute]) => !(attribute in GENERATED))).toEqual([]);
  });

  test("cdktf's stack dependencies are exactly UNIT_DEPENDENCIES, and acyclic", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    const dependencies = Object.fromEntries(
      units.map((unit) => [unit, (manifest.stacks[unitStackName(name, unit)].dependencies as string[]).map((stack) => stack.slice(name.length + 1) as WorkloadUnit).sort()]),
    ) as Record<WorkloadUnit, WorkloadUnit[]>;
    expect(dependencies).toEqual(Object.fromEntries(units.map((unit) => [unit, UNIT_DEPENDENCIES[unit].filter((dep) => units.includes(dep)).sort()])));
    expect(unitOrder(units, dependencies)).toHaveLength(units.length);
  });
});
