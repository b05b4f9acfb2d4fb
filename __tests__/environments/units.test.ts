import { UNIT_DEPENDENCIES, UnitCycleError, unitLayers, unitOrder, WORKLOAD_UNITS, withDependents } from '../../environments/units';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { accountSourceFile, ConfigError, loadEnvironments, stateBucketName, unitLayoutProblems } from '../../environments/load';
import { accountsDirWith, fixtureAccount, realAccounts } from '../helpers/accounts';
import { tempDir } from '../helpers/temp';
import { runApp } from '../helpers/terraform';

describe('the unit graph', () => {
  it('is acyclic, and every unit comes after the units it depends on', () => {
    const order = unitOrder(WORKLOAD_UNITS, UNIT_DEPENDENCIES);
    expect([...order].sort()).toEqual([...WORKLOAD_UNITS].sort());
    for (const unit of WORKLOAD_UNITS) {
      for (const dep of UNIT_DEPENDENCIES[unit]) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(unit));
    }
  });

  it('puts units with no edge between them in one layer', () => {
    const deps = { a: [], b: [], c: ['a', 'b'] } as const;
    expect(unitLayers(['a', 'b', 'c'], deps)).toEqual([['a', 'b'], ['c']]);
  });

  it('names the cycle', () => {
    const deps = { a: ['c'], b: ['a'], c: ['b'], d: [] } as const;
    expect(() => unitLayers(['a', 'b', 'c', 'd'], deps)).toThrow(UnitCycleError);
    try {
      unitLayers(['a', 'b', 'c', 'd'], deps);
    } catch (error) {
      const cycle = (error as UnitCycleError).cycle;
      expect(cycle[0]).toBe(cycle[cycle.length - 1]);
      expect(new Set(cycle)).toEqual(new Set(['a', 'b', 'c']));
    }
  });

  it('adds the dependents of a changed unit, transitively, in order', () => {
    const all = withDependents(['foundation'], WORKLOAD_UNITS, UNIT_DEPENDENCIES);
    expect(all).toEqual(unitOrder(WORKLOAD_UNITS, UNIT_DEPENDENCIES));
    const leaves = WORKLOAD_UNITS.filter((unit) => !WORKLOAD_UNITS.some((other) => UNIT_DEPENDENCIES[other].includes(unit)));
    for (const leaf of leaves) expect(withDependents([leaf], WORKLOAD_UNITS, UNIT_DEPENDENCIES)).toEqual([leaf]);
  });
});

describe('unit policy in the account files', () => {
  it('refuses a disabled unit that an enabled unit depends on, naming the field and the fix', () => {
    const [account] = loadEnvironments();
    const needed = WORKLOAD_UNITS.find((unit) => WORKLOAD_UNITS.some((other) => UNIT_DEPENDENCIES[other].includes(unit)))!;
    const off = { [account.name]: { units: { [needed]: { enabled: false } } } };
    expect(() => loadEnvironments({ overrides: off })).toThrow(ConfigError);
    expect(() => loadEnvironments({ overrides: off })).toThrow(new RegExp(`units\\.${needed}\\.enabled: is false, but the \\w+ unit depends on the ${needed} unit`));
  });
});

// Issue 23, "Also": bad unit layouts are refused when the configuration loads, with file, field and fix.
describe('unit layouts that cannot be synthesized', () => {
  const real = realAccounts();
  const loaded = real.map((config) => ({ file: accountSourceFile(config)!, config }));

  test('the repository layout has no problem', () => {
    expect(unitLayoutProblems(loaded)).toEqual([]);
  });

  test('a cycle in the unit graph names environments/units.ts, the cycle and the fix', () => {
    const dependencies = { ...UNIT_DEPENDENCIES, foundation: ['observability'] };
    const [problem, ...rest] = unitLayoutProblems(loaded, { units: WORKLOAD_UNITS, dependencies });
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^environments\/units\.ts: UNIT_DEPENDENCIES: the units depend on each other in a cycle \((\w+ -> )+\w+\), so none of them can be applied first; remove one of these edges/);
    const cycle = /cycle \(([^)]+)\)/.exec(problem)![1].split(' -> ');
    expect(cycle[0]).toBe(cycle[cycle.length - 1]);
    expect(cycle).toEqual(expect.arrayContaining(['foundation', 'observability']));
  });

  test("a unit whose state key is another stack's (the legacy main) is refused, naming both stacks and the key", () => {
    const [account] = loaded;
    const units = [...WORKLOAD_UNITS, 'main'];
    const problems = unitLayoutProblems([account], { units, dependencies: { ...UNIT_DEPENDENCIES, main: [] } });
    const key = `${stateBucketName(account.config)}/${account.config.name}/${account.config.region}/main/terraform.tfstate`;
    expect(problems).toEqual([
      `environments/units.ts: WORKLOAD_UNITS: stacks ${account.config.name} and ${account.config.name}-main would both keep their state at s3://${key} and overwrite each other; give every unit its own name, none of them bootstrap or main`,
    ]);
  });

  test('an account named <another account>-<unit> is refused in its own file, naming the other account', () => {
    const [other] = real;
    const clash = fixtureAccount(real, `${other.name}-app`);
    expect(clash.name).toBe(`${other.name}-app`);
    const dir = accountsDirWith(clash);
    let error: unknown;
    try {
      loadEnvironments({ accountsDir: dir, overrides: {} });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(
        new RegExp(`^\\S*${clash.name}\\.ts: name: '${clash.name}' is also the name of the app unit's stack of account ${other.name} \\(\\S*${other.name}\\.ts\\); .*rename this account`),
      ),
    ]);
  });

  test('the app refuses that account at synth: exit 1, the problem, no stack trace, nothing written', () => {
    const [other] = real;
    const dir = accountsDirWith(fixtureAccount(real, `${other.name}-data`));
    const outdir = path.join(tempDir('units-clash-'), 'out');
    const result = runApp(outdir, { INFRA_ACCOUNTS_DIR: dir });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`name: '${other.name}-data' is also the name of the data unit's stack of account ${other.name}`);
    expect(result.stderr).toContain('Nothing was written');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(outdir)).toBe(false);
  }, 120_000);
});
