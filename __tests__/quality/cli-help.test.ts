import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../build/repo-copy';

/**
 * The quick loop's guard for `--help` (the slow tier runs every script: cli-help.slow.test.ts):
 * each package.json script is one entry of ours that answers --help/-h before doing anything, or
 * one tool (tsc) that answers it itself. A script chaining commands (`a && b`) would run `a` on
 * `npm run x -- --help`, since npm appends the arguments to the last command only.
 */
const scripts = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const TOOLS = new Set(['tsc']);

function entryOf(command: string): string | undefined {
  const match = /^(?:tsx|node --import tsx|bash)\s+(\S+)/.exec(command);
  return match?.[1];
}

describe('every npm script answers --help', () => {
  test.each(Object.entries(scripts))('%s (%s) is a single command', (_name, command) => {
    expect(command).not.toMatch(/&&|;|\|\|/);
  });

  test.each(Object.entries(scripts).filter(([, command]) => !TOOLS.has(command.split(' ')[0])))('%s: its entry answers --help and -h first thing', (_name, command) => {
    const entry = entryOf(command);
    expect(entry).toBeDefined();
    const source = fs.readFileSync(path.join(REPO_ROOT, entry as string), 'utf8');
    expect(source).toMatch(entry!.endsWith('.sh') ? /--help \| -h\)\n(\s+#.*\n)*\s+echo "Usage: npm / : /answerHelp\((USAGE|['"]Usage: npm )/);
  });
});
