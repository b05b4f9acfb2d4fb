import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Which units a change touches, Terragrunt's `--filter-affected` for cdktf: each unit's synthesized
 * JSON of the base commit against the head commit's, with cdktf's metadata removed. A unit whose
 * JSON is the same plans exactly what it planned before, so it is not planned again; its dependents
 * are planned only where its outputs change (tools/lib/unit-runner.ts), and the apply adds them.
 */

/**
 * A stack's JSON without what says nothing about its resources: every `//` key (cdktf's metadata:
 * its version, the stack name, construct paths and unique ids), at any depth.
 */
export function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '//')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, child]) => [key, withoutMetadata(child)]),
  );
}

/** The stack's comparable JSON, or undefined when the outdir has no such stack. */
export function comparableStack(outdir: string, stack: string): string | undefined {
  const file = path.join(outdir, 'stacks', stack, 'cdk.tf.json');
  if (!fs.existsSync(file)) return undefined;
  return JSON.stringify(withoutMetadata(JSON.parse(fs.readFileSync(file, 'utf8'))));
}

/**
 * The stacks (of those given) whose synthesized JSON differs between the two synth outputs, in the
 * order given. A stack missing on either side counts as changed (a new unit, or one base could not
 * synthesize). The function zips are named by their content hash in the JSON, so a change to one
 * function's code changes the JSON of the unit holding it, and only that one.
 */
export function changedStacks(baseOutdir: string, headOutdir: string, stacks: readonly string[]): string[] {
  return stacks.filter((stack) => {
    const head = comparableStack(headOutdir, stack);
    return head === undefined || head !== comparableStack(baseOutdir, stack);
  });
}
