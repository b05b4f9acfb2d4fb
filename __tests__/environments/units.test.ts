import { UNIT_DEPENDENCIES, UnitCycleError, unitLayers, unitOrder, WORKLOAD_UNITS, withDependents } from '../../environments/units';
import { loadEnvironments, ConfigError } from '../../environments/load';

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
