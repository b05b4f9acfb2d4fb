import * as fs from 'node:fs';
import * as path from 'node:path';
import { manualFiles, manualTexts } from '../helpers/manual';

/**
 * Issue 22 item 3: the README is the front door: short, one line per top-level folder (each folder
 * opening with a README of its own), links to the topics in docs/, and every link leads somewhere.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
/** What git ignores or what only tools create: not folders of the repository. */
const NOT_SOURCE = new Set(fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n').map((line) => line.trim().replace(/\/$/, '')).filter(Boolean));

/** The "Layout" section's entries: the path each list item links to, by its first link. */
const layout = (() => {
  const start = readme.search(/^## Layout$/m);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/^- \[`([^`]+)`\]\(([^)]+)\)/gm)].map((m) => ({ name: m[1], link: m[2] }));
})();

test('the README is the front door: at most 150 lines', () => {
  expect(readme.split('\n').length).toBeLessThanOrEqual(150);
});

test('every top-level folder of the repository has one line in the README layout, and every line names one that exists', () => {
  const folders = fs
    .readdirSync(ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && (!entry.name.startsWith('.') || entry.name === '.github') && !NOT_SOURCE.has(entry.name))
    .map((entry) => `${entry.name}/`);
  const listed = layout.map((entry) => entry.name);
  expect(listed.filter((name) => name.endsWith('/')).sort()).toEqual(folders.sort());
  expect(new Set(listed).size).toBe(listed.length);
  for (const { name } of layout) expect([name, fs.existsSync(path.join(ROOT, name))]).toEqual([name, true]);
});

test('each folder of the layout opens with a README of what lives there and what may import it, which the layout line links', () => {
  for (const { name, link } of layout.filter((entry) => entry.name.endsWith('/'))) {
    expect([name, link]).toEqual([name, `${name}README.md`]);
    const note = fs.existsSync(path.join(ROOT, link)) ? fs.readFileSync(path.join(ROOT, link), 'utf8') : '';
    // "May import" / "Nothing imports" / "imported by": the note says where the folder sits in the import graph.
    expect([link, /\bimport/i.test(note)]).toEqual([link, true]);
  }
});

test('every relative link of the manual leads to a file or folder of the repository', () => {
  const broken = manualTexts(ROOT).flatMap(({ file, text }) =>
    // Code spans hold patterns such as `(\.\d+)`, not links.
    [...text.replace(/`[^`\n]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1].split('#')[0])
      .filter((target) => target && !/^[a-z]+:/.test(target))
      .filter((target) => !fs.existsSync(path.resolve(ROOT, path.dirname(file), target)))
      .map((target) => `${file} -> ${target}`),
  );
  expect(broken).toEqual([]);
});

test('every page of docs/ is reachable from the README in one hop', () => {
  const linked = new Set([...readme.matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]));
  // The per-account pictures are reached through their index, docs/architecture/README.md.
  const pages = manualFiles(ROOT).filter((file) => file !== 'README.md' && !/^docs\/architecture\/(?!README\.md)/.test(file.split(path.sep).join('/')));
  expect(pages.filter((page) => !linked.has(page.split(path.sep).join('/')))).toEqual([]);
});

// The first hop from a resource to its code: the construct path's id, in stacks/README.md's table,
// names the construct class and its file; the table is what main-stack.ts builds, no more, no less.
test("stacks/README.md's construct table is what the workload stack builds: id, class and file", () => {
  const note = fs.readFileSync(path.join(ROOT, 'stacks', 'README.md'), 'utf8');
  const listed = [...note.matchAll(/^\| `(\w+)` \| `(\w+)` \| \[`(constructs\/[\w-]+\.ts)`\]/gm)].map((m) => ({ id: m[1], construct: m[2], file: m[3] }));
  const source = fs.readFileSync(path.join(ROOT, 'stacks', 'main-stack.ts'), 'utf8');
  const imported = new Map([...source.matchAll(/^import \{([^}]+)\} from '\.\.\/constructs\/([\w-]+)';$/gm)].flatMap((m) => m[1].split(',').map((name) => [name.trim(), `constructs/${m[2]}.ts`] as const)));
  const built = [...source.matchAll(/new (\w+)\(this, '(\w+)'/g)].filter((m) => imported.has(m[1])).map((m) => ({ id: m[2], construct: m[1], file: imported.get(m[1])! }));
  expect(built.length).toBeGreaterThan(5);
  expect(listed).toEqual(built);
  for (const { file } of listed) expect([file, fs.existsSync(path.join(ROOT, file))]).toEqual([file, true]);
});
