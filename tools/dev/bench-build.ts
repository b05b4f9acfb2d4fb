import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildArtifacts } from '../../build/build-artifacts';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const GENERATED = /(^|[\\/])(\.venv|__pycache__|\.pytest_cache)([\\/]|$)/;

function isFileOrFolder(file: string): boolean {
  try {
    const stat = fs.lstatSync(file);
    return stat.isFile() || stat.isDirectory();
  } catch {
    return false;
  }
}

export interface BuildBenchmark {
  /** Every function and layer built from nothing (pip included). */
  readonly coldMs: number;
  /** The same build again with nothing changed (best of three). */
  readonly warmMs: number;
  readonly zips: { readonly name: string; readonly bytes: number }[];
}

/**
 * Times the artifact build in a scratch copy of lambda-functions/, so the repository's own
 * .build (and its cache) is neither used for the cold run nor disturbed.
 */
export async function benchBuild(): Promise<BuildBenchmark> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-build-'));
  try {
    fs.cpSync(path.join(REPO_ROOT, 'lambda-functions'), path.join(root, 'lambda-functions'), {
      recursive: true,
      // Sources only: no virtualenvs or caches, nor sockets a test run may have left behind.
      filter: (from) => !GENERATED.test(path.relative(REPO_ROOT, from)) && isFileOrFolder(from),
    });
    let started = performance.now();
    const manifest = await buildArtifacts({ rootDir: root });
    const coldMs = performance.now() - started;
    let warmMs = Infinity;
    for (let run = 0; run < 3; run++) {
      started = performance.now();
      await buildArtifacts({ rootDir: root });
      warmMs = Math.min(warmMs, performance.now() - started);
    }
    const zips = [
      ...Object.entries(manifest.functions).map(([name, record]) => ({ name, bytes: record.bytes })),
      ...Object.entries(manifest.layers).map(([name, record]) => ({ name: `layer ${name}`, bytes: record.bytes })),
    ];
    return { coldMs, warmMs, zips };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchBuild().then((result) => {
    console.log(`build, cold ${result.coldMs.toFixed(0)} ms; warm (no-op) ${result.warmMs.toFixed(1)} ms`);
    for (const zip of result.zips) console.log(`  ${zip.name.padEnd(34)} ${zip.bytes} bytes`);
  });
}
