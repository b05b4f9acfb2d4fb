import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..');
const CONSTRUCTS_DIR = path.join(REPO_ROOT, 'constructs') + path.sep;

/**
 * A construct was given properties it cannot build. The message names the construct, the property
 * and the fix; `createdIn` names the file that created the construct (the first caller outside
 * constructs/), so `npm run synth` can say where to look without printing a stack trace. These are
 * mistakes in code (the account files are checked by their schema first), which is why the file
 * named is a stack or tool, not an account file.
 */
export class ConstructPropsError extends Error {
  readonly createdIn: string | undefined;

  constructor(message: string) {
    super(message);
    this.name = 'ConstructPropsError';
    this.createdIn = firstCallerOutsideConstructs(this.stack ?? '');
  }
}

function firstCallerOutsideConstructs(stack: string): string | undefined {
  for (const line of stack.split('\n').slice(1)) {
    // "    at fn (/repo/stacks/main-stack.ts:88:5)" or "    at /repo/stacks/main-stack.ts:88:5"
    const file = /\(?((?:file:\/\/)?\/[^():]+\.[cm]?[jt]s):\d+:\d+\)?$/.exec(line.trim())?.[1]?.replace(/^file:\/\//, '');
    if (!file || file.startsWith(CONSTRUCTS_DIR) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    return path.relative(REPO_ROOT, file);
  }
  return undefined;
}
