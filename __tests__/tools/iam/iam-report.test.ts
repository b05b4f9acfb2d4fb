import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildReport } from '../../../tools/iam/iam-report';
import { accountStacks } from '../../../stacks/app';
import { realAccounts } from '../../helpers/accounts';
import { sharedSynth } from '../../helpers/terraform';
import { tempDir } from '../../helpers/temp';

// A pull request's plan job runs main's `npm run iam:report -- --outdir` on the change's
// synthesized stacks (.github/workflows/plan.yml): main's account files, the change's stacks.
const accounts = realAccounts();

/** The run's synthesized stacks without the given accounts' stacks, as a change removing them would synthesize. */
function outdirWithout(removed: readonly string[]): string {
  const outdir = tempDir('iam-report-out-');
  fs.cpSync(sharedSynth(), outdir, { recursive: true });
  for (const account of accounts.filter((a) => removed.includes(a.name))) {
    for (const { stack } of accountStacks(account)) fs.rmSync(path.join(outdir, 'stacks', stack), { recursive: true, force: true });
  }
  return outdir;
}

test('a change that removes an account: the report covers the remaining accounts instead of failing the plan', async () => {
  const [removed, ...kept] = accounts;
  const report = await buildReport(outdirWithout([removed.name]));
  expect(report.accounts.map((a) => a.account)).toEqual(kept.map((a) => a.name));
}, 120_000);

test('an outdir with no account stacks at all is refused, naming it and the fix', async () => {
  const outdir = outdirWithout(accounts.map((a) => a.name));
  await expect(buildReport(outdir)).rejects.toThrow(`${outdir}: no synthesized stacks of any account (${accounts.map((a) => a.name).join(', ')}); run npm run synth first or omit --outdir`);
});
