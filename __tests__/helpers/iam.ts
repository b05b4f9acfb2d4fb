import { loadEnvironments } from '../../environments/load';
import type { AccountConfig } from '../../environments/schema';
import { accountStacks } from '../../stacks/app';
import { accountModel, outdirModels, type StackModel } from '../../iam/model';
import { sharedSynth } from './terraform';

export interface AccountUnderTest {
  readonly config: AccountConfig;
  /** The account's workload and bootstrap stacks as one IAM model. */
  readonly model: StackModel;
  readonly main: StackModel;
  readonly bootstrap: StackModel;
}

/**
 * Every account's IAM model from the real app's synthesized stacks (the run's shared synth,
 * helpers/terraform.ts): what CI would apply, not a copy of it.
 */
export function synthesizedAccounts(): AccountUnderTest[] {
  const accounts = loadEnvironments({ overrides: {} });
  const models = outdirModels(sharedSynth());
  return accounts.map((config) => {
    const [bootstrapName, ...unitNames] = accountStacks(config).map(({ stack }) => stack);
    const units = unitNames.map((name) => models.get(name)!);
    // The workload is every unit's stack together.
    const main = accountModel(config.name, units);
    const bootstrap = models.get(bootstrapName)!;
    return { config, main, bootstrap, model: accountModel(config.name, [...units, bootstrap]) };
  });
}
