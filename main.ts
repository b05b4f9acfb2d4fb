import { ConfigError, loadEnvironments } from './environments/load';
import { configWarnings } from './environments/warnings';
import { SecurityRulesError } from './constructs/rules/engine';
import { buildStacks } from './stacks/app';
import { synthesizeAtomically } from './stacks/synthesize';
import { buildArtifacts } from './scripts/build-artifacts';
import { FunctionSourceError } from './scripts/lib/function-sources';

// tsx turns on source-mapped stack traces. cdktf captures a full stack trace for every token it
// creates (thousands per synth), and mapping each one through the source maps was about a fifth
// of synth time in a CPU profile. They are off while the stacks are built and back on before an
// unexpected error's stack is printed (V8 formats a stack when it is first read).
process.setSourceMapsEnabled(false);

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
  const stacks = synthesizeAtomically(outdir, (app) => buildStacks(app, accounts));
  console.log(`Synthesized ${stacks.length} stacks into ${outdir}: ${stacks.join(', ')}`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof SecurityRulesError || error instanceof FunctionSourceError) {
    console.error(error.message);
    console.error('Nothing was written; the previous synthesized output is unchanged.');
  } else {
    process.setSourceMapsEnabled(true);
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exit(1);
});
