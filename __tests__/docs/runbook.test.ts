import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironments } from '../../environments/load';
import { FUNCTION_NAMES } from '../../catalogue';
import { parseDeliveryArgs } from '../../tools/delivery/delivery-cli';
import { manualTexts } from '../helpers/manual';

/**
 * The manual's step-by-step commands (the `sh` blocks of README.md and docs/, docs/runbook.md first
 * among them) are ones the repository provides and the tests exercise, with real account and
 * function names, and the manual covers the operations issue #14 lists, each under its own heading.
 * Issue 22 item 3 moved steps between files; these checks read the whole manual, so they follow.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const manual = manualTexts(ROOT);
const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
const accounts = loadEnvironments({ overrides: {} });

/** Every non-comment line of the manual's shell blocks (```sh; a plain ``` block shows output). */
const commands = manual
  .flatMap(({ text }) => [...text.matchAll(/^ *```sh\n([\s\S]*?)```/gm)])
  .flatMap((block) => block[1].split('\n'))
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

/** Every test source (jest and pytest), to check a command's entry point is exercised. */
function testSources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testSources(file);
    return /\.(ts|py)$/.test(entry.name) ? [fs.readFileSync(file, 'utf8')] : [];
  });
}
const tests = [...testSources(path.join(ROOT, '__tests__')), ...testSources(path.join(ROOT, 'lambda-functions'))].join('\n');

/** The npm script a command line runs: `npm run <name> [-- ...]` or `npm test [-- ...]`. */
const scriptOf = (command: string) => /^npm (?:run ([\w:-]+)|(test))( -- .+)?$/.exec(command)?.slice(1, 3).find(Boolean);

test('the manual has commands, and each is an npm script of package.json', () => {
  expect(commands.length).toBeGreaterThan(0);
  expect(fs.readFileSync(path.join(ROOT, 'docs', 'runbook.md'), 'utf8')).toMatch(/```sh\n/);
  for (const command of commands) {
    const name = scriptOf(command);
    expect([command, name !== undefined && scripts[name] !== undefined]).toEqual([command, true]);
  }
});

test("each command's entry point is run by the tests", () => {
  for (const command of commands) {
    const name = scriptOf(command)!;
    // "tsx tools/delivery/release.ts" -> tools/delivery/release; "tsx main.ts" -> main.ts
    const entry = /(?:tsx|bash) (\S+)/.exec(scripts[name])![1];
    const referenced = tests.includes(entry) || tests.includes(entry.replace(/\.(ts|sh)$/, ''));
    expect([command, entry, referenced]).toEqual([command, entry, true]);
  }
});

test('account and function names in the commands are real (environments/, the catalogue)', () => {
  const stacks = accounts.flatMap((a) => [a.name, `${a.name}-bootstrap`]);
  for (const command of commands.filter((c) => c.includes(' -- '))) {
    const [first, ...rest] = command.split(' -- ')[1].split(/\s+/);
    expect([command, stacks.includes(first)]).toEqual([command, true]);
    const fn = rest.indexOf('--function');
    if (fn >= 0) expect([command, (FUNCTION_NAMES as readonly string[]).includes(rest[fn + 1])]).toEqual([command, true]);
  }
});

test('every release and rollback command takes only flags the command accepts (parsed as the command parses them, no AWS call)', () => {
  const delivery = commands.filter((c) => /^npm run (release|rollback) -- /.test(c));
  expect(delivery.some((c) => c.includes('--override-alarms'))).toBe(true);
  for (const command of delivery) {
    const rollbackCommand = command.startsWith('npm run rollback');
    const args = command.split(' -- ')[1].split(/\s+/);
    expect(() => parseDeliveryArgs(args, command, { allowToVersion: rollbackCommand, allowOverrideAlarms: !rollbackCommand, accounts })).not.toThrow();
  }
});

test('covers every operation of the issue, each under its own heading', () => {
  const headings = manual.flatMap(({ text }) => [...text.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]));
  expect(headings).toEqual(expect.arrayContaining([
    'Deploy (dev)',
    'First release',
    'Promote to staging',
    'Watch a canary',
    'Automatic rollback',
    'Manual rollback',
    'Incident',
    'Recover a failed apply',
    'Drift',
    'Adding an account',
    'Adding a function',
    'Rotate database credentials',
    'Break-glass access',
  ]));
});

test('every workflow file the manual names exists', () => {
  const named = manual.flatMap(({ text }) => [...text.matchAll(/\.github\/workflows\/([\w-]+\.yml)/g)].map((m) => m[1]));
  expect(named.length).toBeGreaterThan(0);
  for (const file of named) expect([file, fs.existsSync(path.join(ROOT, '.github', 'workflows', file))]).toEqual([file, true]);
});
