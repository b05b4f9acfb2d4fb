import * as fs from 'node:fs';
import * as path from 'node:path';
import deepmerge from 'deepmerge';
import { defaults } from './defaults';
import { cidrContains, cidrsOverlap } from '../aws/cidr';
import { accountSchema, type AccountConfig, type AccountFile, type DeepPartial } from './schema';
import { LEGACY_UNIT, stateKey, UNIT_DEPENDENCIES, UnitCycleError, unitLayers, unitStackName, WORKLOAD_UNITS } from './units';

/** The folder holding one file per account; adding an account is adding a file here. */
export const ACCOUNTS_DIR = path.join(__dirname, 'accounts');

/** Per-account overrides applied last, keyed by account name (tests, local experiments). */
export type Overrides = Readonly<Record<string, DeepPartial<AccountConfig>>>;

export interface LoadOptions {
  /** Folder of account files. Default: $INFRA_ACCOUNTS_DIR, else environments/accounts. */
  readonly accountsDir?: string;
  /**
   * Overrides applied after the account file. Default: the JSON file named by the
   * INFRA_OVERRIDES_FILE environment variable, or none.
   */
  readonly overrides?: Overrides;
  /**
   * Where `overrides` come from, named instead of the account file when an overridden value is
   * wrong. Default: the INFRA_OVERRIDES_FILE file when the overrides are read from it, else none
   * (programmatic overrides stand in for the account file, as in tests).
   */
  readonly overridesSource?: string;
}

/** Invalid configuration: every problem found, each naming the file, the field and the fix. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// The file each loaded account came from, keyed by the returned object, so later checks (e.g. the
// function overrides) can name the real file even under INFRA_ACCOUNTS_DIR or another file name.
const sourceFiles = new WeakMap<object, string>();

/** The file (relative to the working directory) an account returned by loadEnvironments came from. */
export function accountSourceFile(config: object): string | undefined {
  return sourceFiles.get(config);
}

// Arrays replace rather than concatenate: an account listing two AZs means exactly those two.
const merge = (...layers: object[]): object =>
  deepmerge.all(layers, { arrayMerge: (_target, source) => source });

function readOverridesFile(): { overrides: Overrides; source?: string } {
  const file = process.env.INFRA_OVERRIDES_FILE;
  if (!file) return { overrides: {} };
  const source = `${file} (INFRA_OVERRIDES_FILE)`;
  try {
    return { overrides: JSON.parse(fs.readFileSync(file, 'utf8')) as Overrides, source };
  } catch (error) {
    throw new ConfigError([`${source}: cannot be read as JSON: ${(error as Error).message}; fix the JSON or unset INFRA_OVERRIDES_FILE`]);
  }
}

/**
 * The first syntax error TypeScript finds in a file, as `:line:column: message`, or undefined.
 * Loaded only when an account file fails to load, so a valid estate never pays for the compiler.
 */
function syntaxError(file: string): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const { diagnostics = [] } = ts.transpileModule(fs.readFileSync(file, 'utf8'), { fileName: file, reportDiagnostics: true });
  const [first] = diagnostics;
  if (!first?.file || first.start === undefined) return undefined;
  const { line, character } = first.file.getLineAndCharacterOfPosition(first.start);
  return `:${line + 1}:${character + 1}: TypeScript syntax error: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}`;
}

/** The account a file exports, or the one-line problem that keeps it from loading. */
function loadAccountFile(file: string, shown: string): AccountFile | string {
  let exported: { account?: AccountFile };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(file) as { account?: AccountFile };
  } catch (error) {
    const syntax = syntaxError(file);
    if (syntax) return `${shown}${syntax}; fix that line (\`npx tsc --noEmit\` shows every error)`;
    return `${shown}: cannot be loaded: ${(error as Error).message.split('\n')[0]}; fix the file so it only exports its account object`;
  }
  if (!exported.account || typeof exported.account !== 'object') {
    return `${shown}: must export 'account' (export const account: AccountFile = { name, accountId, ... })`;
  }
  return exported.account;
}

/** Whether `overrides` sets the value at `segments` (or a leaf or array on the way to it). */
function overridesSet(overrides: unknown, segments: readonly PropertyKey[]): boolean {
  if (overrides === undefined) return false;
  let node: unknown = overrides;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return node !== undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
    if (node === undefined) return false;
  }
  return true;
}

