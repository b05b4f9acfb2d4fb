import { ApiGatewayLogging } from '../../constructs/api-gateway-logging';
import type { ApiRoute } from '../../constructs/api-routes';
import { ACCESS_LOG_FORMAT, type ApiAuth, RestApi, type RestApiProps } from '../../constructs/rest-api';
import { type PolicyStatement, StatementSet } from '../../constructs/iam';
import { FUNCTION_NAMES, HTTP_ROUTES } from '../../catalogue';
import { resourcesOf, standInTarget, synthWith } from '../helpers/edge-fixtures';

const targets = Object.fromEntries(FUNCTION_NAMES.map((name) => [name, standInTarget(name)]));

function synthApi(overrides: Partial<Omit<RestApiProps, 'encryptionKey' | 'logging'>> = {}) {
  let api: RestApi | undefined;
  const synthesized = synthWith((stack, key) => {
    const logging = new ApiGatewayLogging(stack, 'ApiLogging');
    api = new RestApi(stack, 'Api', {
      apiName: 'ppu',
      routes: HTTP_ROUTES,
      targets,
      auth: 'IAM',
      throttleRateLimitPerSecond: 100,
      throttleBurstLimit: 200,
      loggingLevel: 'ERROR',
      logRetentionDays: 30,
      encryptionKey: key,
      logging,
      ...overrides,
    });
  });
  return { synthesized, api: api as RestApi };
}

const iam = synthApi();
const methods = resourcesOf(iam.synthesized, 'aws_api_gateway_method').map(([, m]) => m);

test('the API is regional', () => {
  const [[, api]] = resourcesOf(iam.synthesized, 'aws_api_gateway_rest_api');
  expect(api.endpoint_configuration).toEqual({ types: ['REGIONAL'] });
  expect(api.name).toBe('ppu');
});

test('there is one method per catalogue route', () => {
  expect(methods.map((m) => `${m.http_method} ${m.operation_name}`).sort()).toEqual(HTTP_ROUTES.map((r) => `${r.method} ${r.operationId}`).sort());
});

test('with IAM auth every method requires SigV4', () => {
  expect(methods.every((m) => m.authorization === 'AWS_IAM' && m.api_key_required === false)).toBe(true);
  expect(resourcesOf(iam.synthesized, 'aws_api_gateway_usage_plan')).toHaveLength(0);
});

test('with API_KEY auth every method requires a key that is in a usage plan of the stage', () => {
  const { synthesized } = synthApi({ auth: 'API_KEY' as ApiAuth });
  const keyed = resourcesOf(synthesized, 'aws_api_gateway_method').map(([, m]) => m);
  expect(keyed.every((m) => m.api_key_required === true)).toBe(true);
  const [[planId, plan]] = resourcesOf(synthesized, 'aws_api_gateway_usage_plan');
  expect(plan.api_stages).toEqual([{ api_id: '${aws_api_gateway_rest_api.Api_F1A3B7F9.id}', stage: expect.stringContaining('aws_api_gateway_stage.') }]);
  expect(plan.throttle_settings).toEqual({ rate_limit: 100, burst_limit: 200 });
  const [[, planKey]] = resourcesOf(synthesized, 'aws_api_gateway_usage_plan_key');
  expect(planKey.usage_plan_id).toBe(`\${aws_api_gateway_usage_plan.${planId}.id}`);
});

test('every method is request-validated, and body routes carry their JSON schema model', () => {
  const [[validatorId, validator]] = resourcesOf(iam.synthesized, 'aws_api_gateway_request_validator');
  expect(validator).toMatchObject({ validate_request_body: true, validate_request_parameters: true });
  expect(methods.every((m) => m.request_validator_id === `\${aws_api_gateway_request_validator.${validatorId}.id}`)).toBe(true);
  const models = resourcesOf(iam.synthesized, 'aws_api_gateway_model').map(([, m]) => m);
  const ppu = models.find((m) => m.name === 'InsertPpuDataRequest');
  expect(JSON.parse(ppu?.schema)).toMatchObject({ required: ['records'], properties: { records: { maxItems: 500 } } });
  expect(models).toHaveLength(HTTP_ROUTES.filter((r) => r.requestBodySchema).length);
});

