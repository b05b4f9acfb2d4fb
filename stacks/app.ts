import { App } from 'cdktf';
import type { AccountConfig } from '../environments/schema';
import { UNIT_DEPENDENCIES, type UnitName, unitOrder, unitStackName, WORKLOAD_UNITS } from '../environments/units';
import { BootstrapStack } from './bootstrap-stack';
import { addWorkloadUnits } from './workload';

/** One stack of an account: the unit it holds and its name (its folder under cdktf.out/stacks). */
export interface AccountStackName {
  readonly unit: UnitName;
  readonly stack: string;
}

/**
 * Every stack of an account in dependency order: `<account>-bootstrap` (the CI identity) first,
 * then `<account>-<unit>` for each enabled workload unit, each after the units it depends on.
 * Destroy in the reverse order.
 */
export function accountStacks(config: Pick<AccountConfig, 'name' | 'units'>): AccountStackName[] {
  const enabled = WORKLOAD_UNITS.filter((unit) => config.units[unit].enabled);
  return [
    { unit: 'bootstrap', stack: unitStackName(config.name, 'bootstrap') },
    ...unitOrder(enabled, UNIT_DEPENDENCIES).map((unit) => ({ unit, stack: unitStackName(config.name, unit) })),
  ];
}

/** Adds every account's stacks to the app. */
export function buildStacks(app: App, accounts: readonly AccountConfig[]): void {
  for (const config of accounts) {
    new BootstrapStack(app, unitStackName(config.name, 'bootstrap'), { config });
    addWorkloadUnits(app, { config });
  }
}