/** Names where a value came from: the overrides file and key when it set it, else the account file. */
interface Origin {
  readonly file: string;
  readonly name: string;
  readonly overrides: unknown;
  readonly source?: string;
}
function locate(origin: Origin, segments: readonly PropertyKey[]): string {
  if (origin.source && overridesSet(origin.overrides, segments)) return `${origin.source}: ${origin.name}.${fieldPath(segments)}`;
  return `${origin.file}: ${fieldPath(segments)}`;
}
const origins = new WeakMap<object, Origin>();

/**
 * `<file>: <field>` for a field of an account returned by loadEnvironments: the overrides file and
 * key when the overrides set it, else the account file (later checks, e.g. function overrides, use it).
 */
export function fieldLocation(config: Pick<AccountConfig, 'name'>, segments: readonly PropertyKey[]): string {
  const origin = origins.get(config);
  // Configs not from loadEnvironments (tests) fall back to the default folder's naming.
  return origin ? locate(origin, segments) : `${accountSourceFile(config) ?? `environments/accounts/${config.name}.ts`}: ${fieldPath(segments)}`;
}

function fieldPath(segments: readonly PropertyKey[]): string {
  return segments.length ? segments.map(String).join('.') : '(root)';
}

/** Whether an identifying value is the account's own: its name, or a word that starts with it ('development' of dev). */
function derivedFromName(config: AccountConfig, value: string): boolean {
  return value.startsWith(config.name);
}

type LoadedAccount = { file: string; config: AccountConfig; origin: Origin };

/**
 * Of two accounts sharing an identifying value, the one whose file was changed to it, then the one
 * left as it was: the one whose value is not derived from its own name (a file copied from staging
 * that kept applyEnvironment 'staging'); else the one whose overrides set it; else the file edited
 * last (newer modification time); else the later file by name. The error blames the first and
 * names the second, so the suggested fix never rewrites the account nobody touched.
 */
function whichChanged(a: LoadedAccount, b: LoadedAccount, segments: readonly string[], owned?: (side: LoadedAccount) => boolean): [LoadedAccount, LoadedAccount] {
  if (owned) {
    const [ownsA, ownsB] = [owned(a), owned(b)];
    if (ownsA !== ownsB) return ownsA ? [b, a] : [a, b];
  }
  const [overA, overB] = [a, b].map((side) => Boolean(side.origin.source) && overridesSet(side.origin.overrides, segments));
  if (overA !== overB) return overA ? [a, b] : [b, a];
  const [timeA, timeB] = [a, b].map((side) => modified(side.file));
  if (timeA !== timeB) return timeA > timeB ? [a, b] : [b, a];
  return [b, a];
}

