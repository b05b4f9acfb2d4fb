import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../build/repo-copy';
import { tempDir } from '../helpers/temp';

/**
 * Issue 22 item 1: the app never depends on the tooling. main.ts and every top-level folder of
 * TypeScript that is not tooling (stacks/, constructs/, environments/, build/, and whatever folders
 * exist on disk: rules/, iam/, aws/, catalogue/ ...) may not import tools/ or scripts/. The folders
 * are read from the disk, so a folder added or moved later is checked without editing this test.
 */
const TOOLING = new Set(['tools', 'scripts']);
/** Not the app: the tests, and what is installed or generated. */
const NOT_APP = new Set([...TOOLING, '__tests__', 'node_modules', 'cdktf.out', 'coverage']);

function typeScriptFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === '__pycache__') return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(full);
    return entry.isFile() && entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** main.ts and every .ts file under a top-level folder that is neither tooling, tests nor generated. */
function appFiles(root: string): string[] {
  const folders = fs
    .readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !NOT_APP.has(entry.name))
    .map((entry) => path.join(root, entry.name));
  const main = path.join(root, 'main.ts');
  return [...(fs.existsSync(main) ? [main] : []), ...folders.flatMap(typeScriptFiles)];
}

/** One line per import (static, dynamic, require, export-from) of an app file that lands in tools/ or scripts/. */
function boundaryViolations(root: string): string[] {
  return appFiles(root).flatMap((file) => {
    const text = fs.readFileSync(file, 'utf8');
    const relative = path.relative(root, file).split(path.sep).join('/');
    return ts
      .preProcessFile(text, true, true)
      .importedFiles.filter(({ fileName }) => fileName.startsWith('.'))
      .flatMap(({ fileName, pos }) => {
        const target = path.relative(root, path.resolve(path.dirname(file), fileName)).split(path.sep).join('/');
        const top = target.split('/')[0];
        if (!TOOLING.has(top)) return [];
        const line = text.slice(0, pos).split('\n').length;
        return [
          `${relative}:${line}: imports '${fileName}' (${target}), which is tooling: the app (main.ts and its folders) never imports ${top}/. ` +
            `Move what it needs out of ${top}/ into the app folder that owns it (build/ for build code, see tools/README.md) and import it from there.`,
        ];
      });
  });
}

test('no file of the app imports tools/ or scripts/', () => {
  const files = appFiles(REPO_ROOT).map((f) => path.relative(REPO_ROOT, f));
  // The folders the rule guards are really read: the app's entry and its known folders are among them.
  for (const expected of ['main.ts', 'stacks', 'constructs', 'environments', 'build']) {
    expect(files.some((f) => f === expected || f.startsWith(expected + path.sep))).toBe(true);
  }
  expect(files.some((f) => f.startsWith('tools' + path.sep) || f.startsWith('__tests__' + path.sep))).toBe(false);
  expect(boundaryViolations(REPO_ROOT)).toEqual([]);
});

test('an import from an app folder into the tooling is reported with file, line, import and fix', () => {
  const root = tempDir('import-boundaries-');
  fs.mkdirSync(path.join(root, 'stacks', 'nested'), { recursive: true });
  fs.mkdirSync(path.join(root, 'tools', 'lib'), { recursive: true });
  fs.mkdirSync(path.join(root, 'catalogue'));
  fs.writeFileSync(path.join(root, 'tools', 'lib', 'helper.ts'), 'export const x = 1;\n');
  // A tool may import the app; only the other direction is refused.
  fs.writeFileSync(path.join(root, 'tools', 'lib', 'uses-app.ts'), "import { y } from '../../catalogue/data';\n");
  fs.writeFileSync(path.join(root, 'catalogue', 'data.ts'), "export const y = 2;\nexport { x } from '../scripts/old';\n");
  fs.writeFileSync(path.join(root, 'stacks', 'nested', 'stack.ts'), "import * as fs from 'node:fs';\n\nimport { x } from '../../tools/lib/helper';\nconst later = () => import('../../build/ok');\n");
  fs.writeFileSync(path.join(root, 'main.ts'), "const { x } = require('./tools/lib/helper');\n");
  expect(boundaryViolations(root)).toEqual([
    "main.ts:1: imports './tools/lib/helper' (tools/lib/helper), which is tooling: the app (main.ts and its folders) never imports tools/. Move what it needs out of tools/ into the app folder that owns it (build/ for build code, see tools/README.md) and import it from there.",
    "catalogue/data.ts:2: imports '../scripts/old' (scripts/old), which is tooling: the app (main.ts and its folders) never imports scripts/. Move what it needs out of scripts/ into the app folder that owns it (build/ for build code, see tools/README.md) and import it from there.",
    "stacks/nested/stack.ts:3: imports '../../tools/lib/helper' (tools/lib/helper), which is tooling: the app (main.ts and its folders) never imports tools/. Move what it needs out of tools/ into the app folder that owns it (build/ for build code, see tools/README.md) and import it from there.",
  ]);
});
