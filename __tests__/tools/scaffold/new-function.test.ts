import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { FUNCTION_NAMES, HTTP_ROUTES } from '../../../catalogue';
import { newFunction, parseNewFunctionArgs, TEMPLATE_NAME, type NewFunctionRequest } from '../../../tools/scaffold/new-function';
import { copyFunctionSources, listTree, REPO_ROOT } from '../../build/repo-copy';

const run = promisify(execFile);
const TRIGGERS = ['http', 'schedule', 'queue', 'manual'] as const;

let root: string;
beforeEach(() => {
  root = copyFunctionSources('new-function-');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** The copy's catalogue, evaluated as the module it is (no type check: tsx). */
async function catalogueModule(): Promise<{ names: string[]; functions: Record<string, unknown>[]; routes: Record<string, unknown>[] }> {
  const file = path.join(root, 'catalogue', 'index.ts');
  const script = `const c = require(${JSON.stringify(file)}); console.log(JSON.stringify({ names: c.FUNCTION_NAMES, functions: c.FUNCTIONS, routes: c.HTTP_ROUTES }));`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: REPO_ROOT });
  return JSON.parse(stdout);
}

describe.each(TRIGGERS.flatMap((trigger) => [false, true].map((vpc) => ({ trigger, vpc }))))('new:function --trigger $trigger, vpc $vpc', ({ trigger, vpc }) => {
  const request: NewFunctionRequest = { name: `scaffolded-${trigger}${vpc ? '-db' : ''}`, trigger, vpc };

  test('adds a catalogue file in the shape of the others, its one line, and for HTTP one route', async () => {
    const list = path.join(root, 'catalogue', 'functions', 'index.ts');
    const before = fs.readFileSync(list, 'utf8').split('\n');
    const catalogueBefore = listTree(path.join(root, 'catalogue'));
    newFunction(request, root);
    // New files plus one line: nothing else of the catalogue changes.
    expect(listTree(path.join(root, 'catalogue'))).toEqual([...catalogueBefore, `functions/${request.name}.ts`].sort());
    const after = fs.readFileSync(list, 'utf8').split('\n');
    expect(after.filter((line) => !before.includes(line))).toEqual([expect.stringContaining(`from './${request.name}';`)]);
    expect(after.filter((line) => line !== after.find((l) => l.includes(`'./${request.name}'`)))).toEqual(before);
    const { names, functions, routes } = await catalogueModule();
    expect([...names].sort()).toEqual([...FUNCTION_NAMES, request.name].sort());
    const entry = functions.find((fn) => fn.name === request.name)!;
    expect(entry).toMatchObject({ handler: 'handler.handler', architecture: 'arm64', vpc, trigger: expect.objectContaining({ kind: trigger }) });
    // A database function is exactly what the catalogue tests call one: VPC, driver layer, DB settings, db-login.
    expect([entry.layers, Object.keys(entry.environment as object).includes('DB_HOST'), (entry.grants as { kind: string }[]).some((g) => g.kind === 'db-login')]).toEqual([
      vpc ? ['pg-driver'] : [],
      vpc,
      vpc,
    ]);
    expect(routes.filter((r) => r.functionName === request.name)).toEqual(trigger === 'http' ? [expect.objectContaining({ method: 'GET', path: `/${request.name}` })] : []);
    expect(routes).toHaveLength(HTTP_ROUTES.length + (trigger === 'http' ? 1 : 0));
  });

  test('writes handler.py importing exactly the shared modules its entry lists, and a test, from the templates', async () => {
    newFunction(request, root);
    const folder = path.join(root, 'lambda-functions', request.name);
    expect(listTree(folder)).toEqual(['handler.py', `tests/test_${request.name.replace(/-/g, '_')}.py`]);
    const handler = fs.readFileSync(path.join(folder, 'handler.py'), 'utf8');
    const imported = ['platform_log', 'platform_db', 'platform_http'].filter((m) => new RegExp(`^(import|from) ${m}\\b`, 'm').test(handler));
    const entry = (await catalogueModule()).functions.find((fn) => fn.name === request.name)!;
    expect(imported.sort()).toEqual([...(entry.sharedModules as string[])].sort());
    // The template's placeholder name (and its role) is replaced everywhere.
    const test = fs.readFileSync(path.join(folder, 'tests', `test_${request.name.replace(/-/g, '_')}.py`), 'utf8');
    for (const text of [handler, test]) expect([text.includes(TEMPLATE_NAME), text.includes(TEMPLATE_NAME.replace(/-/g, '_')), text.includes(request.name)]).toEqual([false, false, true]);
    expect(handler).toMatch(/^def handler\(event: Any, context: Any\)/m);
    // A database function logs in as a role of its own, which the migrations create (README "Database roles").
    const migrations = fs.readFileSync(path.join(root, 'lambda-functions', 'shared', 'platform_migrations.py'), 'utf8');
    const role = request.name.replace(/-/g, '_');
    expect(migrations.includes(`    "${role}": ("GRANT SELECT ON schema_migrations TO ${role}",),`)).toBe(vpc);
  });

  // Issue 22 item 6: the database template's test ran against an unmigrated database, so its role
  // (made by the migrations) and grants existed only by accident of an earlier test. It now does
  // what the existing database functions' tests that read tables do: migrate before loading.
  test('a database function\'s test migrates first, like the existing database tests that read tables', () => {
    newFunction(request, root);
    const written = fs.readFileSync(path.join(root, 'lambda-functions', request.name, 'tests', `test_${request.name.replace(/-/g, '_')}.py`), 'utf8');
    const fixtureOf = (source: string) => /@pytest\.fixture\ndef handler\(([^)]*)\)[^\n]*\n((?: {4}.*\n|\n)*)/.exec(source);
    const migratingTests = fs
      .readdirSync(path.join(REPO_ROOT, 'lambda-functions'), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\/tests\/test_[\w]+\.py$/.test(file))
      .map((file) => fs.readFileSync(path.join(REPO_ROOT, 'lambda-functions', file), 'utf8'))
      .filter((source) => /database\.migrate\(\)/.test(fixtureOf(source)?.[2] ?? ''));
    expect(migratingTests.length).toBeGreaterThan(0);
    const fixture = fixtureOf(written);
    expect(fixture).not.toBeNull();
    const body = fixture![2];
    if (vpc) {
      expect(fixture![1]).toContain('database: Database');
      expect(body.indexOf('database.migrate()')).toBeGreaterThanOrEqual(0);
      expect(body.indexOf('database.migrate()')).toBeLessThan(body.indexOf('load_handler('));
      expect(written).toContain(`assert result["databaseUser"] == "${request.name.replace(/-/g, '_')}"`);
    } else {
      expect(body).not.toContain('database');
    }
  });
});

