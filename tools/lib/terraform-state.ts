import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Terraform state files (format version 4, what `terraform state pull` prints) and the resource
 * addresses of synthesized stacks, as the units migration reads them.
 * https://developer.hashicorp.com/terraform/cli/commands/state/pull
 */

export interface StateResource {
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly module?: string;
  readonly provider: string;
  readonly instances: readonly unknown[];
}

export interface StateOutput {
  readonly value: unknown;
  readonly type: unknown;
  readonly sensitive?: boolean;
}

export interface StateFile {
  readonly version: number;
  readonly terraform_version: string;
  readonly serial: number;
  readonly lineage: string;
  readonly outputs: Readonly<Record<string, StateOutput>>;
  readonly resources: readonly StateResource[];
  readonly check_results?: unknown;
}

/** A state Terraform cannot read as version 4, named with where it came from. */
export class StateFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFormatError';
  }
}

/** Parses `terraform state pull` output; an empty answer (no state at that key yet) is undefined. */
export function parseState(text: string, source: string): StateFile | undefined {
  if (text.trim() === '') return undefined;
  let state: StateFile;
  try {
    state = JSON.parse(text) as StateFile;
  } catch {
    throw new StateFormatError(`${source} is not JSON; it is not a Terraform state`);
  }
  if (state.version !== 4 || !Array.isArray(state.resources)) {
    throw new StateFormatError(`${source} is a state of format version ${String(state.version)}; this command reads version 4 (Terraform 0.12 and newer)`);
  }
  return state;
}

/** The address `terraform state list` prints for a resource of a state (without instance keys). */
export function resourceAddress(resource: Pick<StateResource, 'mode' | 'type' | 'name' | 'module'>): string {
  const local = `${resource.mode === 'data' ? 'data.' : ''}${resource.type}.${resource.name}`;
  return resource.module ? `${resource.module}.${local}` : local;
}

/** The managed resources and data sources a synthesized stack (cdk.tf.json) declares, by address. */
export interface StackAddresses {
  readonly managed: readonly string[];
  readonly data: readonly string[];
}

export function stackAddresses(stackDir: string): StackAddresses {
  const file = path.join(stackDir, 'cdk.tf.json');
  const stack = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    resource?: Record<string, Record<string, unknown>>;
    data?: Record<string, Record<string, unknown>>;
  };
  const addresses = (blocks: Record<string, Record<string, unknown>> | undefined, prefix: string) =>
    Object.entries(blocks ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${prefix}${type}.${name}`));
  return { managed: addresses(stack.resource, ''), data: addresses(stack.data, 'data.') };
}

/** Where each address of the old state goes, and what cannot be placed. */
export interface Ownership<U extends string> {
  /** Address of the old state -> the unit that now declares it. */
  readonly owner: ReadonlyMap<string, U>;
  /** Managed resources of the old state no unit declares: moving on would destroy them. */
  readonly unowned: readonly string[];
  /** Data sources of the old state no unit reads: nothing to move (a data source owns no object). */
  readonly droppedData: readonly string[];
  /** Managed resources two or more units declare: two states would manage one object (a data source may be read by many). */
  readonly duplicates: ReadonlyArray<{ readonly address: string; readonly units: readonly U[] }>;
  /** Managed resources a unit declares that the old state does not hold: the unit's plan would create them. */
  readonly notInState: ReadonlyArray<{ readonly address: string; readonly unit: U }>;
}

/**
 * Assigns every resource of the old state to the unit whose synthesized stack declares the same
 * address. Construct ids do not include the stack, so a resource keeps its address when it moves
 * to a unit; an address no unit declares is reported, never guessed.
 */
export function assignOwners<U extends string>(state: StateFile, units: ReadonlyArray<{ readonly unit: U; readonly addresses: StackAddresses }>): Ownership<U> {
  const declaredBy = new Map<string, U[]>();
  for (const { unit, addresses } of units) {
    for (const address of [...addresses.managed, ...addresses.data]) declaredBy.set(address, [...(declaredBy.get(address) ?? []), unit]);
  }
  const owner = new Map<string, U>();
  const unowned: string[] = [];
  const droppedData: string[] = [];
  const inState = new Set<string>();
  for (const resource of state.resources) {
    const address = resourceAddress(resource);
    inState.add(address);
    const units = declaredBy.get(address);
    if (units?.length) owner.set(address, units[0]);
    else if (resource.mode === 'data') droppedData.push(address);
    else unowned.push(address);
  }
  const duplicates = [...declaredBy.entries()].filter(([address, by]) => by.length > 1 && !address.startsWith('data.')).map(([address, by]) => ({ address, units: by }));
  const notInState = units.flatMap(({ unit, addresses }) => addresses.managed.filter((address) => !inState.has(address)).map((address) => ({ address, unit })));
  return { owner, unowned, droppedData, duplicates, notInState };
}
