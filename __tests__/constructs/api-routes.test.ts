import { type ApiRoute, requestModelName, resourcePaths, routesDigest, validateRoutes } from '../../constructs/api-routes';
import { FUNCTION_NAMES, HTTP_ROUTES } from '../../catalogue';

const known = ['docs', 'upload'];
const route = (overrides: Partial<ApiRoute> = {}): ApiRoute => ({
  method: 'POST',
  path: '/files/upload-url',
  functionName: 'upload',
  operationId: 'createUploadUrl',
  summary: 'upload',
  ...overrides,
});

test('the catalogue routes are valid against the catalogue functions', () => {
  expect(() => validateRoutes(HTTP_ROUTES, FUNCTION_NAMES)).not.toThrow();
});

test('a route naming an unknown function fails with the name and the known functions', () => {
  expect(() => validateRoutes([route({ functionName: 'uplaod' })], known)).toThrow(
    "route 0 (POST /files/upload-url): function 'uplaod' is not in the function catalogue; use one of docs, upload",
  );
});

test('a duplicate method and path fails naming both routes', () => {
  expect(() => validateRoutes([route(), route({ operationId: 'other' })], known)).toThrow('route 1 (POST /files/upload-url): duplicate of route 0');
});

test('the same path with another method is not a duplicate', () => {
  expect(() => validateRoutes([route(), route({ method: 'GET', operationId: 'getUpload' })], known)).not.toThrow();
});

test('a duplicate operationId fails', () => {
  expect(() => validateRoutes([route(), route({ path: '/other' })], known)).toThrow("operationId 'createUploadUrl' is already used by route 0");
});

test.each(['files/upload', '/', '/files/', '/Files', '/files/{id}', '/a//b'])('path %s is refused with the expected form', (path) => {
  expect(() => validateRoutes([route({ path })], known)).toThrow(`path '${path}' must be '/' followed by lower-case segments`);
});

test('a GET route with a body schema is refused', () => {
  expect(() => validateRoutes([route({ method: 'GET', requestBodySchema: { type: 'object' } })], known)).toThrow('a GET route cannot have a request body schema');
});

test('an empty route list is refused', () => {
  expect(() => validateRoutes([], known)).toThrow('the API has no routes');
});

test('every problem is reported at once', () => {
  const error = (() => {
    try {
      validateRoutes([route({ functionName: 'x' }), route({ functionName: 'y' })], known);
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  })();
  expect(error).toContain("function 'x'");
  expect(error).toContain("function 'y'");
  expect(error).toContain('duplicate of route 0');
});

test('resource paths list parents before children, once each', () => {
  expect(resourcePaths([route({ path: '/files/upload-url' }), route({ path: '/files/download-url' }), route({ path: '/openapi' })])).toEqual([
    '/files',
    '/openapi',
    '/files/download-url',
    '/files/upload-url',
  ]);
});

test('request model names are PascalCase operation ids', () => {
  expect(requestModelName({ operationId: 'insertPpuData' })).toBe('InsertPpuDataRequest');
});

test('the routes digest ignores order but changes with a route', () => {
  const a = route();
  const b = route({ method: 'GET', path: '/openapi', functionName: 'docs', operationId: 'getDocs' });
  expect(routesDigest([a, b], {})).toBe(routesDigest([b, a], {}));
  expect(routesDigest([a, b], {})).not.toBe(routesDigest([a, { ...b, functionName: 'upload' }], {}));
  expect(routesDigest([a], { auth: 'IAM' })).not.toBe(routesDigest([a], { auth: 'API_KEY' }));
});
