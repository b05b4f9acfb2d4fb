/**
 * The units of an account: Terragrunt's one state per unit, in cdktf. Each workload unit is its
 * own stack `<account>-<unit>` with its own state key `<account>/<region>/<unit>/terraform.tfstate`,
 * beside the account's `<account>-bootstrap`. A unit depends on the units whose resources it
 * references; the graph is planned and applied dependencies first, destroyed in reverse.
 *
 * This file is the one place that names the units and their edges; the stacks build them, the
 * tools order them. It imports nothing, so configuration, stacks and tools can all read it.
 */

export const WORKLOAD_UNITS = ['foundation', 'network', 'data', 'app', 'edge', 'observability'] as const;
export type WorkloadUnit = (typeof WORKLOAD_UNITS)[number];
/** Every stack of an account is one unit: the CI identity (bootstrap) and the workload units. */
export type UnitName = WorkloadUnit | 'bootstrap';

/** Which units each unit reads values from (it must be applied after them). */
export const UNIT_DEPENDENCIES: Readonly<Record<WorkloadUnit, readonly WorkloadUnit[]>> = {
  foundation: [],
  network: ['foundation'],
  data: ['foundation', 'network'],
  app: ['foundation', 'network', 'data'],
  edge: ['foundation', 'app'],
  observability: ['foundation', 'data', 'app', 'edge'],
};

/** The stack (and synthesized folder) of one unit of one account. */
export function unitStackName(account: string, unit: UnitName): string {
  return `${account}-${unit}`;
}

/**
 * The unit of state the workload was before units: one stack named after the account, key
 * <account>/<region>/main/terraform.tfstate (stacks/workload.ts LegacyWorkloadStack, units:migrate).
 */
export const LEGACY_UNIT = 'main';

/** Terragrunt-style state key: <account>/<region>/<unit>/terraform.tfstate. */
export function stateKey(config: { readonly name: string; readonly region: string }, unit: string): string {
  return `${config.name}/${config.region}/${unit}/terraform.tfstate`;
}

/** A cycle in a unit graph: the units on it, in order. */
export class UnitCycleError extends Error {
  constructor(readonly cycle: readonly string[]) {
    super(`the unit dependencies form a cycle: ${cycle.join(' -> ')}`);
    this.name = 'UnitCycleError';
  }
}

/**
 * The units in dependency layers: every unit of a layer depends only on units of earlier layers,
 * so a layer's units may run in parallel. Only edges between the given units count (a disabled
 * unit is left out by the caller). Throws UnitCycleError when the graph has a cycle.
 */
export function unitLayers<U extends string>(units: readonly U[], dependencies: Readonly<Record<U, readonly U[]>>): U[][] {
  const remaining = new Set(units);
  const layers: U[][] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter((unit) => (dependencies[unit] ?? []).every((dep) => !remaining.has(dep)));
    if (ready.length === 0) throw new UnitCycleError(findCycle([...remaining], dependencies));
    layers.push(units.filter((unit) => ready.includes(unit)));
    for (const unit of ready) remaining.delete(unit);
  }
  return layers;
}

/** The units in one dependency order (layers flattened). */
export function unitOrder<U extends string>(units: readonly U[], dependencies: Readonly<Record<U, readonly U[]>>): U[] {
  return unitLayers(units, dependencies).flat();
}

/** The given units plus every unit that depends on one of them, directly or not, in dependency order. */
export function withDependents<U extends string>(changed: readonly U[], units: readonly U[], dependencies: Readonly<Record<U, readonly U[]>>): U[] {
  const selected = new Set(changed.filter((unit) => units.includes(unit)));
  let grew = true;
  while (grew) {
    grew = false;
    for (const unit of units) {
      if (!selected.has(unit) && (dependencies[unit] ?? []).some((dep) => selected.has(dep))) {
        selected.add(unit);
        grew = true;
      }
    }
  }
  return unitOrder(units, dependencies).filter((unit) => selected.has(unit));
}

function findCycle<U extends string>(units: readonly U[], dependencies: Readonly<Record<U, readonly U[]>>): U[] {
  // Every unit left has a dependency left, so walking dependencies from any of them must revisit one.
  const path: U[] = [];
  let unit = units[0];
  while (!path.includes(unit)) {
    path.push(unit);
    unit = (dependencies[unit] ?? []).find((dep) => units.includes(dep))!;
  }
  return [...path.slice(path.indexOf(unit)), unit];
}
