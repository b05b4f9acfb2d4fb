import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaults } from '../../environments/defaults';
import { accountSourceFile, ConfigError, loadEnvironments, stateBucketName, type Overrides } from '../../environments/load';
import type { AccountConfig, AccountFile, DeepPartial } from '../../environments/schema';
import { accountsDirWith, fixtureAccount, realAccounts, unusedAccountName, unusedVpcCidr, writeAccountFile } from '../helpers/accounts';
import { runApp } from '../helpers/terraform';

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected the configuration to be rejected');
}
const problemsFor = (overrides: Overrides): string[] => problemsOf(() => loadEnvironments({ overrides }));

// Each real account, with the file it was loaded from as it stands (before defaults are merged in).
const accounts = realAccounts();
const sourceOf = (config: AccountConfig): AccountFile => {
  const file = accountSourceFile(config);
  if (!file) throw new Error(`no source file recorded for ${config.name}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.resolve(file)) as { account: AccountFile }).account;
};

/** Every leaf path of a plain object (arrays are leaves: they replace, never merge). */
function leaves(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => leaves(child, [...prefix, key]));
}
const at = (value: unknown, keys: readonly string[]): unknown => keys.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);

describe.each(accounts.map((config) => [config.name, config] as const))('merged configuration of %s', (_name, config) => {
  test('every field the account file lists wins over the default', () => {
    const source = sourceOf(config);
    for (const keys of leaves(source)) expect([keys.join('.'), at(config, keys)]).toEqual([keys.join('.'), at(source, keys)]);
  });

  test('every default field the account file does not list is inherited, siblings of overridden fields included', () => {
    const source = sourceOf(config);
    for (const keys of leaves(defaults)) {
      if (at(source, keys) !== undefined || keys[0] === 'tags') continue;
      expect([keys.join('.'), at(config, keys)]).toEqual([keys.join('.'), at(defaults, keys)]);
    }
  });

  test('tags are the default tags plus the account name and environment, derived so they cannot disagree', () => {
    expect(config.tags).toEqual({ ...defaults.tags, account: config.name, environment: config.environment });
  });

  test('the state bucket follows the naming pattern with its own account id and region', () => {
    expect(stateBucketName(config)).toBe(`${config.organisation}-tfstate-${config.accountId}-${config.region}`);
  });

  test('overrides apply last, arrays replace rather than merge', () => {
    const overridden = loadEnvironments({ overrides: { [config.name]: { network: { interfaceEndpoints: ['secretsmanager', 'sts'] } } } }).find((a) => a.name === config.name)!;
    expect(overridden.network.interfaceEndpoints).toEqual(['secretsmanager', 'sts']);
    expect(overridden.network.cidr).toBe(config.network.cidr);
  });
});

test('accounts come sorted by name, and no two share a state bucket', () => {
  expect(accounts.map((a) => a.name)).toEqual(accounts.map((a) => a.name).sort((a, b) => a.localeCompare(b)));
  expect(new Set(accounts.map(stateBucketName)).size).toBe(accounts.length);
});

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe.each(accounts.map((config) => [config.name, config] as const))('invalid configuration of %s is rejected naming the file, the field and the fix', (name, config) => {
  const file = escape(accountSourceFile(config)!);
  const [privateSubnet] = config.network.privateSubnetCidrs;
  const firstBlockOf = (block: string) => block.replace(/\/\d+$/, '/24');
  const outside = unusedVpcCidr().replace(/\/16$/, '/20');

  test.each<[string, DeepPartial<AccountConfig>, string]>([
    ['an account id that is not 12 digits', { accountId: '82435702818' }, 'accountId: an AWS account id is exactly 12 digits'],
    ['an unknown region', { region: 'eu-west-9' }, 'region: is not a known region; use one of us-east-1'],
    ['an availability zone outside the region', { region: 'eu-west-1', availabilityZones: ['eu-west-1a', 'us-east-1b'] }, "availabilityZones.1: 'us-east-1b' is not an availability zone of eu-west-1; use one of eu-west-1a, eu-west-1b, eu-west-1c"],
    ['an invalid CIDR', { network: { cidr: '10.10.0.0/33' } }, 'network.cidr: is not an IPv4 CIDR block; write it like 10.10.0.0/16'],
    // RFC 1918 section 3: 10/8, 172.16/12 and 192.168/16 only; 172.32.0.0 is just past 172.16.0.0/12.
    ['a public VPC CIDR', { network: { cidr: '11.30.0.0/16' } }, 'network.cidr: is not a private (RFC 1918) block; use one inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16'],
    ['a VPC CIDR just outside 172.16.0.0/12', { network: { cidr: '172.32.0.0/16' } }, 'network.cidr: is not a private (RFC 1918) block'],
    ['a subnet outside the VPC CIDR', { network: { privateSubnetCidrs: [privateSubnet, outside] } }, `network.privateSubnetCidrs.1: subnet ${outside} does not fit in the VPC CIDR ${config.network.cidr}`],
    ['overlapping subnets', { network: { publicSubnetCidrs: [firstBlockOf(privateSubnet), config.network.publicSubnetCidrs[1]] } }, `network.publicSubnetCidrs.0: subnet ${firstBlockOf(privateSubnet)} overlaps network.privateSubnetCidrs.0`],
    // Found as a construct error far from the account file before: database-admin reads its secrets through it.
    ['interface endpoints without secretsmanager', { network: { interfaceEndpoints: ['monitoring', 'sqs'] } }, "network.interfaceEndpoints: is [monitoring, sqs] without 'secretsmanager', which database-admin (and the RDS Proxy) need to read the database secrets inside the VPC; add 'secretsmanager'"],
    ['an unknown field', { database: { instanceSize: 'large' } as never }, 'database: Unrecognized key: "instanceSize"'],
    ['an unknown database instance class family', { database: { instanceClass: 'db.x9.large' } }, 'database.instanceClass: is not a known RDS instance class; use <family>.<size> with family one of db.t3'],
    ['a backup retention above 35 days', { database: { backupRetentionDays: 40 } }, 'database.backupRetentionDays: backup retention must be 1-35 days'],
    ['a backup retention of 0 days', { database: { backupRetentionDays: 0 } }, 'database.backupRetentionDays: backup retention must be 1-35 days'],
  ])('%s', (_case, override, expected) => {
    expect(problemsFor({ [name]: override }).join('\n')).toMatch(new RegExp(`${file}: ${escape(expected)}`));
  });

  test('a missing required field is named', () => {
    expect(problemsFor({ [name]: { network: { cidr: undefined } } as never }).join('\n')).toMatch(new RegExp(`${file}: network\\.cidr: `));
  });

  test('every problem is reported at once, not only the first', () => {
    expect(problemsFor({ [name]: { accountId: 'x', region: 'mars-1' } }).length).toBeGreaterThanOrEqual(2);
  });
});

test('an override for an account that does not exist names the accounts there are', () => {
  const missing = unusedAccountName();
  expect(problemsFor({ [missing]: { region: 'eu-west-1' } })).toEqual([`overrides: '${missing}' is not an account; use one of ${accounts.map((a) => a.name).join(', ')}`]);
});

describe('adding an account is adding one file', () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a fixture account loads next to every real account and inherits the defaults', () => {
    const fixture = fixtureAccount();
    dir = accountsDirWith(fixture);
    const loaded = loadEnvironments({ accountsDir: dir, overrides: {} });
    expect(loaded.map((a) => a.name)).toEqual([...accounts.map((a) => a.name), fixture.name].sort((a, b) => a.localeCompare(b)));
    const added = loaded.find((a) => a.name === fixture.name)!;
    expect([added.region, added.tags.account, added.ci.planRoleName]).toEqual([fixture.region, fixture.name, defaults.ci.planRoleName]);
  });

  // A copied account file that keeps a field of what makes an account itself would act on, be
  // approved as or be tagged as the other account (issue #13 item 2).
  const identityFields: ReadonlyArray<[string, (config: AccountConfig) => DeepPartial<AccountConfig>, string]> = [
    ['accountId', (c) => ({ accountId: c.accountId }), 'set the 12-digit id of this account'],
    ['network.cidr', (c) => ({ network: { ...c.network } }), 'give each account its own /16'],
    ['environment', (c) => ({ environment: c.environment }), "set this account's own"],
    ['github.applyEnvironment', (c) => ({ github: { applyEnvironment: c.github.applyEnvironment } }), "set this account's own"],
  ];
  const cases = accounts.flatMap((config) =>
    identityFields.filter(([field]) => field !== 'github.applyEnvironment' || config.github.applyEnvironment).map(([field, copy, fix]) => [config.name, field, config, copy, fix] as const),
  );

  test.each(cases)("a file copying %s's %s is refused, naming the field, both files and the fix", (_name, field, config, copy, fix) => {
    const fixture = fixtureAccount();
    dir = accountsDirWith({ ...fixture, ...copy(config) } as AccountFile);
    const problems = problemsOf(() => loadEnvironments({ accountsDir: dir, overrides: {} }));
    // Which of the two files a clash is reported against depends on their order; both must be named.
    const files = [`${fixture.name}.ts`, path.basename(accountSourceFile(config)!)].map((f) => path.relative(process.cwd(), path.join(dir, f)));
    const clash = problems.filter((p) => p.includes(`: ${field}: `) && files.every((f) => p.includes(f)));
    expect([clash.length, clash.join('')]).toEqual([1, expect.stringContaining(fix)]);
  });

  test('a file copying a whole account (only its name changed) is refused for every field that identifies that account', () => {
    for (const config of accounts) {
      const copied = { ...sourceOf(config), name: unusedAccountName() };
      dir = accountsDirWith(copied);
      const fields = problemsOf(() => loadEnvironments({ accountsDir: dir, overrides: {} })).map((p) => p.split(': ')[1]);
      const expected = ['accountId', 'network.cidr', 'environment', ...(config.github.applyEnvironment ? ['github.applyEnvironment'] : [])];
      expect([config.name, fields.sort()]).toEqual([config.name, expected.sort()]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Issue 22 item 6: a clash used to be reported against the later file by name, so editing dev to
// staging's environment blamed staging.ts and suggested 'staging', the value it already had.
describe('a clash of identifying values blames the file that changed, never the untouched one', () => {
  const relative = (dir: string, name: string) => path.relative(process.cwd(), path.join(dir, `${name}.ts`));
  const owned = (['environment', 'github.applyEnvironment'] as const).flatMap((field) =>
    accounts.flatMap((config) => {
      const value = field === 'environment' ? config.environment : config.github.applyEnvironment;
      return value ? [[field, config.name, value] as const] : [];
    }),
  );

  test.each(owned.flatMap(([field, name, value]) => (['a', 'z'] as const).map((stem) => [field, name, value, stem] as const)))(
    "a new file copying %s of %s ('%s'), named to sort %s-side, is blamed with its own name as the fix",
    (field, name, value, stem) => {
      const fixture = fixtureAccount(undefined, `${stem}fixture`);
      const copied = field === 'environment' ? { ...fixture, environment: value } : { ...fixture, github: { applyEnvironment: value } };
      const dir = accountsDirWith(copied);
      const clash = problemsOf(() => loadEnvironments({ accountsDir: dir, overrides: {} })).filter((p) => p.includes(`: ${field}: `));
      expect(clash).toEqual([expect.stringContaining(`${relative(dir, fixture.name)}: ${field}: '${value}' is also the ${field} of ${relative(dir, name)}; `)]);
      expect(clash[0]).toContain(`e.g. '${fixture.name}'`);
    },
  );

  test.each(accounts.flatMap((edited) => accounts.filter((other) => other !== edited).map((other) => [edited.name, other.name, edited, other] as const)))(
    "editing %s's file to %s's environment blames the edited file and does not suggest the value it copied",
    (_edited, _other, edited, other) => {
      const dir = accountsDirWith();
      const file = path.join(dir, path.basename(accountSourceFile(edited)!));
      const text = fs.readFileSync(file, 'utf8');
      expect(text).toContain(`environment: '${edited.environment}'`);
      fs.writeFileSync(file, text.replace(`environment: '${edited.environment}'`, `environment: '${other.environment}'`));
      const clash = problemsOf(() => loadEnvironments({ accountsDir: dir, overrides: {} })).filter((p) => p.includes(': environment: '));
      expect(clash).toEqual([expect.stringContaining(`${relative(dir, edited.name)}: environment: '${other.environment}' is also the environment of ${relative(dir, other.name)}; `)]);
      expect(clash[0]).toContain(`e.g. '${edited.name}'`);
    },
  );

  test('with no value derived from a name (accountId), the file edited last is blamed, whichever sorts first', () => {
    const first = fixtureAccount(undefined, 'afixture');
    const second = fixtureAccount([...accounts, first as AccountConfig], 'zfixture');
    const dir = accountsDirWith(first, { ...second, accountId: first.accountId as string });
    const [older, newer] = [new Date('2026-01-01T00:00:00Z'), new Date('2026-06-01T00:00:00Z')];
    for (const [touched, other] of [
      [second, first],
      [first, second],
    ]) {
      fs.utimesSync(path.join(dir, `${other.name}.ts`), older, older);
      fs.utimesSync(path.join(dir, `${touched.name}.ts`), newer, newer);
      const clash = problemsOf(() => loadEnvironments({ accountsDir: dir, overrides: {} })).filter((p) => p.includes(': accountId: '));
      expect(clash).toEqual([expect.stringContaining(`${relative(dir, touched.name)}: accountId: '${first.accountId}' is also the accountId of ${relative(dir, other.name)}; `)]);
    }
  });
});

describe('the file names the account (CI keys an account on its file)', () => {
  test('a file whose name differs from its name field is refused, naming both and the fix', () => {
    const fixture = fixtureAccount();
    const dir = accountsDirWith();
    try {
      const other = unusedAccountName(undefined, `${fixture.name}-file`);
      writeAccountFile(dir, fixture, `${other}.ts`);
      expect(problemsOf(() => loadEnvironments({ accountsDir: dir, overrides: {} }))).toEqual([
        expect.stringMatching(new RegExp(`${other}\\.ts: name: '${fixture.name}' differs from the file name '${other}'; rename the file to ${fixture.name}\\.ts or set name: '${other}'$`)),
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('mistakes the first trial made are named with file, line or key, and the fix (#13 item 7)', () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a TypeScript syntax error in an account file names the file, line and column', () => {
    dir = accountsDirWith();
    const fixture = fixtureAccount();
    const text = `export const account = {\n  name: '${fixture.name}',\n  accountId: '${fixture.accountId}'\n  environment: 'x',\n};\n`;
    fs.writeFileSync(path.join(dir, `${fixture.name}.ts`), text);
    const problems = problemsOf(() => loadEnvironments({ accountsDir: dir, overrides: {} }));
    const file = path.relative(process.cwd(), path.join(dir, `${fixture.name}.ts`));
    expect(problems).toEqual([`${file}:4:3: TypeScript syntax error: ',' expected.; fix that line (\`npx tsc --noEmit\` shows every error)`]);
  });

  test('synth with a broken account file exits 1 with that one line, no stack trace, and writes nothing', () => {
    dir = accountsDirWith();
    fs.writeFileSync(path.join(dir, 'broken.ts'), "export const account = { name: 'broken' accountId: '1' };\n");
    const out = path.join(dir, 'out');
    const result = runApp(out, { INFRA_ACCOUNTS_DIR: dir });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/broken\.ts:1:\d+: TypeScript syntax error: /);
    expect(result.stderr).toContain('Nothing was written');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(out)).toBe(false);
  }, 120_000);

  test.each(accounts.map((a) => [a.name, a] as const))('a wrong value for %s in the INFRA_OVERRIDES_FILE is blamed on that file and key, not on the account file', (name, config) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'overrides-'));
    const file = path.join(dir, 'overrides.json');
    fs.writeFileSync(file, JSON.stringify({ [name]: { database: { backupRetentionDays: 90, instanceSize: 'x' }, network: { cidr: '10.0.0.0/33' } } }));
    const previous = process.env.INFRA_OVERRIDES_FILE;
    process.env.INFRA_OVERRIDES_FILE = file;
    try {
      const problems = problemsOf(() => loadEnvironments());
      const source = `${file} (INFRA_OVERRIDES_FILE)`;
      expect(problems).toEqual(
        expect.arrayContaining([
          `${source}: ${name}.database.backupRetentionDays: backup retention must be 1-35 days`,
          expect.stringContaining(`${source}: ${name}.database: Unrecognized key: "instanceSize"`),
          `${source}: ${name}.network.cidr: is not an IPv4 CIDR block; write it like 10.10.0.0/16`,
        ]),
      );
      expect(problems.filter((p) => p.startsWith(accountSourceFile(config)!))).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.INFRA_OVERRIDES_FILE;
      else process.env.INFRA_OVERRIDES_FILE = previous;
    }
  });
});

