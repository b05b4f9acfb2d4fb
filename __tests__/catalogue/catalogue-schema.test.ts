import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyRepo } from '../build/repo-copy';
import { tempDir } from '../helpers/temp';
import { FUNCTIONS, type FunctionSpec } from '../../catalogue';
import { catalogueSchemaProblems } from '../../catalogue/catalogue-schema';
import { catalogueProblems, resolveFunctionSettings } from '../../catalogue/function-settings';

/** Each function's entry is its own file: errors name it. */
const fileOf = (name: string): string => `catalogue/functions/${name}.ts`;
const TODAY = new Date('2026-11-22T00:00:00Z');

/** The catalogue with one entry changed the way a cast or an untyped edit would let through. */
function withEntry(name: string, change: (fn: Record<string, unknown>) => Record<string, unknown>): unknown[] {
  return FUNCTIONS.map((fn) => (fn.name === name ? change({ ...fn }) : fn));
}

describe('the catalogue is validated by a schema, not only by TypeScript types', () => {
  test('the real catalogue passes', () => {
    expect(catalogueSchemaProblems(FUNCTIONS)).toEqual([]);
  });

  test('a misspelt grant kind is refused naming the file, function, field and the kinds to use', () => {
    const fn = FUNCTIONS.find((f) => f.grants.length > 0) as FunctionSpec;
    const problems = catalogueSchemaProblems(withEntry(fn.name, (entry) => ({ ...entry, grants: [{ kind: 'bucket-reed', prefix: 'downloads/' }] })));
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${fileOf(fn.name)}: ${fn.name}\\.grants\\.0\\.kind: 'bucket-reed' is not a grant kind; use one of .*bucket-read`))]);
  });

  test("architecture 'arm' is refused with the two Lambda architectures", () => {
    const [fn] = FUNCTIONS;
    expect(catalogueSchemaProblems(withEntry(fn.name, (entry) => ({ ...entry, architecture: 'arm' })))).toEqual([
      `${fileOf(fn.name)}: ${fn.name}.architecture: 'arm' is not a Lambda architecture; use 'arm64' or 'x86_64'`,
    ]);
  });

  test('a misspelt field, a string where a number belongs and an unknown layer are each named', () => {
    const [fn] = FUNCTIONS;
    const problems = catalogueSchemaProblems(withEntry(fn.name, (entry) => ({ ...entry, memoryMiB: '512', layers: ['pg-drivers'], envirnoment: {} })));
    expect(problems).toEqual(
      expect.arrayContaining([
        `${fileOf(fn.name)}: ${fn.name}.memoryMiB: '512' is not a memory size; use a whole number of MiB from 128 to 10240`,
        expect.stringMatching(new RegExp(`^${fileOf(fn.name)}: ${fn.name}\\.layers\\.0: 'pg-drivers' is not a layer; use one of pg-driver`)),
        `${fileOf(fn.name)}: ${fn.name}.envirnoment: is not a field of a catalogue entry; remove it or fix its spelling (FunctionSpec in catalogue/function-spec.ts)`,
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  test('catalogueProblems (what resolveFunctionSettings throws as ConfigError) includes the schema problems', () => {
    const [fn] = FUNCTIONS;
    const bad = withEntry(fn.name, (entry) => ({ ...entry, architecture: 'arm' })) as unknown as FunctionSpec[];
    expect(catalogueProblems(bad, TODAY)).toContain(`${fileOf(fn.name)}: ${fn.name}.architecture: 'arm' is not a Lambda architecture; use 'arm64' or 'x86_64'`);
  });
});

describe('synth with a bad catalogue', () => {
  // A clone whose function file was edited without running tsc (tsx strips types, so synth never saw them).
  const root = copyRepo('catalogue-synth-');
  const [target] = FUNCTIONS.filter((fn) => fn.grants.length > 0).slice(-1);
  const file = path.join(root, fileOf(target.name));
  const source = fs.readFileSync(file, 'utf8');
  const kind = target.grants[0].kind;
  const nameLine = `  name: '${target.name}',\n`;
  expect(source).toContain(nameLine);
  // Its architecture is the default one: the bad value is a line the file adds.
  fs.writeFileSync(file, source.replace(nameLine, `${nameLine}  architecture: 'arm',\n`).replace(`kind: '${kind}'`, `kind: '${kind}s'`));

  const outdir = tempDir('catalogue-synth-out-');
  fs.writeFileSync(path.join(outdir, 'manifest.json'), '{"previous": true}\n');
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: root, env: { ...process.env, CDKTF_OUTDIR: outdir, INFRA_OVERRIDES_FILE: '' }, encoding: 'utf8' });

  test('exits non-zero naming the file, the function, each field and the fix, without a stack trace', () => {
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${fileOf(target.name)}: ${target.name}.architecture: 'arm' is not a Lambda architecture; use 'arm64' or 'x86_64'`);
    expect(run.stderr).toContain(`${fileOf(target.name)}: ${target.name}.grants.0.kind: '${kind}s' is not a grant kind; use one of`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).not.toMatch(/TypeError/);
  });

  test('leaves the previous synthesized output untouched', () => {
    expect(fs.readdirSync(outdir)).toEqual(['manifest.json']);
    expect(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')).toBe('{"previous": true}\n');
    expect(run.stderr).toMatch(/Nothing was written/);
  });
});

describe("HTTP-triggered functions stay within API Gateway's 29-second integration timeout", () => {
  const http = FUNCTIONS.find((fn) => fn.trigger.kind === 'http') as FunctionSpec;
  const other = FUNCTIONS.find((fn) => fn.trigger.kind !== 'http') as FunctionSpec;

  test('every HTTP function of the catalogue has a timeout of at most 29 s', () => {
    for (const fn of FUNCTIONS.filter((f) => f.trigger.kind === 'http')) expect([fn.name, fn.timeoutSeconds <= 29]).toEqual([fn.name, true]);
  });

  test('a catalogue timeout above 29 s on an HTTP function is refused with the fix; other triggers may run longer', () => {
    expect(catalogueSchemaProblems(withEntry(http.name, (entry) => ({ ...entry, timeoutSeconds: 30 })))).toEqual([
      expect.stringMatching(new RegExp(`^${fileOf(http.name)}: ${http.name}\\.timeoutSeconds: 30 seconds is longer than API Gateway's 29-second integration timeout.*; set it to 29 or less`)),
    ]);
    expect(catalogueSchemaProblems(withEntry(other.name, (entry) => ({ ...entry, timeoutSeconds: 300 })))).toEqual([]);
  });

  test("an account file raising an HTTP function's timeout above 29 s is refused naming the account file and field", () => {
    expect(() => resolveFunctionSettings({ name: 'dev', functions: { [http.name]: { timeoutSeconds: 60 } } }, TODAY)).toThrow(
      new RegExp(`environments/accounts/dev\\.ts: functions\\.${http.name}\\.timeoutSeconds: 60 seconds is longer than API Gateway's 29-second integration timeout.*set it to 29 or less`),
    );
    expect(() => resolveFunctionSettings({ name: 'dev', functions: { [other.name]: { timeoutSeconds: 60 } } }, TODAY)).not.toThrow();
  });
});
