import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { terraformEnv } from '../../scripts/lib/terraform-env';

const run = promisify(execFile);
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** `terraform init -backend=false` + `terraform validate` in a synthesized stack folder. */
export async function terraformValidate(stackDir: string): Promise<void> {
  const env = terraformEnv();
  const options = { cwd: stackDir, env, maxBuffer: 64 * 1024 * 1024 };
  try {
    await run('terraform', ['init', '-backend=false', '-input=false', '-no-color'], options);
    await run('terraform', ['validate', '-no-color'], options);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`terraform validate failed in ${stackDir}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

let synthesized: string | undefined;

/**
 * Synthesizes every stack (the real app, build included) into a temp outdir once per test file
 * and returns that outdir; stacks are in <outdir>/stacks/<name>/cdk.tf.json.
 */
export function synthToTempDir(): string {
  if (synthesized) return synthesized;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-out-'));
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  execFileSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    stdio: 'pipe',
  });
  synthesized = outdir;
  return outdir;
}

/** The synthesized JSON of one stack from an outdir. */
export function readStack(outdir: string, stack: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
}
