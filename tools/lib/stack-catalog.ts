import type { AccountConfig } from '../../environments/schema';
import { loadEnvironments, stateBucketName } from '../../environments/load';
import { UNIT_DEPENDENCIES, unitOrder, unitStackName, type UnitName, WORKLOAD_UNITS, type WorkloadUnit } from '../../environments/units';

/** What the operational scripts need to know about a stack: its account and state bucket. */
export interface StackTarget {
  readonly stack: string;
  readonly account: AccountConfig;
  readonly stateBucket: string;
}

/** One unit of an account as the tools run it: its stack, the units it reads from, and its policy. */
export interface UnitTarget extends StackTarget {
  readonly unit: UnitName;
  /** The enabled units it reads outputs from (environments/units.ts); none for bootstrap. */
  readonly dependsOn: readonly WorkloadUnit[];
  /** config.units.<unit>.requireApproval (never for bootstrap, which CI does not apply). */
  readonly requireApproval: boolean;
}

/** The account's enabled workload units in dependency order. */
export function enabledUnits(account: Pick<AccountConfig, 'units'>): WorkloadUnit[] {
  const enabled = WORKLOAD_UNITS.filter((unit) => account.units[unit].enabled);
  return unitOrder(enabled, UNIT_DEPENDENCIES);
}

/** Every stack of one account: `<account>-bootstrap`, then its enabled units in dependency order. */
export function accountUnitTargets(account: AccountConfig): UnitTarget[] {
  const stateBucket = stateBucketName(account);
  return [
    { unit: 'bootstrap' as const, stack: unitStackName(account.name, 'bootstrap'), account, stateBucket, dependsOn: [], requireApproval: false },
    ...enabledUnits(account).map((unit) => ({
      unit,
      stack: unitStackName(account.name, unit),
      account,
      stateBucket,
      dependsOn: UNIT_DEPENDENCIES[unit],
      requireApproval: account.units[unit].requireApproval,
    })),
  ];
}

/** Every stack of every account, account by account, each in dependency order. */
export function allStackTargets(accounts: readonly AccountConfig[] = loadEnvironments()): UnitTarget[] {
  return accounts.flatMap(accountUnitTargets);
}

/** Resolves stack names given on a command line; an unknown name is an error listing the known ones. */
export function resolveStackTargets(requested: readonly string[], accounts?: readonly AccountConfig[]): UnitTarget[] {
  const all = allStackTargets(accounts);
  if (requested.length === 0) return all;
  const unknown = requested.filter((name) => !all.some((t) => t.stack === name));
  if (unknown.length) {
    throw new Error(`Unknown stack ${unknown.map((n) => `'${n}'`).join(', ')}; the stacks are: ${all.map((t) => t.stack).join(', ')}`);
  }
  return requested.map((name) => all.find((t) => t.stack === name)!);
}
