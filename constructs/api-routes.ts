import { createHash } from 'node:crypto';
import { ConstructPropsError } from './construct-props-error';

/**
 * One HTTP route of the REST API. The function catalogue's HttpRoute satisfies this shape; the
 * API construct depends only on it so it can be built and tested without the catalogue.
 */
export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  /** Absolute path of literal segments, e.g. /files/download-url. */
  readonly path: string;
  /** Name of the function (catalogue entry) that serves the route. */
  readonly functionName: string;
  /** Unique per API; also names the request model (operationId -> OperationIdRequest). */
  readonly operationId: string;
  readonly summary: string;
  /** JSON schema (draft 4, the dialect API Gateway models use) the request body must match. */
  readonly requestBodySchema?: object;
}

const SEGMENT = /^[a-z0-9][a-z0-9-]*$/;
const OPERATION_ID = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Checks routes against the functions that exist. Every problem is collected so one synthesis
 * shows them all; the error names the route and the fix.
 */
export function validateRoutes(routes: readonly ApiRoute[], knownFunctionNames: readonly string[]): void {
  const problems: string[] = [];
  if (routes.length === 0) problems.push('the API has no routes; declare at least one in HTTP_ROUTES');
  const seenRoutes = new Map<string, number>();
  const seenOperations = new Map<string, number>();
  routes.forEach((route, index) => {
    const label = `route ${index} (${route.method} ${route.path})`;
    if (!['GET', 'POST'].includes(route.method)) {
      problems.push(`${label}: method '${route.method}' is not supported; use GET or POST`);
    }
    const segments = route.path.split('/').slice(1);
    if (!route.path.startsWith('/') || segments.length === 0 || !segments.every((s) => SEGMENT.test(s))) {
      problems.push(`${label}: path '${route.path}' must be '/' followed by lower-case segments of letters, digits and dashes, e.g. /files/upload-url`);
    }
    if (!knownFunctionNames.includes(route.functionName)) {
      problems.push(`${label}: function '${route.functionName}' is not in the function catalogue; use one of ${knownFunctionNames.join(', ')}`);
    }
    if (!OPERATION_ID.test(route.operationId)) {
      problems.push(`${label}: operationId '${route.operationId}' must be letters and digits, starting with a letter (e.g. createUploadUrl)`);
    }
    const key = `${route.method} ${route.path}`;
    const firstRoute = seenRoutes.get(key);
    if (firstRoute !== undefined) {
      problems.push(`${label}: duplicate of route ${firstRoute}; each method and path may be declared once`);
    } else {
      seenRoutes.set(key, index);
    }
    const firstOperation = seenOperations.get(route.operationId);
    if (firstOperation !== undefined) {
      problems.push(`${label}: operationId '${route.operationId}' is already used by route ${firstOperation}; operation ids must be unique`);
    } else {
      seenOperations.set(route.operationId, index);
    }
    if (route.method === 'GET' && route.requestBodySchema) {
      problems.push(`${label}: a GET route cannot have a request body schema; remove it or use POST`);
    }
  });
  if (problems.length) {
    throw new ConstructPropsError(`Invalid API routes:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Every resource path the routes need, parents before children: /files before /files/upload-url. */
export function resourcePaths(routes: readonly ApiRoute[]): string[] {
  const paths = new Set<string>();
  for (const route of routes) {
    const segments = route.path.split('/').slice(1);
    segments.forEach((_segment, i) => paths.add(`/${segments.slice(0, i + 1).join('/')}`));
  }
  return [...paths].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

/** API Gateway model name of a route's request body: alphanumeric, from the operation id. */
export function requestModelName(route: Pick<ApiRoute, 'operationId'>): string {
  return `${route.operationId.charAt(0).toUpperCase()}${route.operationId.slice(1)}Request`;
}

/**
 * A digest of everything a deployment snapshots (routes, their functions, schemas, auth). A new
 * value forces a new deployment; an unchanged API keeps its deployment, so plans stay quiet.
 */
export function routesDigest(routes: readonly ApiRoute[], extra: Readonly<Record<string, string>>): string {
  const canonical = routes
    .map((r) => ({ method: r.method, path: r.path, functionName: r.functionName, operationId: r.operationId, requestBodySchema: r.requestBodySchema ?? null }))
    .sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
  return createHash('sha256').update(JSON.stringify({ routes: canonical, ...extra })).digest('hex');
}