function modified(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Problems that need more than one field of one account: subnet fit and cross-account clashes. */
function relationalProblems(accounts: readonly LoadedAccount[]): string[] {
  const problems: string[] = [];
  for (const { config, origin } of accounts) {
    const { cidr, publicSubnetCidrs, privateSubnetCidrs } = config.network;
    const subnets = [
      ...publicSubnetCidrs.map((block, i) => ({ field: `network.publicSubnetCidrs.${i}`, block })),
      ...privateSubnetCidrs.map((block, i) => ({ field: `network.privateSubnetCidrs.${i}`, block })),
    ];
    subnets.forEach(({ field, block }, i) => {
      if (!cidrContains(cidr, block)) {
        problems.push(`${locate(origin, field.split('.'))}: subnet ${block} does not fit in the VPC CIDR ${cidr}; choose a block inside ${cidr}`);
      }
      for (const other of subnets.slice(i + 1)) {
        if (cidrsOverlap(block, other.block)) {
          problems.push(`${locate(origin, field.split('.'))}: subnet ${block} overlaps ${other.field} (${other.block}); subnets must not overlap`);
        }
      }
    });
  }
  // What makes an account itself: a copied file that keeps one of these would act on, be approved
  // as, or be tagged as another account. Each clash names the field, both files and the fix.
  // `owned`: the value is derived from the account's own name (staging/'staging', dev/'development').
  const identity: ReadonlyArray<{
    field: string;
    value: (c: AccountConfig) => string | undefined;
    clash?: (x: string, y: string) => boolean;
    owned?: (c: AccountConfig, value: string) => boolean;
    fix: (c: AccountConfig) => string;
  }> = [
    { field: 'name', value: (c) => c.name, fix: () => 'give this account its own name (the file name without .ts)' },
    { field: 'accountId', value: (c) => c.accountId, fix: () => 'each account file is one AWS account: set the 12-digit id of this account' },
    {
      field: 'network.cidr',
      value: (c) => c.network.cidr,
      clash: cidrsOverlap,
      fix: () => 'give each account its own /16 so the VPCs can be peered later (and carve its subnets from it)',
    },
    {
      field: 'environment',
      value: (c) => c.environment,
      owned: derivedFromName,
      fix: (c) => `the environment tag tells accounts apart in billing and alarms: set this account's own, e.g. '${c.name}'`,
    },
    {
      field: 'github.applyEnvironment',
      value: (c) => c.github.applyEnvironment,
      owned: derivedFromName,
      fix: (c) => `a GitHub environment's approval gates exactly one account: set this account's own, e.g. '${c.name}', and create it under Settings > Environments`,
    },
  ];
  accounts.forEach((a, i) => {
    for (const b of accounts.slice(i + 1)) {
      for (const { field, value, clash, owned, fix } of identity) {
        const [x, y] = [value(a.config), value(b.config)];
        if (x === undefined || y === undefined || !(clash ? clash(x, y) : x === y)) continue;
        const segments = field.split('.');
        const [changed, kept] = whichChanged(a, b, segments, owned && ((side) => owned(side.config, value(side.config) as string)));
        const [mine, theirs] = [value(changed.config), value(kept.config)];
        const same = mine === theirs ? `'${mine}' is also the ${field} of ${kept.file}` : `${mine} overlaps ${theirs}, the ${field} of ${kept.file}`;
        problems.push(`${locate(changed.origin, segments)}: ${same}; ${fix(changed.config)}`);
      }
    }
  });
  return problems;
}

/**
 * Loads every account: defaults -> account file -> overrides, validated one by one and then
 * across accounts. Throws ConfigError listing every problem; returns accounts sorted by name.
 */
export function loadEnvironments(options: LoadOptions = {}): AccountConfig[] {
  const accountsDir = options.accountsDir ?? process.env.INFRA_ACCOUNTS_DIR ?? ACCOUNTS_DIR;
  const fromFile = options.overrides ? undefined : readOverridesFile();
  const overrides = options.overrides ?? fromFile?.overrides ?? {};
  const source = options.overridesSource ?? fromFile?.source;
  const files = fs
    .readdirSync(accountsDir)
    .filter((name) => /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts'))
    .sort();
  if (files.length === 0) throw new ConfigError([`${accountsDir}: no account files; add one per AWS account`]);

  const problems: string[] = [];
  const accounts: { file: string; config: AccountConfig; origin: Origin }[] = [];
  for (const name of files) {
    const file = path.relative(process.cwd(), path.join(accountsDir, name)) || name;
    const accountFile = loadAccountFile(path.join(accountsDir, name), file);
    if (typeof accountFile === 'string') {
      problems.push(accountFile);
      continue;
    }
    const origin: Origin = { file, name: accountFile.name, overrides: overrides[accountFile.name], source };
    const merged = merge(defaults, accountFile, overrides[accountFile.name] ?? {}) as AccountConfig;
    // The account and environment tags are derived, so no file can let them disagree.
    const withTags = { ...merged, tags: { ...merged.tags, account: merged.name, environment: merged.environment } };
    const parsed = accountSchema.safeParse(withTags);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const fix = issue.code === 'unrecognized_keys' ? ' (not a setting of this schema: remove it or fix its spelling, see environments/schema.ts)' : '';
        // A wrong value is blamed on whoever wrote it: the overrides file and key, or the account file.
        const overridden =
          issue.code === 'unrecognized_keys' ? issue.keys.some((key) => overridesSet(origin.overrides, [...issue.path, key])) : overridesSet(origin.overrides, issue.path);
        const where = origin.source && overridden ? `${origin.source}: ${origin.name}.${fieldPath(issue.path)}` : `${file}: ${fieldPath(issue.path)}`;
        problems.push(`${where}: ${issue.message}${fix}`);
      }
      continue;
    }
    // CI keys an account on its file (tools/ci/affected-accounts.ts): the file name is the account name.
    const fileName = path.basename(name).replace(/\.(ts|js)$/, '');
    if (fileName !== parsed.data.name) {
      problems.push(`${file}: name: '${parsed.data.name}' differs from the file name '${fileName}'; rename the file to ${parsed.data.name}${path.extname(name)} or set name: '${fileName}'`);
      continue;
    }
    accounts.push({ file, config: parsed.data, origin });
  }
  problems.push(...relationalProblems(accounts));
  if (problems.length === 0) problems.push(...unitLayoutProblems(accounts));
  for (const name of Object.keys(overrides)) {
    if (!accounts.some((a) => a.config.name === name) && problems.length === 0) {
      problems.push(`${source ?? 'overrides'}: '${name}' is not an account; use one of ${accounts.map((a) => a.config.name).join(', ')}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  for (const { file, config, origin } of accounts) {
    sourceFiles.set(config, file);
    origins.set(config, origin);
  }
  return accounts.map((a) => a.config).sort((a, b) => a.name.localeCompare(b.name));
}

/** The unit names and their graph (environments/units.ts); a parameter so tests can pass a broken one. */
export interface UnitLayout {
  readonly units: readonly string[];
  readonly dependencies: Readonly<Record<string, readonly string[]>>;
}

const UNITS_FILE = 'environments/units.ts';

/**
 * What makes the accounts' stacks impossible to tell apart or to order: a cycle in the unit graph,
 * a stack name two accounts would both use (an account named <another account>-<unit>), and a
 * state key two stacks would both write (the legacy <account> stack and its `main` key included,
 * which units:migrate still plans). Each names the file and field to change.
 */
export function unitLayoutProblems(
  accounts: readonly { readonly file: string; readonly config: AccountConfig }[],
  layout: UnitLayout = { units: WORKLOAD_UNITS, dependencies: UNIT_DEPENDENCIES },
): string[] {
  const problems: string[] = [];
  try {
    unitLayers(layout.units, layout.dependencies);
  } catch (error) {
    if (!(error instanceof UnitCycleError)) throw error;
    problems.push(
      `${UNITS_FILE}: UNIT_DEPENDENCIES: the units depend on each other in a cycle (${error.cycle.join(' -> ')}), so none of them can be applied first; ` +
        'remove one of these edges: a unit may only read from units applied before it',
    );
  }
  const stacks = accounts.flatMap(({ file, config }) => [
    { file, config, unit: LEGACY_UNIT, stack: config.name },
    ...['bootstrap', ...layout.units].map((unit) => ({ file, config, unit, stack: unitStackName(config.name, unit as never) })),
  ]);
  const seenStacks = new Map<string, (typeof stacks)[number]>();
  const seenKeys = new Map<string, (typeof stacks)[number]>();
  for (const entry of stacks) {
    const first = seenStacks.get(entry.stack);
    if (first && first.config !== entry.config) {
      // Blame the account whose own name is the other's stack name: that is the one to rename.
      const [renamed, kept] = entry.unit === LEGACY_UNIT ? [entry, first] : [first, entry];
      problems.push(
        `${renamed.file}: name: '${renamed.config.name}' is also the name of the ${kept.unit} unit's stack of account ${kept.config.name} (${kept.file}); ` +
          `their synthesized folders, plans and CI artifacts would be one; rename this account (no account may be named <another account>-<unit>)`,
      );
    } else if (first) {
      problems.push(`${UNITS_FILE}: WORKLOAD_UNITS: the unit '${entry.unit}' gives account ${entry.config.name} the stack ${entry.stack} twice; give every unit its own name, none of them bootstrap or ${LEGACY_UNIT}`);
    }
    seenStacks.set(entry.stack, first ?? entry);
    const key = `${stateBucketName(entry.config)}/${stateKey(entry.config, entry.unit)}`;
    const sameKey = seenKeys.get(key);
    if (sameKey && sameKey.stack !== entry.stack) {
      problems.push(
        `${UNITS_FILE}: WORKLOAD_UNITS: stacks ${sameKey.stack} and ${entry.stack} would both keep their state at s3://${key} and overwrite each other; ` +
          `give every unit its own name, none of them bootstrap or ${LEGACY_UNIT}`,
      );
    }
    if (!sameKey) seenKeys.set(key, entry);
  }
  return [...new Set(problems)];
}

/** The state bucket of an account, from the organisation's naming pattern. */
export function stateBucketName(config: Pick<AccountConfig, 'stateBucketPattern' | 'organisation' | 'accountId' | 'region'>): string {
  return config.stateBucketPattern
    .replace('{organisation}', config.organisation)
    .replace('{accountId}', config.accountId)
    .replace('{region}', config.region);
}
