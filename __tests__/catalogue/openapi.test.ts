import { HTTP_ROUTES } from '../../catalogue';
import { openApiDocument, openApiJson } from '../../catalogue/openapi';

type Operation = { operationId: string; requestBody?: { content: { 'application/json': { schema: unknown } } }; responses: Record<string, unknown> };
const doc = openApiDocument() as {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  security: unknown[];
  components: { securitySchemes: Record<string, Record<string, string>> };
};

describe('OpenAPI document', () => {
  test('is OpenAPI 3.0.3 with one operation per catalogue route', () => {
    expect(doc.openapi).toBe('3.0.3');
    const operations = Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods).map(([m, op]) => `${m.toUpperCase()} ${p} ${op.operationId}`));
    expect(operations.sort()).toEqual(HTTP_ROUTES.map((r) => `${r.method} ${r.path} ${r.operationId}`).sort());
  });

  test('documents each request body schema and a 400 response for it', () => {
    for (const route of HTTP_ROUTES) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      expect(op.requestBody?.content['application/json'].schema).toEqual(route.requestBodySchema);
      expect(Object.keys(op.responses).includes('400')).toBe(route.requestBodySchema !== undefined);
    }
  });

  test('describes SigV4 (IAM) authentication and the API-key variant', () => {
    expect(doc.components.securitySchemes.sigv4).toEqual({ type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' });
    expect(doc.components.securitySchemes.apiKey).toEqual({ type: 'apiKey', name: 'x-api-key', in: 'header' });
    expect(doc.security).toEqual([{ sigv4: [] }, { apiKey: [] }]);
  });

  test('renders the same text whatever order the routes are listed in', () => {
    expect(openApiJson([...HTTP_ROUTES].reverse())).toBe(openApiJson(HTTP_ROUTES));
    expect(openApiJson().endsWith('}\n')).toBe(true);
  });
});
