import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { terraformEnv } from '../../scripts/lib/terraform-env';
import { tempDir } from './temp';

const run = promisify(execFile);
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * `terraform validate` in a synthesized stack folder, after `terraform init -backend=false` unless
 * the folder is already initialised (`initialised: true`, e.g. by a plan).
 */
export async function terraformValidate(stackDir: string, { initialised = false } = {}): Promise<void> {
  const env = terraformEnv();
  const options = { cwd: stackDir, env, maxBuffer: 64 * 1024 * 1024 };
  try {
    if (!initialised) await run('terraform', ['init', '-backend=false', '-input=false', '-no-color'], options);
    await run('terraform', ['validate', '-no-color'], options);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`terraform validate failed in ${stackDir}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}

export interface SynthRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real app (`node --import tsx main.ts`, as cdktf.json does) into `outdir` with extra environment. */
export function runApp(outdir: string, env: NodeJS.ProcessEnv = {}): SynthRun {
  // spawnSync keeps stderr on success too (synth prints its warnings there).
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, CDKTF_OUTDIR: outdir },
    stdio: 'pipe',
    encoding: 'utf8',
  });
  return { status: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

let synthesized: string | undefined;

/**
 * Synthesizes every stack (the real app, build included) into a temp outdir once per test file
 * (removed after the file) and returns that outdir; stacks are in <outdir>/stacks/<name>/cdk.tf.json.
 */
export function synthToTempDir(): string {
  if (synthesized) return synthesized;
  const outdir = tempDir('cdktf-out-');
  const result = runApp(outdir);
  if (result.status !== 0) throw new Error(`synth failed (exit ${result.status}):\n${result.stderr}`);
  synthesized = outdir;
  return outdir;
}

/** The synthesized JSON of one stack from an outdir. */
export function readStack(outdir: string, stack: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
}
