import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../../environments/load';
import type { AccountConfig } from '../../environments/schema';
import { buildStacks, stackNames } from '../../stacks/app';
import { synthesizeAtomically } from '../../stacks/synthesize';
import { accountModel, outdirModels, type StackModel } from '../../scripts/lib/iam/model';

export interface AccountUnderTest {
  readonly config: AccountConfig;
  /** The account's workload and bootstrap stacks as one IAM model. */
  readonly model: StackModel;
  readonly main: StackModel;
  readonly bootstrap: StackModel;
}

/**
 * Synthesizes the real app once (in-process, into a temp folder that is removed again) and
 * returns every account's IAM model: what CI would apply, not a copy of it.
 */
export function synthesizedAccounts(): AccountUnderTest[] {
  const accounts = loadEnvironments({ overrides: {} });
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-synth-'));
  try {
    synthesizeAtomically(path.join(outdir, 'out'), (app) => buildStacks(app, accounts));
    const models = outdirModels(path.join(outdir, 'out'));
    return accounts.map((config) => {
      const names = stackNames(config);
      const main = models.get(names.main)!;
      const bootstrap = models.get(names.bootstrap)!;
      return { config, main, bootstrap, model: accountModel(names.main, [main, bootstrap]) };
    });
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