test('integrations are Lambda proxies on the live alias of the route function', () => {
  const uris = resourcesOf(iam.synthesized, 'aws_api_gateway_integration').map(([, i]) => {
    expect(i).toMatchObject({ type: 'AWS_PROXY', integration_http_method: 'POST' });
    return i.uri;
  });
  expect(uris.sort()).toEqual(HTTP_ROUTES.map((r) => targets[r.functionName].aliasInvokeArn).sort());
});

test('each route may invoke only its alias, from its own stage, method and path', () => {
  const permissions = resourcesOf(iam.synthesized, 'aws_lambda_permission').map(([, p]) => p);
  expect(permissions.map((p) => `${p.function_name}:${p.qualifier} ${p.source_arn}`).sort()).toEqual(
    HTTP_ROUTES.map((r) => `${r.functionName}:live \${aws_api_gateway_rest_api.Api_F1A3B7F9.execution_arn}/v1/${r.method}${r.path}`).sort(),
  );
  expect(permissions.every((p) => p.principal === 'apigateway.amazonaws.com' && p.action === 'lambda:InvokeFunction')).toBe(true);
});

test('the stage traces with X-Ray and writes JSON access logs to an encrypted, expiring log group', () => {
  const [[, stage]] = resourcesOf(iam.synthesized, 'aws_api_gateway_stage');
  expect(stage.stage_name).toBe('v1');
  expect(stage.xray_tracing_enabled).toBe(true);
  expect(JSON.parse(stage.access_log_settings.format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
  expect(stage.access_log_settings.format).toBe(ACCESS_LOG_FORMAT);
  const groups = resourcesOf(iam.synthesized, 'aws_cloudwatch_log_group');
  const [accessId, access] = groups.find(([, g]) => g.name === '/aws/apigateway/ppu/access') ?? [];
  expect(stage.access_log_settings.destination_arn).toBe(`\${aws_cloudwatch_log_group.${accessId}.arn}`);
  expect(access).toMatchObject({ retention_in_days: 30, kms_key_id: expect.stringContaining('aws_kms_key.') });
});

test('the stage waits for the account logging role and its own execution log group', () => {
  const [[, stage]] = resourcesOf(iam.synthesized, 'aws_api_gateway_stage');
  const [executionId, execution] = resourcesOf(iam.synthesized, 'aws_cloudwatch_log_group').find(([, g]) => String(g.name).startsWith('API-Gateway-Execution-Logs_')) ?? [];
  expect(execution).toMatchObject({ name: 'API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.Api_F1A3B7F9.id}/v1', retention_in_days: 30 });
  expect(stage.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_api_gateway_account\./), `aws_cloudwatch_log_group.${executionId}`]));
  const [[, account]] = resourcesOf(iam.synthesized, 'aws_api_gateway_account');
  expect(account.cloudwatch_role_arn).toMatch(/aws_iam_role\./);
  const attachments = resourcesOf(iam.synthesized, 'aws_iam_role_policy_attachment').map(([, a]) => a.policy_arn);
  expect(attachments).toContain('arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs');
});

test('execution logging uses the configured level with metrics on and data trace off, the stage is throttled and caches nothing', () => {
  const [[, settings]] = resourcesOf(synthApi({ loggingLevel: 'INFO', throttleRateLimitPerSecond: 50, throttleBurstLimit: 75 }).synthesized, 'aws_api_gateway_method_settings');
  expect(settings.method_path).toBe('*/*');
  expect(settings.settings).toEqual({
    logging_level: 'INFO',
    metrics_enabled: true,
    data_trace_enabled: false,
    caching_enabled: false,
    cache_data_encrypted: true,
    throttling_rate_limit: 50,
    throttling_burst_limit: 75,
  });
});

