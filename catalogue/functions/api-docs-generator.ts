import { apiRequest, defineFunction } from '../defaults';

export default defineFunction({
  name: 'api-docs-generator',
  description: "Serves the API's OpenAPI document",
  memoryMiB: 512,
  // The design's 30 s is more than API Gateway waits (29 s; catalogue-schema.ts).
  timeoutSeconds: 29,
  reservedConcurrency: 5,
  sharedModules: ['platform_log', 'platform_http'],
  trigger: { kind: 'http' },
  // Serving the bundled document reads nothing else.
  dryRun: { event: apiRequest('GET', '/openapi'), expect: { statusCode: 200 } },
  routes: [{ method: 'GET', path: '/openapi', operationId: 'getOpenApiDocument', summary: "Returns this API's OpenAPI document" }],
});
