import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { answerHelp } from '../../build/cli-help';

/**
 * `npm run bench [-- --no-test]`: prints the project's performance figures against its budgets.
 *  - `npm run synth` (all stacks, as a person runs it): wall time and peak memory;
 *  - a trivial one-stack, one-bucket cdktf app run by `node --import tsx` (the floor), measured in
 *    turns with the synth so both see the same machine load, and the ratio (median and best);
 *  - artifact build: cold and warm (no-op) times and zip sizes;
 *  - `npm run diagram -- --check` (synth plus drawing every account's picture): wall time;
 *  - `npm test` (the quick loop) and `npm run test:all` (the whole suite) wall times (skipped
 *    with --no-test);
 *  - the units (tools/dev/bench-units.ts): resources per unit, the synth of every unit against
 *    today's two stacks per account, plan:local of one unit against the whole account
 *    (--units-only prints these alone).
 * Budgets: synth/floor <= 2 (median), synth peak memory <= 400 MB, warm build <= 0.5 s,
 * diagram/synth <= 1.5 (drawing costs little beside the synth it needs), npm test <= 90 s on a quiet
 * 2-core machine. The load average is printed with the figures: on a busy machine the ratio is the
 * figure to trust, the absolute times are not.
 */

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Measure {
  readonly wallMs: number;
  readonly peakMiB: number;
}

/** GNU time measures peak memory; its location is configurable (BENCH_GNU_TIME). */
const GNU_TIME = process.env.BENCH_GNU_TIME ?? '/usr/bin/time';

/** Runs a command under GNU time; peak memory is the largest resident set of the process tree's members. */
function measure(command: string[], env: NodeJS.ProcessEnv = {}): Measure {
  const started = process.hrtime.bigint();
  const result = spawnSync(GNU_TIME, ['-f', '%M', ...command], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed:\n${result.stderr}`);
  const peakKiB = Number(result.stderr.trim().split('\n').pop());
  return { wallMs, peakMiB: peakKiB / 1024 };
}

/** Wall time and CPU time (user + system, all processes): on a shared machine CPU time is the steadier figure. */
function measureCpu(command: string[]): { wallMs: number; cpuMs: number } {
  const started = process.hrtime.bigint();
  const result = spawnSync(GNU_TIME, ['-f', '%U %S', ...command], { cwd: REPO_ROOT, env: process.env, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed:\n${result.stderr}`);
  const [user, system] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { wallMs, cpuMs: (user + system) * 1000 };
}

