import { loadEnvironments } from '../../environments/load';
import { BootstrapStack } from '../../stacks/bootstrap-stack';
import { synthesizeAtomically } from '../../stacks/synthesize';
import { LegacyWorkloadStack } from '../../stacks/workload';

/**
 * `node --import tsx tools/dev/legacy-synth.ts <outdir>`: today's two stacks per account (bootstrap
 * and the legacy one-state workload), for the bench's comparison with the units (tools/dev/bench-units.ts).
 * Its own small entry point, so the comparison loads what an app loads and nothing of the bench.
 */
const [outdir] = process.argv.slice(2);
if (!outdir) {
  console.error('Usage: node --import tsx tools/dev/legacy-synth.ts <outdir>');
  process.exit(2);
}
synthesizeAtomically(outdir, (app) => {
  for (const config of loadEnvironments()) {
    new BootstrapStack(app, `${config.name}-bootstrap`, { config });
    new LegacyWorkloadStack(app, { config });
  }
});
