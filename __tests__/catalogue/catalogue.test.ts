import * as fs from 'node:fs';
import * as path from 'node:path';
import { accountsDirWith, fixtureAccount, realAccounts, unusedAccountName, writeAccountFile } from '../helpers/accounts';
import { allowedPythonRuntimes } from '../../aws/aws-facts';
import { accountSourceFile, ConfigError, loadEnvironments } from '../../environments/load';
import { databaseUsers, DB_MIGRATION_USER, FUNCTION_NAMES, FUNCTIONS, type FunctionSpec, HTTP_ROUTES, SHARED_MODULES } from '../../catalogue';
import { catalogueProblems, resolveFunctionSettings } from '../../catalogue/function-settings';
import { defaults } from '../../environments/defaults';
import { POST_TRAFFIC_TARGET } from '../../catalogue/deployment-hooks';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const TODAY = new Date('2026-11-22T00:00:00Z');
const accounts = realAccounts();
const catalogueSpec = (name: string): FunctionSpec => FUNCTIONS.find((fn) => fn.name === name) as FunctionSpec;
/**
 * A function's settings before account overrides: the catalogue's, except that the post-traffic
 * hook's target reserves at least one execution per deployment group (one group per function).
 */
const spec = (name: string): FunctionSpec => {
  const fn = catalogueSpec(name);
  return name === POST_TRAFFIC_TARGET ? { ...fn, reservedConcurrency: Math.max(fn.reservedConcurrency, FUNCTIONS.length) } : fn;
};
const problemsOf = (action: () => unknown): readonly string[] => {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('function catalogue', () => {
  test('lists every function of FUNCTION_NAMES once, in the same order', () => {
    expect(FUNCTIONS.map((fn) => fn.name)).toEqual([...FUNCTION_NAMES]);
    expect(new Set(FUNCTION_NAMES).size).toBe(FUNCTION_NAMES.length);
  });

  test('every function has a folder with handler.py', () => {
    for (const fn of FUNCTIONS) {
      expect([fn.name, fs.existsSync(path.join(REPO_ROOT, 'lambda-functions', fn.name, 'handler.py'))]).toEqual([fn.name, true]);
    }
  });

  test('lambda-functions/shared holds every shared module and is no function: no catalogue name, no handler.py', () => {
    const sharedDir = path.join(REPO_ROOT, 'lambda-functions', 'shared');
    expect((FUNCTION_NAMES as readonly string[]).includes('shared')).toBe(false);
    expect(fs.existsSync(path.join(sharedDir, 'handler.py'))).toBe(false);
    expect(SHARED_MODULES.filter((module) => !fs.existsSync(path.join(sharedDir, `${module}.py`)))).toEqual([]);
  });

  test('each function lists exactly the shared modules its handler imports', () => {
    for (const fn of FUNCTIONS) {
      const source = fs.readFileSync(path.join(REPO_ROOT, 'lambda-functions', fn.name, 'handler.py'), 'utf8');
      const imported = SHARED_MODULES.filter((module) => new RegExp(`^(import|from) ${module}\\b`, 'm').test(source));
      expect([fn.name, [...fn.sharedModules].sort()]).toEqual([fn.name, [...imported].sort()]);
    }
  });

  // The functions carried over from the original deployment keep its staging sizes
  // (shared/DESIGN.md section 2); functions added since have no design figure to match. The design's
  // 30 s of api-docs-generator is cut to API Gateway's 29 s integration limit (issue 22 item 6).
  test.each([
    ['api-docs-generator', 512, 29, false],
    ['generate-presigned-url', 128, 10, false],
    ['insert-ppu-data', 1024, 6, true],
    ['lambda-test-runner', 1024, 300, true],
    ['presigned-url-s3-upload', 128, 10, false],
    ['software-event-update-handler', 128, 10, false],
    ['sync-clock', 128, 3, true],
  ] as const)('%s has the staging sizes of the design as defaults', (name, memoryMiB, timeoutSeconds, vpc) => {
    expect([spec(name).memoryMiB, spec(name).timeoutSeconds, spec(name).vpc]).toEqual([memoryMiB, timeoutSeconds, vpc]);
  });

  test('every function runs on arm64 with a supported runtime and a reserved concurrency', () => {
    for (const fn of FUNCTIONS) {
      expect([fn.name, fn.architecture, allowedPythonRuntimes().includes(fn.runtime), fn.reservedConcurrency >= 1]).toEqual([fn.name, 'arm64', true, true]);
    }
    expect(catalogueProblems(FUNCTIONS)).toEqual([]);
  });

  test('exactly the database functions are in the VPC, use the driver layer and log in to the database', () => {
    for (const fn of FUNCTIONS) {
      const usesDatabase = Object.keys(fn.environment).includes('DB_HOST');
      expect([fn.name, fn.vpc, fn.layers, fn.grants.some((g) => g.kind === 'db-login')]).toEqual([fn.name, usesDatabase, usesDatabase ? ['pg-driver'] : [], usesDatabase]);
    }
  });

  test('database functions get connection settings and their own role name, never a password or the master secret', () => {
    for (const fn of FUNCTIONS.filter((f) => f.vpc)) {
      expect(Object.keys(fn.environment)).toEqual(expect.arrayContaining(['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_SSL_ROOT_CERT']));
      expect(Object.keys(fn.environment).filter((name) => /PASSWORD|SECRET|DB_AUTH/.test(name))).toEqual([]);
      expect(fn.environment.DB_SSL_ROOT_CERT).toEqual({ from: 'db-ssl-root-cert' });
    }
  });

  // Issue #10 item 4: each database function logs in as a PostgreSQL role of its own. Issue 20: none
  // logs in as the migration role; that is database-admin's alone (catalogue/database-admin.ts).
  test('each database function logs in as exactly one role of its own (DB_USER), which no other function uses, and never as the migration role', () => {
    const own = FUNCTIONS.filter((f) => f.vpc).map((fn) => {
      const users = fn.grants.flatMap((grant) => (grant.kind === 'db-login' ? [grant.user] : []));
      expect([fn.name, users]).toEqual([fn.name, [fn.environment.DB_USER]]);
      return fn.environment.DB_USER;
    });
    expect(new Set(own).size).toBe(own.length);
    expect(databaseUsers(FUNCTIONS).sort()).toEqual([...own].sort());
    expect(databaseUsers(FUNCTIONS)).not.toContain(DB_MIGRATION_USER);
  });

  test('HTTP routes point at the HTTP-triggered functions, and every such function has a route', () => {
    const httpFunctions = FUNCTIONS.filter((fn) => fn.trigger.kind === 'http').map((fn) => fn.name).sort();
    expect([...new Set(HTTP_ROUTES.map((route) => route.functionName))].sort()).toEqual(httpFunctions);
  });

  test('every route has its own method and path and its own operationId', () => {
    const keys = HTTP_ROUTES.map((route) => `${route.method} ${route.path}`);
    expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([]);
    const ids = HTTP_ROUTES.map((route) => route.operationId);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  test('sync-clock runs on a schedule and the event handler consumes the queue', () => {
    expect(spec('sync-clock').trigger).toEqual({ kind: 'schedule', scheduleExpression: 'rate(5 minutes)' });
    expect(spec('software-event-update-handler').trigger).toMatchObject({ kind: 'queue' });
    expect(spec('software-event-update-handler').grants).toEqual(expect.arrayContaining([{ kind: 'queue-consume' }]));
  });

  test('presigned URL functions may touch only their own key prefix', () => {
    expect(spec('generate-presigned-url').grants).toEqual([
      { kind: 'bucket-read', prefix: 'downloads/' },
      { kind: 'bucket-list', prefix: 'downloads/' },
    ]);
    expect(spec('presigned-url-s3-upload').grants).toEqual([{ kind: 'bucket-put', prefix: 'uploads/' }]);
  });
});

describe('runtime checks', () => {
  const withRuntime = (name: string, runtime: string) => FUNCTIONS.map((fn) => (fn.name === name ? { ...fn, runtime } : fn));

  test.each(FUNCTION_NAMES)('the catalogue refuses python3.9 for %s, naming the function and the allowed runtimes', (name) => {
    expect(catalogueProblems(withRuntime(name, 'python3.9'), TODAY)).toEqual([
      `catalogue/functions/${name}.ts: ${name}.runtime: 'python3.9' is deprecated by AWS; use one of python3.11, python3.12, python3.13`,
    ]);
  });

  test.each(FUNCTION_NAMES)('the catalogue refuses for %s a runtime whose AWS deprecation date has passed', (name) => {
    const old = withRuntime(name, 'python3.10');
    expect(catalogueProblems(old, TODAY)).toEqual([
      `catalogue/functions/${name}.ts: ${name}.runtime: 'python3.10' is past its AWS deprecation date or not a known Lambda runtime; use one of python3.11, python3.12, python3.13`,
    ]);
    expect(catalogueProblems(old, new Date('2026-10-01T00:00:00Z'))).toEqual([]);
  });

  test.each(accounts.map((config) => [config.name, config] as const))('%s may not move a function to a deprecated runtime', (_name, config) => {
    for (const name of FUNCTION_NAMES) {
      const problems = problemsOf(() => resolveFunctionSettings({ ...config, functions: { [name]: { runtime: 'python3.8' } } }, TODAY));
      expect(problems).toEqual([`${accountSourceFile(config)}: functions.${name}.runtime: 'python3.8' is deprecated by AWS; use one of python3.11, python3.12, python3.13`]);
    }
  });
});

describe('resolveFunctionSettings', () => {
  test.each(accounts.map((config) => [config.name, config] as const))("%s gets every catalogue function with its file's overrides applied and the defaults elsewhere", (_name, config) => {
    const settings = resolveFunctionSettings(config);
    expect(settings.map((fn) => fn.name)).toEqual([...FUNCTION_NAMES]);
    for (const fn of settings) {
      const override = config.functions[fn.name] ?? {};
      expect(fn).toEqual({
        ...spec(fn.name),
        memoryMiB: override.memoryMiB ?? spec(fn.name).memoryMiB,
        timeoutSeconds: override.timeoutSeconds ?? spec(fn.name).timeoutSeconds,
        reservedConcurrency: override.reservedConcurrency ?? spec(fn.name).reservedConcurrency,
        runtime: override.runtime ?? spec(fn.name).runtime,
        deploymentStrategy: override.deploymentStrategy ?? config.delivery.strategy,
      });
    }
  });

  test('the post-traffic target can serve every deployment group\'s post-traffic hook at once', () => {
    const [runner] = resolveFunctionSettings({ name: unusedAccountName(), functions: {} }).filter((fn) => fn.name === POST_TRAFFIC_TARGET);
    expect(runner.reservedConcurrency).toBeGreaterThanOrEqual(FUNCTIONS.length);
  });

  test.each(FUNCTION_NAMES)('an override of %s changes only the fields it names', (name) => {
    const settings = resolveFunctionSettings({ name: unusedAccountName(), functions: { [name]: { memoryMiB: 256, reservedConcurrency: 3 } } });
    for (const fn of settings) {
      // No delivery block given: every function gets the organisation's default strategy.
      const strategy = { deploymentStrategy: defaults.delivery.strategy };
      expect(fn).toEqual(fn.name === name ? { ...spec(name), memoryMiB: 256, reservedConcurrency: 3, ...strategy } : { ...spec(fn.name), ...strategy });
    }
  });

  test.each(accounts.map((config) => [config.name, config] as const))('%s: an override of a function that does not exist is refused, naming the file, field and allowed names', (_name, config) => {
    const missing = `${FUNCTION_NAMES[0]}-typo`;
    const problems = problemsOf(() => resolveFunctionSettings({ ...config, functions: { [missing]: { memoryMiB: 256 } } }));
    expect(problems).toEqual([`${accountSourceFile(config)}: functions.${missing}: is not a function of the catalogue; use one of ${FUNCTION_NAMES.join(', ')}`]);
  });

  test('names the file the account was really loaded from (INFRA_ACCOUNTS_DIR)', () => {
    const fixture = fixtureAccount();
    const dir = accountsDirWith();
    try {
      const file = writeAccountFile(dir, fixture);
      const missing = `${FUNCTION_NAMES[0]}-typo`;
      const loaded = loadEnvironments({ accountsDir: dir, overrides: { [fixture.name]: { functions: { [missing]: { memoryMiB: 256 } } } } }).find((a) => a.name === fixture.name);
      expect(problemsOf(() => resolveFunctionSettings(loaded!))).toEqual([
        `${path.relative(process.cwd(), file)}: functions.${missing}: is not a function of the catalogue; use one of ${FUNCTION_NAMES.join(', ')}`,
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
