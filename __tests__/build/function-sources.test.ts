import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { FUNCTIONS, HTTP_ROUTES, SHARED_MODULES } from '../../catalogue';
import { isPackagedFile } from '../../build/build-artifacts';
import { checkFunctionSources, FunctionSourceError } from '../../build/function-sources';
import { copyFunctionSources, copyRepo, listTree } from './repo-copy';

const run = promisify(execFile);
let root: string;
beforeEach(() => {
  root = copyFunctionSources('function-sources-');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const check = (overrides: { routes?: typeof HTTP_ROUTES } = {}): string[] => {
  try {
    checkFunctionSources({
      rootDir: root,
      functions: FUNCTIONS,
      routes: overrides.routes ?? HTTP_ROUTES,
      sharedModules: SHARED_MODULES,
      packagedFiles: (dir) => listTree(dir).filter(isPackagedFile),
      python: process.env.PYTHON ?? 'python3',
    });
  } catch (error) {
    if (error instanceof FunctionSourceError) return [...error.problems];
    throw error;
  }
  return [];
};
const handlerOf = (name: string) => path.join(root, 'lambda-functions', name, 'handler.py');

test('the sources of every catalogue function pass', () => {
  expect(check()).toEqual([]);
});

test.each(FUNCTIONS.map((fn) => fn.name))('a missing handler.py of %s is named with its catalogue entry and the fix', (name) => {
  fs.rmSync(handlerOf(name));
  expect(check()).toEqual([`lambda-functions/${name}/handler.py: missing, but catalogue/functions/${name}.ts defines the function ${name}; create it (npm run new:function writes one) or remove the entry`]);
});

test.each(HTTP_ROUTES.map((route, i) => [`${route.method} ${route.path}`, i] as const))('a second %s route is named by both 1-based positions', (_key, index) => {
  const route = HTTP_ROUTES[index];
  const other = FUNCTIONS.find((fn) => fn.trigger.kind === 'http' && fn.name !== route.functionName)?.name ?? route.functionName;
  const routes = [...HTTP_ROUTES, { ...route, functionName: other, operationId: 'duplicate' }];
  expect(check({ routes })).toEqual([
    `catalogue/functions/${other}.ts: HTTP_ROUTES route ${routes.length} (${route.method} ${route.path} -> ${other}) repeats route ${index + 1} ` +
      `(${route.method} ${route.path} -> ${route.functionName}); API Gateway has one integration per method and path: change the path or method of one of them`,
  ]);
});

// Lambda puts only the zip on the path: a shared module the entry does not list is not in it.
const unlisted = FUNCTIONS.flatMap((fn) => SHARED_MODULES.filter((m) => !fn.sharedModules.includes(m)).map((m) => [fn.name, m] as const));
test.each(unlisted)('%s importing %s without listing it is found at build, with the line', (name, module) => {
  const lines = fs.readFileSync(handlerOf(name), 'utf8').split('\n');
  fs.writeFileSync(handlerOf(name), [...lines, `import ${module}`, ''].join('\n'));
  expect(check()).toEqual([
    `lambda-functions/${name}/handler.py:${lines.length + 1}: imports the shared module ${module}, which ${name} does not list in sharedModules (catalogue/functions/${name}.ts), so its zip would not contain it; add '${module}' to that list`,
  ]);
});

test.each(FUNCTIONS.map((fn) => fn.name))('a Python syntax error in %s is found at build, with the line', (name) => {
  const lines = fs.readFileSync(handlerOf(name), 'utf8').split('\n');
  fs.writeFileSync(handlerOf(name), [...lines, 'def broken(:', '    pass', ''].join('\n'));
  expect(check()).toEqual([expect.stringMatching(new RegExp(`^lambda-functions/${name}/handler\\.py:${lines.length + 1}: Python syntax error: .+; fix that line`))]);
});

test('synth reports a broken handler in one paragraph, exits 1, shows no stack trace and writes nothing', async () => {
  const copy = copyRepo('function-sources-synth-');
  try {
    const [fn] = FUNCTIONS;
    fs.appendFileSync(path.join(copy, 'lambda-functions', fn.name, 'handler.py'), '\ndef broken(:\n');
    const result = await run(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: copy, env: { ...process.env, CDKTF_OUTDIR: 'out' } }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`lambda-functions/${fn.name}/handler\\.py:\\d+: Python syntax error`));
    expect(result.stderr).toContain('Nothing was written');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(copy, 'out'))).toBe(false);
    expect(fs.existsSync(path.join(copy, '.build'))).toBe(false);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}, 120_000);
