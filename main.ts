// First: turns source maps off before the other modules load (see the file).
import './stacks/source-maps-off';
import { loadEnvironments } from './environments/load';
import { configWarnings } from './environments/warnings';
import { buildStacks } from './stacks/app';
import { synthesizeAtomicallyAsync } from './stacks/synthesize';
import { describeSynthFailure } from './stacks/synth-failure';
import { buildArtifacts } from './build/build-artifacts';
import { answerHelp } from './build/cli-help';

/**
 * The cdktf app: load and validate every account first (nothing is written when the
 * configuration is wrong), then synthesize all stacks and publish them in one step.
 * `cdktf synth` passes the output folder in CDKTF_OUTDIR; run directly it is ./cdktf.out.
 */
async function main(): Promise<void> {
  const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  const accounts = loadEnvironments();
  // Not errors: the stacks are valid, but a person should see these before an apply.
  for (const warning of accounts.flatMap(configWarnings)) console.warn(`WARNING: ${warning}`);
  // Function and layer zips first (a no-op when nothing changed): the stacks reference them.
  await buildArtifacts();
  const stacks = await synthesizeAtomicallyAsync(outdir, (app) => buildStacks(app, accounts));
  console.log(`Synthesized ${stacks.length} stacks into ${outdir}: ${stacks.join(', ')}`);
}

answerHelp('Usage: npm run synth   (no arguments: validates every account and the function catalogue, builds the function zips, then writes every stack to cdktf.out or $CDKTF_OUTDIR; nothing is written when anything is invalid)');
main().catch((error: unknown) => {
  console.error(describeSynthFailure(error));
  process.exit(1);
});