describe('new:function refuses mistakes and writes nothing', () => {
  const snapshot = () => ['lambda-functions', 'catalogue'].flatMap((dir) => listTree(path.join(root, dir)).map((f) => [f, fs.readFileSync(path.join(root, dir, f), 'utf8')]));

  test.each([
    ['a name the catalogue has', FUNCTION_NAMES[0], `'${FUNCTION_NAMES[0]}' is already a function of the catalogue (catalogue/functions/${FUNCTION_NAMES[0]}.ts)`],
    ['the name of the list file', 'index', 'catalogue/functions/index.ts already exists'],
    ['a folder that is not a function', 'shared', "'shared' is a folder of lambda-functions/ that is not a function"],
    ['capitals', 'MyFunction', "name 'MyFunction': use lower-case words joined by dashes"],
    ['a name longer than Lambda allows', `f${'-x'.repeat(40)}`, "at most 64 characters (Lambda's function name limit)"],
  ])('%s', (_case, name, message) => {
    const before = snapshot();
    expect(() => newFunction({ name, trigger: 'manual', vpc: false }, root)).toThrow(message);
    expect(snapshot()).toEqual(before);
  });

  test('an HTTP function whose route exists is refused, naming the route by its 1-based position', () => {
    const taken = HTTP_ROUTES.findIndex((r) => r.method === 'GET' && /^\/[a-z0-9-]+$/.test(r.path));
    const route = HTTP_ROUTES[taken];
    const name = route.path.slice(1);
    // Only meaningful when that path's name is free as a function name.
    expect((FUNCTION_NAMES as readonly string[]).includes(name)).toBe(false);
    const before = snapshot();
    expect(() => newFunction({ name, trigger: 'http', vpc: false }, root)).toThrow(`route GET ${route.path} is already route ${taken + 1} of HTTP_ROUTES (${route.functionName})`);
    expect(snapshot()).toEqual(before);
  });

  test.each([
    [[], 'the function name is missing; --trigger is missing'],
    [['x', '--trigger', 'cron'], "--trigger 'cron' is not one of http, schedule, queue, manual"],
    [['x', '--trigger', 'http', '--memory', '256'], 'unknown option --memory'],
  ])('argument mistakes are named with the usage: %j', (args, message) => {
    expect(() => parseNewFunctionArgs(args)).toThrow(message);
    expect(() => parseNewFunctionArgs(args)).toThrow('Usage: npm run new:function -- <name> --trigger http|schedule|queue|manual [--vpc]');
  });

  test('the command exits 1 with the reason, no stack trace, and says nothing was written', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'tools/scaffold/new-function.ts', FUNCTION_NAMES[0], '--trigger', 'manual'], { cwd: REPO_ROOT }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect([result.code, result.stderr.includes('Nothing was written.'), /\n\s+at /.test(result.stderr)]).toEqual([1, true, false]);
  }, 60_000);
});
