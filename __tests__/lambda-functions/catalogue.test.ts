import * as fs from 'node:fs';
import * as path from 'node:path';
import { accountsDirWith, QA_FIXTURE } from '../helpers/accounts';
import { allowedPythonRuntimes } from '../../environments/aws-facts';
import { ConfigError, loadEnvironments } from '../../environments/load';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionSpec, HTTP_ROUTES, SHARED_MODULES } from '../../lambda-functions/catalogue';
import { catalogueProblems, resolveFunctionSettings } from '../../lambda-functions/function-settings';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const TODAY = new Date('2026-11-22T00:00:00Z');
const spec = (name: string): FunctionSpec => FUNCTIONS.find((fn) => fn.name === name) as FunctionSpec;
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
  test('lists the seven functions of the design, each once', () => {
    expect(FUNCTIONS.map((fn) => fn.name)).toEqual([...FUNCTION_NAMES]);
    expect(new Set(FUNCTION_NAMES).size).toBe(7);
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

  test('has the staging sizes of the design as defaults', () => {
    expect(Object.fromEntries(FUNCTIONS.map((fn) => [fn.name, [fn.memoryMiB, fn.timeoutSeconds, fn.vpc]]))).toEqual({
      'api-docs-generator': [512, 30, false],
      'generate-presigned-url': [128, 10, false],
      'insert-ppu-data': [1024, 6, true],
      'lambda-test-runner': [1024, 300, true],
      'presigned-url-s3-upload': [128, 10, false],
      'software-event-update-handler': [128, 10, false],
      'sync-clock': [128, 3, true],
    });
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

  test('database functions get connection settings and the secret ARN, never a password', () => {
    for (const fn of FUNCTIONS.filter((f) => f.vpc)) {
      expect(Object.keys(fn.environment)).toEqual(expect.arrayContaining(['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_SECRET_ARN', 'DB_AUTH', 'DB_SSL_ROOT_CERT']));
      expect(fn.environment.DB_SSL_ROOT_CERT).toEqual({ from: 'db-ssl-root-cert' });
      expect(Object.keys(fn.environment).filter((name) => /PASSWORD/.test(name))).toEqual([]);
    }
  });

  test('HTTP routes point at the HTTP-triggered functions, and every such function has a route', () => {
    const httpFunctions = FUNCTIONS.filter((fn) => fn.trigger.kind === 'http').map((fn) => fn.name).sort();
    expect([...new Set(HTTP_ROUTES.map((route) => route.functionName))].sort()).toEqual(httpFunctions);
    expect(HTTP_ROUTES.map((route) => `${route.method} ${route.path} -> ${route.functionName}`)).toEqual([
      'GET /openapi -> api-docs-generator',
      'POST /files/download-url -> generate-presigned-url',
      'POST /files/upload-url -> presigned-url-s3-upload',
      'POST /ppu-data -> insert-ppu-data',
    ]);
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
  test('the catalogue refuses python3.9, naming the function and the allowed runtimes', () => {
    const old = FUNCTIONS.map((fn) => (fn.name === 'sync-clock' ? { ...fn, runtime: 'python3.9' } : fn));
    expect(catalogueProblems(old, TODAY)).toEqual([
      "lambda-functions/catalogue.ts: sync-clock.runtime: 'python3.9' is deprecated by AWS; use one of python3.11, python3.12, python3.13",
    ]);
  });

  test('the catalogue refuses a runtime whose AWS deprecation date has passed', () => {
    const old = FUNCTIONS.map((fn) => (fn.name === 'insert-ppu-data' ? { ...fn, runtime: 'python3.10' } : fn));
    expect(catalogueProblems(old, TODAY)).toEqual([
      "lambda-functions/catalogue.ts: insert-ppu-data.runtime: 'python3.10' is past its AWS deprecation date or not a known Lambda runtime; use one of python3.11, python3.12, python3.13",
    ]);
    expect(catalogueProblems(old, new Date('2026-10-01T00:00:00Z'))).toEqual([]);
  });

  test('an account may not move a function to a deprecated runtime', () => {
    const problems = problemsOf(() => resolveFunctionSettings({ name: 'dev', functions: { 'sync-clock': { runtime: 'python3.8' } } }, TODAY));
    expect(problems).toEqual(["environments/accounts/dev.ts: functions.sync-clock.runtime: 'python3.8' is deprecated by AWS; use one of python3.11, python3.12, python3.13"]);
  });
});

describe('resolveFunctionSettings', () => {
  test('applies the account overrides and keeps the catalogue defaults elsewhere', () => {
    const settings = resolveFunctionSettings({ name: 'dev', functions: { 'insert-ppu-data': { memoryMiB: 512, reservedConcurrency: 3 }, 'sync-clock': { runtime: 'python3.13' } } });
    const byName = Object.fromEntries(settings.map((fn) => [fn.name, fn]));
    expect([byName['insert-ppu-data'].memoryMiB, byName['insert-ppu-data'].timeoutSeconds, byName['insert-ppu-data'].reservedConcurrency]).toEqual([512, 6, 3]);
    expect(byName['sync-clock'].runtime).toBe('python3.13');
    expect(byName['api-docs-generator']).toEqual(spec('api-docs-generator'));
  });

  test('refuses an override of a function that does not exist, naming the file, field and allowed names', () => {
    const problems = problemsOf(() => resolveFunctionSettings({ name: 'staging', functions: { 'sync-clocks': { memoryMiB: 256 } } }));
    expect(problems).toEqual([`environments/accounts/staging.ts: functions.sync-clocks: is not a function of the catalogue; use one of ${FUNCTION_NAMES.join(', ')}`]);
  });

  test('names the file the account was really loaded from (INFRA_ACCOUNTS_DIR, any file name)', () => {
    const dir = accountsDirWith();
    fs.copyFileSync(QA_FIXTURE, path.join(dir, 'quality-assurance.ts'));
    const qa = loadEnvironments({ accountsDir: dir, overrides: { qa: { functions: { 'sync-clocks': { memoryMiB: 256 } } } } }).find((a) => a.name === 'qa');
    const file = path.relative(process.cwd(), path.join(dir, 'quality-assurance.ts'));
    expect(problemsOf(() => resolveFunctionSettings(qa!))).toEqual([`${file}: functions.sync-clocks: is not a function of the catalogue; use one of ${FUNCTION_NAMES.join(', ')}`]);
  });

  test('dev runs its database functions smaller than staging', () => {
    const [dev, staging] = loadEnvironments({ overrides: {} }).map((config) => resolveFunctionSettings(config));
    const memory = (settings: typeof dev, name: string) => settings.find((fn) => fn.name === name)?.memoryMiB;
    expect([memory(dev, 'insert-ppu-data'), memory(staging, 'insert-ppu-data')]).toEqual([512, 1024]);
    expect([memory(dev, 'lambda-test-runner'), memory(staging, 'lambda-test-runner')]).toEqual([512, 1024]);
  });
});
