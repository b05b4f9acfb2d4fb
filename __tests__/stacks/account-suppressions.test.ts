import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { accountSourceFile, ConfigError, loadEnvironments, type Overrides } from '../../environments/load';
import type { AccountConfig } from '../../environments/schema';
import { listSuppressions, SecurityRulesError } from '../../rules/engine';
import { addWorkloadUnits, UNIT_CONSTRUCTS } from '../../stacks/workload';
import { UNIT_DEPENDENCIES, unitStackName, WORKLOAD_UNITS } from '../../environments/units';
import { resolveFunctionSettings } from '../../catalogue/function-settings';
import { realAccounts } from '../helpers/accounts';
import { runApp } from '../helpers/terraform';

// Issue #13 item 5: configuration never switches a security rule off by itself; an exception is a
// suppression a person writes in the account file, with its reason. These checks need the real
// workload stack; how each entry is applied or refused (unknown construct or rule, duplicates) is
// tested on a three-resource stack in apply-account-suppressions.test.ts.
const accounts = realAccounts();
const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/**
 * Synthesizes one account's workload stack in memory with overrides; returns what app.synth() threw.
 * Remembered per account and overrides: two tests ask for the same synth (a synth is most of this
 * file's time).
 */
const synthErrors = new Map<string, unknown>();
function synthError(config: AccountConfig, overrides: Overrides[string]): unknown {
  const key = JSON.stringify([config.name, overrides]);
  if (!synthErrors.has(key)) synthErrors.set(key, synthOnce(config, overrides));
  return synthErrors.get(key);
}

