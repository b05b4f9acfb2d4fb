import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironments } from '../../environments/load';
import { FUNCTION_NAMES } from '../../catalogue';
import { parseDeliveryArgs } from '../../scripts/lib/delivery-cli';

/**
 * docs/runbook.md promises that every command in it is one the repository provides and the tests
 * exercise, with real account and function names, and that it covers the operations issue #14 lists.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const runbook = fs.readFileSync(path.join(ROOT, 'docs', 'runbook.md'), 'utf8');
const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
const accounts = loadEnvironments({ overrides: {} });

/** Every non-comment line of the runbook's fenced code blocks. */
const commands = [...runbook.matchAll(/```\w*\n([\s\S]*?)```/g)]
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

test('the runbook has commands, and each is an npm script of package.json', () => {
  expect(commands.length).toBeGreaterThan(0);
  for (const command of commands) {
    const match = /^npm run ([\w:-]+)( -- .+)?$/.exec(command);
    expect([command, match !== null && scripts[match[1]] !== undefined]).toEqual([command, true]);
  }
});

test("each command's entry point is run by the tests", () => {
  for (const command of commands) {
    const name = /^npm run ([\w:-]+)/.exec(command)![1];
    // "tsx scripts/release.ts" -> scripts/release; "tsx main.ts" -> main.ts
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
  const headings = [...runbook.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
  expect(headings).toEqual([
    'Deploy (dev)',
    'First release',
    'Promote to staging',
    'Watch a canary',
    'Automatic rollback',
    'Manual rollback',
    'Incident',
    'Recover a failed apply',
    'Drift',
    'Add an account',
    'Add a function',
    'Rotate database credentials',
    'Break-glass access',
  ]);
});

test('every workflow file it names exists', () => {
  const named = [...runbook.matchAll(/\.github\/workflows\/([\w-]+\.yml)/g)].map((m) => m[1]);
  expect(named.length).toBeGreaterThan(0);
  for (const file of named) expect([file, fs.existsSync(path.join(ROOT, '.github', 'workflows', file))]).toEqual([file, true]);
});