test('the deployment is replaced only through its route digest, new before old', () => {
  const [[, deployment]] = resourcesOf(iam.synthesized, 'aws_api_gateway_deployment');
  expect(deployment.lifecycle).toEqual({ create_before_destroy: true });
  expect(deployment.triggers).toEqual({ redeployment: iam.api.deploymentDigest });
  expect(deployment.depends_on).toHaveLength(HTTP_ROUTES.length * 2);
  const [[, stage]] = resourcesOf(iam.synthesized, 'aws_api_gateway_stage');
  expect(stage.deployment_id).toMatch(/aws_api_gateway_deployment\./);
});

test('a changed route changes the redeployment trigger; an unchanged API keeps it', () => {
  const again = synthApi();
  expect(again.api.deploymentDigest).toBe(iam.api.deploymentDigest);
  const changed = HTTP_ROUTES.map((r): ApiRoute => (r.operationId === 'getOpenApiDocument' ? { ...r, path: '/openapi-json' } : r));
  expect(synthApi({ routes: changed }).api.deploymentDigest).not.toBe(iam.api.deploymentDigest);
});

test('a route whose function has no target fails synthesis with a clear message', () => {
  const { 'insert-ppu-data': _dropped, ...partial } = targets;
  expect(() => synthApi({ targets: partial })).toThrow("function 'insert-ppu-data' is not in the function catalogue");
});

test('a duplicate route fails synthesis', () => {
  expect(() => synthApi({ routes: [...HTTP_ROUTES, { ...HTTP_ROUTES[0], operationId: 'again' }] })).toThrow('duplicate of route 0');
});

test.each([
  [{ apiName: 'ppu api' }, "apiName 'ppu api'"],
  [{ stageName: 'v-1' }, "stageName 'v-1'"],
  [{ throttleRateLimitPerSecond: 0 }, 'throttleRateLimitPerSecond 0'],
  [{ throttleBurstLimit: 1.5 }, 'throttleBurstLimit 1.5'],
])('bad props %o are refused naming the value', (bad, message) => {
  expect(() => synthApi(bad)).toThrow(message);
});

test('grantInvoke allows execute-api:Invoke on exactly the routes of the stage, once however often it is called', () => {
  const granted: PolicyStatement[] = [];
  const grantee = { addToPrincipalPolicy: (statement: PolicyStatement) => void granted.push(statement) };
  const statements = new StatementSet();
  iam.api.grantInvoke(grantee);
  iam.api.grantInvoke(grantee);
  granted.forEach((statement) => statements.add(statement));
  expect(statements.list()).toHaveLength(1);
  const [statement] = statements.list();
  expect(statement.actions).toEqual(['execute-api:Invoke']);
  expect(statement.resources.map((arn) => arn.replace(/^.*\/v1\//, 'v1/'))).toEqual(HTTP_ROUTES.map((r) => `v1/${r.method}${r.path}`));
});

test('metricXxx() are the stage\'s AWS/ApiGateway metrics, counts summed and latencies averaged unless asked', () => {
  const { api } = iam;
  const dimensions = { ApiName: 'ppu', Stage: 'v1' };
  expect([api.metricCount(), api.metricClientError(), api.metricServerError(), api.metricLatency(), api.metricIntegrationLatency({ statistic: 'p95' })]).toEqual([
    { namespace: 'AWS/ApiGateway', metricName: 'Count', dimensions, statistic: 'Sum' },
    { namespace: 'AWS/ApiGateway', metricName: '4XXError', dimensions, statistic: 'Sum' },
    { namespace: 'AWS/ApiGateway', metricName: '5XXError', dimensions, statistic: 'Sum' },
    { namespace: 'AWS/ApiGateway', metricName: 'Latency', dimensions, statistic: 'Average' },
    { namespace: 'AWS/ApiGateway', metricName: 'IntegrationLatency', dimensions, statistic: 'p95' },
  ]);
});
