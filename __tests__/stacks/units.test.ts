import { Testing } from 'cdktf';
import { stateKey } from '../../stacks/account-stack';
import { accountStacks } from '../../stacks/app';
import { LegacyWorkloadStack } from '../../stacks/workload';
import { unitStackName, WORKLOAD_UNITS } from '../../environments/units';
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
