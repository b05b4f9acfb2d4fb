import { App } from 'cdktf';
import type { AccountConfig } from '../environments/schema';
import { BootstrapStack } from './bootstrap-stack';
import { MainStack } from './main-stack';

/** Stack names per account: `<account>` (the workload) and `<account>-bootstrap` (CI identity). */
export function stackNames(config: Pick<AccountConfig, 'name'>): { main: string; bootstrap: string } {
  return { main: config.name, bootstrap: `${config.name}-bootstrap` };
}

/** Adds every account's stacks to the app. */
export function buildStacks(app: App, accounts: readonly AccountConfig[]): void {
  for (const config of accounts) {
    const names = stackNames(config);
    new BootstrapStack(app, names.bootstrap, { config });
    new MainStack(app, names.main, { config });
  }
}