function synthOnce(config: AccountConfig, overrides: Overrides[string]): unknown {
  const merged = loadEnvironments({ overrides: { [config.name]: overrides } }).find((a) => a.name === config.name)!;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'suppressions-'));
  tempDirs.push(outdir);
  try {
    const app = new App({ outdir, skipValidation: false });
    addWorkloadUnits(app, { config: merged });
    app.synth();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.each(accounts.map((a) => [a.name, a] as const))('account %s', (name, config) => {
  const file = accountSourceFile(config)!;

  test('database.deletionProtection: false without a written suppression fails synthesis, naming the rule and where to write the reason', () => {
    const error = synthError(config, { database: { deletionProtection: false }, suppressions: [] });
    expect(error).toBeInstanceOf(SecurityRulesError);
    const finding = (error as SecurityRulesError).findings.find((f) => f.startsWith('PLAT-RDS-5'));
    expect(finding).toContain(`at ${unitStackName(name, 'data')}/Database`);
    expect(finding).toContain(`write why in ${file}: suppressions: [{ rule: 'PLAT-RDS-5', unit: 'data', construct: 'Database`);
  });

  test('with a suppression written in the account file it synthesizes, and the suppression names that file', () => {
    const suppressions = [{ rule: 'PLAT-RDS-5', unit: 'data' as const, construct: 'Database', reason: 'this account holds nothing worth keeping, written for this test' }];
    expect(synthError(config, { database: { deletionProtection: false }, suppressions })).toBeUndefined();
  });

  test('a written suppression that matches nothing fails synthesis, saying to remove it from the account file', () => {
    const suppressions = [{ rule: 'PLAT-RDS-5', unit: 'data' as const, construct: 'Database', reason: 'no longer needed once protection is back on' }];
    const error = synthError(config, { database: { deletionProtection: true }, suppressions });
    expect((error as SecurityRulesError).findings).toContain(
      `Unused suppression of PLAT-RDS-5 at ${unitStackName(name, 'data')}/Database: the rule finds nothing there any more. Fix: remove it from ${file} (suppressions.0)`,
    );
  });

  test.each([
    ['a construct the stack does not have', { rule: 'PLAT-RDS-5', unit: 'data' as const, construct: 'Databse', reason: 'a long enough reason for the test' }, "suppressions.0.construct: 'Databse' is no construct of the data unit"],
    ['a rule that does not exist', { rule: 'PLAT-RDS-99', unit: 'data' as const, construct: 'Database', reason: 'a long enough reason for the test' }, "suppressions.0.rule: 'PLAT-RDS-99' is no rule of constructs/rules/index.ts"],
    [
      'a construct of another unit',
      { rule: 'PLAT-RDS-5', unit: 'app' as const, construct: 'Database', reason: 'a long enough reason for the test' },
      "suppressions.0.unit: 'Database' is in the data unit, not app; set unit: 'data'",
    ],
  ])('%s is a configuration error naming the entry and the fix', (_case, suppression, message) => {
    const error = synthError(config, { suppressions: [suppression] });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toContain(`${file}: ${message}`);
  });

  test("a path below no construct of the unit lists the unit's constructs", () => {
    const error = synthError(config, { suppressions: [{ rule: 'PLAT-RDS-5', unit: 'data', construct: 'Databse', reason: 'a long enough reason for the test' }] });
    expect((error as ConfigError).problems).toEqual([
      `${file}: suppressions.0.construct: 'Databse' is no construct of the data unit; use a path below one of its constructs: ${UNIT_CONSTRUCTS.data.join(', ')}`,
    ]);
  });

  test('a suppression in a unit the account turns off is a configuration error saying so', () => {
    const leaf = WORKLOAD_UNITS.find((unit) => !WORKLOAD_UNITS.some((other) => UNIT_DEPENDENCIES[other].includes(unit)))!;
    const suppressions = [{ rule: 'PLAT-RDS-5', unit: leaf, construct: UNIT_CONSTRUCTS[leaf][0], reason: 'a long enough reason for the test' }];
    const error = synthError(config, { units: { [leaf]: { enabled: false } }, suppressions });
    expect((error as ConfigError).problems).toEqual([`${file}: suppressions.0.unit: the ${leaf} unit is turned off (units.${leaf}.enabled), so nothing of it is synthesized; remove the suppression or turn the unit on`]);
  });

  // Lambda keeps 100 executions unreserved and a new account's quota may be 10
  // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html), so an account may
  // turn a function's reservation 'off'; that weakens PLAT-LAMBDA-2, so a person writes why.
  test("reservedConcurrency: 'off' without a written suppression fails synthesis naming PLAT-LAMBDA-2 and where to write the reason", () => {
    const [fn] = resolveFunctionSettings(config);
    const error = synthError(config, { functions: { [fn.name]: { reservedConcurrency: 'off' } } });
    expect(error).toBeInstanceOf(SecurityRulesError);
    const finding = (error as SecurityRulesError).findings.find((f) => f.startsWith('PLAT-LAMBDA-2'));
    expect(finding).toContain(`write why in ${file}: suppressions: [{ rule: 'PLAT-LAMBDA-2'`);
  });

  test("reservedConcurrency: 'off' with a suppression written in the account file synthesizes", () => {
    const [fn] = resolveFunctionSettings(config);
    const probe = synthError(config, { functions: { [fn.name]: { reservedConcurrency: 'off' } } }) as SecurityRulesError;
    const [, unit, construct] = /unit: '(\w+)', construct: '([^']+)'/.exec(probe.findings.find((f) => f.startsWith('PLAT-LAMBDA-2'))!)! as unknown as [string, 'app', string];
    const suppressions = [...config.suppressions, { rule: 'PLAT-LAMBDA-2', unit, construct, reason: 'the quota of this account is below 100 plus the reservations (test)' }];
    expect(synthError(config, { functions: { [fn.name]: { reservedConcurrency: 'off' } }, suppressions })).toBeUndefined();
  });

  test('a suppression without a real reason is refused when the configuration loads', () => {
    expect(() => loadEnvironments({ overrides: { [name]: { suppressions: [{ rule: 'PLAT-RDS-5', unit: 'data' as const, construct: 'Database', reason: 'off' }] } } })).toThrow(
      `${file}: suppressions.0.reason: say in at least 20 characters why the exception is safe for this account`,
    );
  });

  test('every database without deletion protection carries a suppression its account file wrote', () => {
    const written = config.suppressions.filter((s) => s.rule === 'PLAT-RDS-5' && s.construct === 'Database');
    expect(written).toHaveLength(config.database.deletionProtection ? 0 : 1);
  });
});

test('the whole app refuses to synthesize an account that turns protection off without a reason, writes nothing and shows no stack trace', () => {
  const [config] = accounts;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suppressions-app-'));
  tempDirs.push(dir);
  const overrides = path.join(dir, 'overrides.json');
  fs.writeFileSync(overrides, JSON.stringify({ [config.name]: { database: { deletionProtection: false }, suppressions: [] } }));
  const result = runApp(path.join(dir, 'out'), { INFRA_OVERRIDES_FILE: overrides });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(`PLAT-RDS-5 (CKV_AWS_293) at ${unitStackName(config.name, 'data')}/Database`);
  expect(result.stderr).toContain(`write why in ${accountSourceFile(config)}: suppressions:`);
  expect(result.stderr).toContain('Nothing was written');
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(fs.existsSync(path.join(dir, 'out', 'stacks'))).toBe(false);
}, 120_000);

test('every suppression an account file writes reaches the stack of the unit it names, with the file and the reason', () => {
  for (const config of accounts.filter((a) => a.suppressions.length > 0)) {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'suppressions-list-')), skipValidation: true });
    tempDirs.push(app.outdir);
    addWorkloadUnits(app, { config });
    const fromFile = listSuppressions(app).filter((s) => s.declaredIn?.startsWith(accountSourceFile(config)!));
    expect(fromFile.map((s) => [s.path, s.ruleId, s.reason])).toEqual(config.suppressions.map((s) => [`${unitStackName(config.name, s.unit)}/${s.construct}`, s.rule, s.reason]));
  }
});
