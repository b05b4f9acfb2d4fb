import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadEnvironments } from '../../environments/load';
import { iamDataVersion } from '../../iam/iam-reference';
import { accountStacks, buildStacks } from '../../stacks/app';
import { synthesizeAtomically } from '../../stacks/synthesize';
import { buildArtifacts } from '../../build/build-artifacts';
import { accountModel, outdirModels } from '../../iam/model';
import { accountReport, type IamReport, renderReport } from './report';
import { optionValue } from '../lib/cli-options';
import { answerHelp } from '../../build/cli-help';

const USAGE = `Usage: npm run iam:report -- [--outdir <synthesized cdktf.out>] [--json] [--output <file>]
Prints, per account and principal, what it may do on which resources (by service) and the
escalation checks on the apply role. Without --outdir the app is synthesized into a temp folder.
--json writes the machine-readable report that tools/ci/plan-summary.ts compares (--iam-base/--iam-head).
Exits 1 when an escalation check is allowed.`;


/** The report of every account of an outdir (synthesized here when none is given). */
export async function buildReport(outdir?: string): Promise<IamReport> {
  const accounts = loadEnvironments();
  let scratch: string | undefined;
  try {
    if (!outdir) {
      await buildArtifacts();
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-report-'));
      outdir = path.join(scratch, 'out');
      synthesizeAtomically(outdir, (app) => buildStacks(app, accounts));
    }
    const models = outdirModels(outdir);
    const synthesized = accounts
      .map((config) => ({ config, stacks: accountStacks(config).map(({ stack }) => models.get(stack)).filter((m) => m !== undefined) }));
    // A pull request's plan runs main's report tool on the change's synthesized stacks
    // (.github/workflows/plan.yml): an account the change removes has no stacks there and grants
    // nothing any more, so it is left out. An outdir with no account's stacks is a mistake.
    if (synthesized.every((account) => account.stacks.length === 0)) {
      throw new Error(`${outdir}: no synthesized stacks of any account (${accounts.map((a) => a.name).join(', ')}); run npm run synth first or omit --outdir`);
    }
    const reports = [];
    for (const { config, stacks } of synthesized.filter((account) => account.stacks.length > 0)) {
      reports.push(await accountReport(config.name, accountModel(config.name, stacks), config.ci));
    }
    return { iamData: iamDataVersion(), accounts: reports };
  } finally {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export async function main(args: readonly string[]): Promise<{ text: string; escalated: boolean }> {
  const report = await buildReport(optionValue(args, '--outdir', USAGE));
  const text = args.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report);
  const output = optionValue(args, '--output', USAGE);
  if (output) fs.writeFileSync(output, text);
  const escalated = report.accounts.some((a) => a.escalations.some((e) => e.decision === 'Allowed'));
  return { text: output ? '' : text, escalated };
}

if (require.main === module) {
  answerHelp(USAGE);
  main(process.argv.slice(2))
    .then(({ text, escalated }) => {
      process.stdout.write(text);
      if (escalated) {
        console.error('An escalation check is ALLOWED (see the report): the apply role can step past its fence.');
        process.exit(1);
      }
    })
    .catch((error: unknown) => {
      console.error(error instanceof ConfigError || error instanceof Error ? error.message : String(error));
      process.exit(1);
    });
}
