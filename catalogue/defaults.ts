import type { EnvironmentValue, FunctionSpec, HttpRoute } from './function-spec';

/**
 * What every catalogue entry gets unless its file (catalogue/functions/<name>.ts) says otherwise,
 * written once, and defineFunction(), which merges an entry onto these. The sizes are the staging
 * values of shared/DESIGN.md; accounts turn them down in environments/accounts/<account>.ts under
 * `functions.<name>`.
 */

/** The runtime every function uses unless it has a reason not to. */
export const DEFAULT_RUNTIME = 'python3.12';

/** The fields an entry may leave out, and their values when it does. */
export const FUNCTION_DEFAULTS = {
  /** module.function inside the zip: every function's module is handler.py. */
  handler: 'handler.handler',
  runtime: DEFAULT_RUNTIME,
  architecture: 'arm64',
  memoryMiB: 128,
  timeoutSeconds: 10,
  vpc: false,
  layers: [],
  sharedModules: ['platform_log'],
  environment: {},
  grants: [],
} as const satisfies Partial<FunctionSpec>;

type Defaulted = keyof typeof FUNCTION_DEFAULTS;

/** An HTTP route of the function, without the function's name (the entry supplies it). */
export type RouteDefinition = Omit<HttpRoute, 'functionName'>;

/**
 * One function's file: its name, what it is, how it is triggered and released, and only the
 * settings that differ from FUNCTION_DEFAULTS. An HTTP function lists its routes here too.
 */
export type FunctionDefinition<Name extends string> = Omit<FunctionSpec, 'name' | Defaulted> &
  Partial<Pick<FunctionSpec, Defaulted>> & {
    readonly name: Name;
    readonly routes?: readonly RouteDefinition[];
  };

/** A function's complete spec (defaults applied) and its routes, as catalogue/index.ts assembles them. */
export interface CatalogueEntry<Name extends string = string> {
  readonly spec: Omit<FunctionSpec, 'name'> & { readonly name: Name };
  readonly routes: readonly RouteDefinition[];
}

/**
 * The entry of a catalogue/functions/<name>.ts file with the defaults applied. Fields come out in
 * one fixed order whatever order the file writes them in; a field the spec does not know is kept,
 * so the schema (catalogue-schema.ts) names it instead of it vanishing.
 */
export function defineFunction<const Name extends string>(definition: FunctionDefinition<Name>): CatalogueEntry<Name> {
  const { routes = [], name, description, trigger, reservedConcurrency, dryRun, ...rest } = definition;
  const settings = { ...FUNCTION_DEFAULTS, ...rest };
  const { handler, runtime, architecture, memoryMiB, timeoutSeconds, vpc, layers, sharedModules, environment, grants, ...unknown } = settings;
  return {
    spec: { name, description, handler, runtime, architecture, memoryMiB, timeoutSeconds, reservedConcurrency, vpc, layers, sharedModules, trigger, environment, grants, dryRun, ...unknown },
    routes,
  };
}

/** An API Gateway REST (payload 1.0) proxy request, as the API sends them: a dry-run event of an HTTP function. */
export function apiRequest(httpMethod: 'GET' | 'POST', path: string, body?: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  return { httpMethod, path, headers: {}, body: body === undefined ? null : JSON.stringify(body), isBase64Encoded: false };
}

/**
 * Connection settings of a database function that logs in as the PostgreSQL role `user`; the IAM
 * token is made at run time, never passed. Each role's privileges are platform_migrations.FUNCTION_ROLE_GRANTS.
 */
export function databaseEnvironment(user: string): Readonly<Record<string, EnvironmentValue>> {
  return {
    DB_HOST: { from: 'db-host' },
    DB_PORT: { from: 'db-port' },
    DB_NAME: { from: 'db-name' },
    DB_USER: user,
    DB_SSL_ROOT_CERT: { from: 'db-ssl-root-cert' },
  };
}
