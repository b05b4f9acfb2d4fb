import * as fs from 'node:fs';
import * as path from 'node:path';
import { FUNCTIONS, HTTP_ROUTES, SHARED_MODULES } from '../../catalogue';
import { isPackagedFile } from '../../build/build-artifacts';
import { checkFunctionSources, FunctionSourceError } from '../../build/function-sources';
import { tempDir } from '../helpers/temp';
import { copyFunctionSources, listTree } from './repo-copy';

/**
 * The build's syntax check compiles every handler with Python; unchanged sources are not compiled
 * again (the fingerprint is kept in .build/cache.json), so a warm synth starts no Python at all.
 */
const root = copyFunctionSources('source-check-');
const scratch = tempDir('source-check-python-');
const starts = path.join(scratch, 'starts.log');
// The project's Python behind a wrapper that counts how often it is started.
const python = path.join(scratch, 'python');
fs.writeFileSync(python, `#!/bin/sh\necho started >> '${starts}'\nexec ${process.env.PYTHON ?? 'python3'} "$@"\n`, { mode: 0o755 });
const pythonStarts = () => (fs.existsSync(starts) ? fs.readFileSync(starts, 'utf8').split('\n').filter(Boolean).length : 0);

const check = (compiledFingerprint?: string): string =>
  checkFunctionSources({
    rootDir: root,
    functions: FUNCTIONS,
    routes: HTTP_ROUTES,
    sharedModules: SHARED_MODULES,
    packagedFiles: (dir) => listTree(dir).filter(isPackagedFile),
    python,
    compiledFingerprint,
  });

test('unchanged sources are not compiled again', () => {
  const fingerprint = check();
  const before = pythonStarts();
  expect(before).toBeGreaterThan(0);

  expect(check(fingerprint)).toBe(fingerprint);
  expect(pythonStarts()).toBe(before);
});

test('a changed handler is compiled again and its syntax error reported', () => {
  const fingerprint = check();
  const [fn] = FUNCTIONS;
  fs.appendFileSync(path.join(root, 'lambda-functions', fn.name, 'handler.py'), '\ndef broken(:\n');
  let problems: readonly string[] = [];
  try {
    check(fingerprint);
  } catch (error) {
    if (!(error instanceof FunctionSourceError)) throw error;
    problems = error.problems;
  }
  expect(problems.join('\n')).toMatch(new RegExp(`lambda-functions/${fn.name}/handler\\.py:\\d+: Python syntax error`));
});