/** Runs two commands RUNS times in turns (a, b, a, b ...), so both meet the same load. */
function inTurns(a: () => Measure, b: () => Measure): { a: Measure[]; b: Measure[] } {
  const runs = { a: [] as Measure[], b: [] as Measure[] };
  for (let i = 0; i < RUNS; i++) {
    runs.a.push(a());
    runs.b.push(b());
  }
  return runs;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function loadAverage(): string {
  return os.loadavg().map((load) => load.toFixed(1)).join(' ');
}

function best(command: string[], env: NodeJS.ProcessEnv = {}): Measure {
  const runs = Array.from({ length: RUNS }, () => measure(command, env));
  return { wallMs: Math.min(...runs.map((r) => r.wallMs)), peakMiB: Math.max(...runs.map((r) => r.peakMiB)) };
}

const TRIVIAL_APP = `
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
const app = new App();
const stack = new TerraformStack(app, 'trivial');
new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
new S3Bucket(stack, 'bucket', { bucket: 'trivial-bench-bucket' });
app.synth();
`;

function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function main(): Promise<void> {
  if (!fs.existsSync(GNU_TIME)) {
    throw new Error(`GNU time not found at ${GNU_TIME}: install it (Debian package 'time') or point BENCH_GNU_TIME at it`);
  }
  const skipTests = process.argv.includes('--no-test');
  // The units' figures first (issue 23): resources per unit, their synth against two stacks, one unit's plan against the account's.
  const { benchUnits } = await import('./bench-units');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  // The floor app must resolve cdktf from this repository's node_modules, so it lives under .cache.
  const floorDir = path.join(REPO_ROOT, '.cache', 'bench');
  fs.mkdirSync(floorDir, { recursive: true });
  fs.writeFileSync(path.join(floorDir, 'trivial-app.ts'), TRIVIAL_APP);
  const node = [process.execPath, '--import', 'tsx'];

  const { benchBuild } = await import('./bench-build');
  const build = await benchBuild();
  if (process.argv.includes('--units-only')) {
    console.log((await benchUnits()).join('\n'));
    fs.rmSync(scratch, { recursive: true, force: true });
    return;
  }
  const unitLines = await benchUnits();

  const loadBefore = loadAverage();
  const turns = inTurns(
    () => measure(['npm', 'run', '--silent', 'synth'], { CDKTF_OUTDIR: path.join(scratch, 'synth') }),
    () => measure([...node, path.join(floorDir, 'trivial-app.ts')], { CDKTF_OUTDIR: path.join(scratch, 'floor') }),
  );
  const wall = (runs: Measure[]) => runs.map((r) => r.wallMs);
  const synth = { wallMs: median(wall(turns.a)), bestMs: Math.min(...wall(turns.a)), peakMiB: Math.max(...turns.a.map((r) => r.peakMiB)) };
  const floor = { wallMs: median(wall(turns.b)), bestMs: Math.min(...wall(turns.b)), peakMiB: Math.max(...turns.b.map((r) => r.peakMiB)) };
  const ratio = synth.wallMs / floor.wallMs;
  const bestRatio = synth.bestMs / floor.bestMs;
  const diagram = best([...node, 'tools/diagram/diagram.ts', '--check']);
  const diagramRatio = diagram.wallMs / synth.wallMs;

  // One run: the suite is the slowest part here, and its budget is about what it adds to npm test.
  const iamSuite = measureCpu([path.join(REPO_ROOT, 'node_modules', '.bin', 'jest'), '__tests__/iam']);

  const lines = [
    `load average            ${loadBefore} (1, 5, 15 min) at the start`,
    `npm run synth           ${fmt(synth.wallMs)} median, ${fmt(synth.bestMs)} best of ${RUNS}  peak ${synth.peakMiB.toFixed(0)} MiB`,
    `trivial cdktf app       ${fmt(floor.wallMs)} median, ${fmt(floor.bestMs)} best  peak ${floor.peakMiB.toFixed(0)} MiB`,
    `synth / floor ratio     ${ratio.toFixed(2)} median, ${bestRatio.toFixed(2)} best   (budget <= 2)   ${ratio <= 2 ? 'ok' : 'OVER'}`,
    `synth peak memory       ${synth.peakMiB.toFixed(0)} MiB (budget <= 400 MB)   ${synth.peakMiB * 1.048576 <= 400 ? 'ok' : 'OVER'}`,
    `build, cold             ${fmt(build.coldMs)}`,
    `build, warm (no-op)     ${build.warmMs.toFixed(1)} ms   (budget <= 0.5 s)   ${build.warmMs <= 500 ? 'ok' : 'OVER'}`,
    `diagram --check         ${fmt(diagram.wallMs)}  diagram / synth ${diagramRatio.toFixed(2)} (budget <= 1.5)   ${diagramRatio <= 1.5 ? 'ok' : 'OVER'}`,
    `IAM simulation suite    ${fmt(iamSuite.wallMs)} wall, ${fmt(iamSuite.cpuMs)} CPU   (budget <= 15 s)   ${iamSuite.wallMs <= 15_000 ? 'ok' : 'OVER'}`,
    ...build.zips.map((zip) => `  zip ${zip.name.padEnd(34)} ${(zip.bytes / 1024).toFixed(1)} KiB`),
    ...unitLines,
  ];
  if (!skipTests) {
    // The quick loop has the budget; the whole suite (CI's) is reported beside it.
    for (const [label, args, budgetMs] of [
      ['npm test', ['test'], 90_000],
      ['npm run test:all', ['run', 'test:all'], undefined],
    ] as const) {
      const started = Date.now();
      const loadAtStart = loadAverage();
      const tests = spawnSync('npm', args, { cwd: REPO_ROOT, stdio: 'ignore' });
      const testMs = Date.now() - started;
      const budget = budgetMs === undefined ? '(no budget: the whole suite, as CI runs it)' : `(budget <= ${budgetMs / 1000} s on a quiet machine)`;
      const verdict = tests.status !== 0 ? 'FAILED' : budgetMs === undefined ? '' : testMs <= budgetMs ? 'ok' : 'OVER';
      lines.push(`${label.padEnd(24)}${fmt(testMs)}   ${budget}   ${verdict}   load ${loadAtStart} -> ${loadAverage()}`);
    }
  }
  console.log(lines.join('\n'));
  fs.rmSync(scratch, { recursive: true, force: true });
}

answerHelp('Usage: npm run bench [-- --no-test] [-- --units-only]   (performance figures against the budgets; --no-test skips timing npm test and test:all; --units-only prints only the units figures: resources per unit, the synth of every unit against two stacks per account, plan:local of one unit against the whole account; BENCH_RUNS, BENCH_GNU_TIME)');
main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
