import type { AccountConfig } from '../../environments/schema';
import { loadEnvironments, stateBucketName } from '../../environments/load';
import { accountStacks } from '../../stacks/app';

/** What the operational scripts need to know about a stack: its account and state bucket. */
export interface StackTarget {
  readonly stack: string;
  readonly account: AccountConfig;
  readonly stateBucket: string;
}

/** Every stack of every account, each account's in dependency order. */
export function allStackTargets(accounts: readonly AccountConfig[] = loadEnvironments()): StackTarget[] {
  return accounts.flatMap((account) => accountStacks(account).map(({ stack }) => ({ stack, account, stateBucket: stateBucketName(account) })));
}

/** Resolves stack names given on a command line; an unknown name is an error listing the known ones. */
export function resolveStackTargets(requested: readonly string[], accounts?: readonly AccountConfig[]): StackTarget[] {
  const all = allStackTargets(accounts);
  if (requested.length === 0) return all;
  const unknown = requested.filter((name) => !all.some((t) => t.stack === name));
  if (unknown.length) {
    throw new Error(`Unknown stack ${unknown.map((n) => `'${n}'`).join(', ')}; the stacks are: ${all.map((t) => t.stack).join(', ')}`);
  }
  return requested.map((name) => all.find((t) => t.stack === name)!);
}
