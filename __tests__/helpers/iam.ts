import { loadEnvironments } from '../../environments/load';
import type { AccountConfig } from '../../environments/schema';
import { accountStacks } from '../../stacks/app';
import { readWorkload, sharedSynth } from './terraform';
import { accountModel, customerManagedPolicies, outdirModels, stackModel, type StackModel } from '../../iam/model';

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
    const [{ stack: bootstrapName }] = accountStacks(config);
    const bootstrap = models.get(bootstrapName)!;
    // The workload is every unit's stack together, each value read through remote state put back
    // as what the other unit outputs (helpers/terraform.ts readWorkload).
    const workload = readWorkload(sharedSynth(), config);
    const main = stackModel(config.name, workload, customerManagedPolicies([workload, bootstrap.json]));
    return { config, main, bootstrap, model: accountModel(config.name, [main, bootstrap]) };
  });
}