describe('an account is applied through one path only (#21 item 2)', () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The real account files, with `edit` applied to the source of `config` as a person would edit it. */
  function editedAccountsDir(config: AccountConfig, edit: (github: AccountFile['github']) => AccountFile['github']): { dir: string; file: string } {
    dir = accountsDirWith();
    const file = path.join(dir, path.basename(accountSourceFile(config)!));
    const source = sourceOf(config);
    writeAccountFile(dir, { ...source, github: edit(source.github) }, path.basename(file));
    return { dir, file: path.relative(process.cwd(), file) };
  }

  // Adding `applyBranch: 'main'` beside `applyEnvironment` would make the apply role also trust
  // deploy.yml on main: every merge would apply the account with no reviewer.
  test.each(accounts.filter((a) => a.github.applyEnvironment).map((a) => [a.name, a] as const))(
    "adding applyBranch: 'main' to %s, which has an approval environment, is refused naming the file, the field and the fix",
    (_name, config) => {
      const { dir: accountsDir, file } = editedAccountsDir(config, (github) => ({ ...github, applyBranch: 'main' }));
      expect(problemsOf(() => loadEnvironments({ accountsDir, overrides: {} }))).toEqual([
        expect.stringMatching(
          new RegExp(`^${escape(file)}: github\\.applyBranch: is set next to applyEnvironment '${escape(config.github.applyEnvironment!)}'.*applied only through it: remove applyBranch`),
        ),
      ]);
    },
  );

  test.each(accounts.map((a) => [a.name, a] as const))("an applyBranch other than 'main' in %s is refused: deploy.yml runs on pushes to main only", (_name, config) => {
    const { dir: accountsDir, file } = editedAccountsDir(config, () => ({ applyBranch: 'release' as never }));
    expect(problemsOf(() => loadEnvironments({ accountsDir, overrides: {} }))).toEqual([
      expect.stringMatching(new RegExp(`^${escape(file)}: github\\.applyBranch: must be 'main' \\(deploy\\.yml runs on pushes to main only\\)`)),
    ]);
  });
});
