import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { loadEnvironments } from '../../environments/load';
import { accountStacks, buildStacks } from '../../stacks/app';
import { checkStack, formatReport } from '../../rules/engine';

let outdir: string;
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-accounts-'));
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/**
 * Every stack of every account, built in memory (nothing is written) and prepared as cdktf does
 * before writing them: references between units become remote state reads then.
 */
function builtStacks(): TerraformStack[] {
  const app = new App({ outdir, skipValidation: true });
  buildStacks(app, loadEnvironments());
  const stacks = app.node.children.filter(TerraformStack.isStack);
  for (const stack of stacks) stack.prepareStack();
  return stacks;
}

describe('the accounts under the rules', () => {
  const stacks = builtStacks();
  const reports = stacks.map((stack) => checkStack(stack));

  it('covers every unit and the bootstrap stack of every account', () => {
    expect(stacks.map((stack) => stack.node.id).sort()).toEqual(loadEnvironments().flatMap((a) => accountStacks(a).map(({ stack }) => stack)).sort());
  });

  it.each(stacks.map((stack, index) => [stack.node.id, index] as const))('%s has no unsuppressed violation and no unused suppression', (_name, index) => {
    expect(formatReport(reports[index])).toEqual([]);
  });

  it('gives the same report, suppressions included, on every build', () => {
    expect(builtStacks().map((stack) => JSON.stringify(checkStack(stack)))).toEqual(reports.map((report) => JSON.stringify(report)));
  });
});
