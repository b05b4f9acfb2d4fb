import type { CatalogueEntry } from './defaults';
import type { FunctionSpec, HttpRoute } from './function-spec';
import * as definitions from './functions';

/**
 * The function catalogue: the one source of truth for every Lambda function of this repository.
 * Each function is one small file, catalogue/functions/<name>.ts, saying what the function is,
 * what triggers it, which environment variables it gets, exactly which permissions it needs and
 * whatever else differs from the defaults (catalogue/defaults.ts); catalogue/functions/index.ts
 * lists the files, one line each. Stacks turn entries into resources; the build turns the folder
 * lambda-functions/<name>/ plus the shared modules it lists into a zip. Adding a function is a
 * file here, its line in functions/index.ts and a folder with handler.py (`npm run new:function`
 * writes all three; see catalogue/README.md).
 */

export * from './function-spec';
export { DEFAULT_RUNTIME } from './defaults';

type Definition = (typeof definitions)[keyof typeof definitions];

export type FunctionName = Definition['spec']['name'];

/** The file of a function's entry (by the catalogue's convention, checked by its tests). */
export function functionFile(name: string): string {
  return `catalogue/functions/${name}.ts`;
}

const ENTRIES: readonly CatalogueEntry<FunctionName>[] = Object.values(definitions);

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every function, in name order whatever order functions/index.ts lists them in. */
export const FUNCTIONS: readonly FunctionSpec[] = ENTRIES.map((entry) => entry.spec).sort((a, b) => byKey(a.name, b.name));

export const FUNCTION_NAMES = FUNCTIONS.map((fn) => fn.name) as readonly FunctionName[] as readonly [FunctionName, ...FunctionName[]];

/** The API's routes: each HTTP function's `routes`, ordered by method, then path. */
export const HTTP_ROUTES: readonly HttpRoute[] = ENTRIES.flatMap((entry) =>
  entry.routes.map(({ method, path, ...route }) => ({ method, path, functionName: entry.spec.name, ...route })),
).sort((a, b) => byKey(a.method, b.method) || byKey(a.path, b.path));

/**
 * The PostgreSQL role the migrations run as: it owns the tables and creates the functions' roles
 * (lambda-functions/shared/platform_migrations.py MIGRATION_ROLE). Only database-admin logs in as it, and
 * its bootstrap creates it; no catalogue function may.
 */
export const DB_MIGRATION_USER = 'ppu_migrator';

/** The PostgreSQL roles these functions log in as (db-login grants), each once, in catalogue order. */
export function databaseUsers(functions: readonly Pick<FunctionSpec, 'grants'>[]): string[] {
  return [...new Set(functions.flatMap((fn) => fn.grants.flatMap((grant) => (grant.kind === 'db-login' ? [grant.user] : []))))];
}

export function isFunctionName(value: string): value is FunctionName {
  return (FUNCTION_NAMES as readonly string[]).includes(value);
}
