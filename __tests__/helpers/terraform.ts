import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AccountConfig } from '../../environments/schema';
import { unitStackName, WORKLOAD_UNITS } from '../../environments/units';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

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

/** Set by the global setup (__tests__/helpers/shared-dir.ts): a folder shared by every test file of one jest run. */
export const SHARED_DIR_ENV = 'INFRA_TEST_SHARED_DIR';

let synthesized: string | undefined;

/**
 * Every stack synthesized by the real app (build included), once per jest run: the first test file
 * that asks synthesizes into the run's shared folder and the others, in this worker or another,
 * wait for it and read the same output (a synth is seconds of CPU; seven files used to run their
 * own). The folder is read-only by convention: copy a stack before changing anything in it. It is
 * removed with the shared folder after the run (global teardown). Stacks are in
 * <outdir>/stacks/<name>/cdk.tf.json.
 */
export function sharedSynth(): string {
  if (synthesized) return synthesized;
  const shared = process.env[SHARED_DIR_ENV];
  if (!shared) throw new Error(`${SHARED_DIR_ENV} is not set: run the tests through jest (its global setup creates the shared folder)`);
  const outdir = path.join(shared, 'synth');
  const failed = path.join(shared, 'synth.failed');
  let owner = false;
  try {
    // mkdir is atomic: exactly one test file wins and synthesizes.
    fs.mkdirSync(path.join(shared, 'synth.lock'));
    owner = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (owner) {
    const scratch = `${outdir}.partial`;
    // The account files as they are: no overrides file, whatever the shell has set.
    const result = runApp(scratch, { INFRA_OVERRIDES_FILE: '' });
    if (result.status !== 0) {
      fs.writeFileSync(failed, `synth failed (exit ${result.status}):\n${result.stderr}`);
      throw new Error(fs.readFileSync(failed, 'utf8'));
    }
    fs.renameSync(scratch, outdir);
  } else {
    const wait = new Int32Array(new SharedArrayBuffer(4));
    const deadline = Date.now() + 300_000;
    while (!fs.existsSync(outdir)) {
      if (fs.existsSync(failed)) throw new Error(fs.readFileSync(failed, 'utf8'));
      if (Date.now() > deadline) throw new Error(`no shared synth in ${outdir} after 5 minutes (the test file synthesizing it died?)`);
      Atomics.wait(wait, 0, 0, 100);
    }
  }
  synthesized = outdir;
  return outdir;
}

/** The synthesized JSON of one stack from an outdir. */
export function readStack(outdir: string, stack: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
}

/**
 * An account's workload as one stack held it before units: the resources and locals of every
 * enabled unit together (addresses are unique across an account's units), with each value one unit
 * reads from another's state put back as the expression that unit outputs it from. What each unit
 * gets through remote state is exactly that expression's value, so tests that follow references
 * across the workload (security groups, policies) read it whole.
 */
export function readWorkload(outdir: string, config: Pick<AccountConfig, 'name' | 'units'>): Record<string, any> {
  const stacks = new Map(WORKLOAD_UNITS.filter((unit) => config.units[unit].enabled).map((unit) => [unitStackName(config.name, unit), readStack(outdir, unitStackName(config.name, unit))]));
  const merged: Record<string, any> = { resource: {}, locals: {} };
  for (const json of stacks.values()) {
    for (const [type, byName] of Object.entries<Record<string, any>>(json.resource ?? {})) merged.resource[type] = { ...merged.resource[type], ...byName };
    Object.assign(merged.locals, json.locals);
  }
  const remote = /\$\{data\.terraform_remote_state\.cross-stack-reference-input-([\w-]+)\.outputs\.([\w-]+)\}/g;
  const inlined = JSON.stringify(merged).replace(remote, (whole, stack: string, output: string) => {
    const value = stacks.get(stack)?.output?.[output]?.value;
    if (typeof value !== 'string') throw new Error(`${whole}: ${stack} has no output ${output}`);
    return value.replace(/"/g, '\\"');
  });
  return JSON.parse(inlined);
}
