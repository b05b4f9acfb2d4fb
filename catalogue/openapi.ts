import { HTTP_ROUTES, type HttpRoute } from '.';

/** The API's version in the document; bump with a change to a route's contract. */
export const API_VERSION = '1.0.0';

const ERROR_SCHEMA = {
  type: 'object',
  required: ['message'],
  properties: { message: { type: 'string' } },
};

function operation(route: HttpRoute): Record<string, unknown> {
  const errorResponse = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.requestBodySchema
      ? { requestBody: { required: true, content: { 'application/json': { schema: route.requestBodySchema } } } }
      : {}),
    responses: {
      '200': { description: 'Success', content: { 'application/json': { schema: { type: 'object' } } } },
      ...(route.requestBodySchema ? { '400': errorResponse('The request body is invalid') } : {}),
      '403': errorResponse('The caller is not authorised'),
      '429': errorResponse('Too many requests'),
      '500': errorResponse('Internal error'),
    },
  };
}

/**
 * The OpenAPI 3.0.3 document of the HTTP routes, served by api-docs-generator. It is built once
 * for every account, so it describes the default IAM (SigV4) authentication and documents the
 * API-key variant an account may switch to (api.auth = 'API_KEY').
 */
export function openApiDocument(routes: readonly HttpRoute[] = HTTP_ROUTES): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of [...routes].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))) {
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'PPU platform API',
      version: API_VERSION,
      description:
        'Requests are signed with AWS Signature Version 4 (IAM) by default. Accounts configured for API keys ' +
        'accept the x-api-key header instead.',
    },
    security: [{ sigv4: [] }, { apiKey: [] }],
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
        apiKey: { type: 'apiKey', name: 'x-api-key', in: 'header' },
      },
    },
  };
}

/** The document as the file the build writes: stable key order, two-space indent, final newline. */
export function openApiJson(routes: readonly HttpRoute[] = HTTP_ROUTES): string {
  return `${JSON.stringify(openApiDocument(routes), null, 2)}\n`;
}
