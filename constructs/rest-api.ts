import { Construct } from 'constructs';
import { ApiGatewayApiKey } from '@cdktf/provider-aws/lib/api-gateway-api-key';
import { ApiGatewayDeployment } from '@cdktf/provider-aws/lib/api-gateway-deployment';
import { ApiGatewayIntegration } from '@cdktf/provider-aws/lib/api-gateway-integration';
import { ApiGatewayMethod } from '@cdktf/provider-aws/lib/api-gateway-method';
import { ApiGatewayMethodSettings } from '@cdktf/provider-aws/lib/api-gateway-method-settings';
import { ApiGatewayModel } from '@cdktf/provider-aws/lib/api-gateway-model';
import { ApiGatewayRequestValidator } from '@cdktf/provider-aws/lib/api-gateway-request-validator';
import { ApiGatewayResource } from '@cdktf/provider-aws/lib/api-gateway-resource';
import { ApiGatewayRestApi } from '@cdktf/provider-aws/lib/api-gateway-rest-api';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import { ApiGatewayUsagePlan } from '@cdktf/provider-aws/lib/api-gateway-usage-plan';
import { ApiGatewayUsagePlanKey } from '@cdktf/provider-aws/lib/api-gateway-usage-plan-key';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import type { ApiGatewayLogging } from './api-gateway-logging';
import { dependablesInStack } from './cross-stack';
import { type ApiRoute, requestModelName, resourcePaths, routesDigest, validateRoutes } from './api-routes';
import type { EncryptionKey } from './encryption-key';
import type { IGrantee } from './iam';
import { LogGroup } from './log-group';
import type { Metric, MetricOptions } from './metric';
import { ConstructPropsError } from './construct-props-error';

/** What a route invokes: a function's alias. PythonFunction satisfies this. */
export interface ApiRouteTarget {
  readonly functionName: string;
  /** Alias the API invokes (the permission is scoped to it), e.g. live. */
  readonly aliasName: string;
  /** The alias's invoke ARN (arn:aws:apigateway:...:lambda:path/.../invocations). */
  readonly aliasInvokeArn: string;
}

export type ApiAuth = 'IAM' | 'API_KEY';

export interface RestApiProps {
  /** API name, also the ApiName dimension of its metrics. */
  readonly apiName: string;
  /** Default: "<apiName> REST API". */
  readonly description?: string;
  readonly routes: readonly ApiRoute[];
  /** Route targets by function name; every route's functionName must be a key. */
  readonly targets: Readonly<Record<string, ApiRouteTarget>>;
  /** IAM: callers sign with SigV4. API_KEY: callers send x-api-key, metered by a usage plan. */
  readonly auth: ApiAuth;
  readonly throttleRateLimitPerSecond: number;
  readonly throttleBurstLimit: number;
  readonly loggingLevel: 'ERROR' | 'INFO';
  /** Default: v1. */
  readonly stageName?: string;
  readonly logRetentionDays: number;
  /** Encrypts the access and execution log groups. */
  readonly encryptionKey: EncryptionKey;
  /** The account's API Gateway CloudWatch setting; execution logging needs it first. */
  readonly logging: ApiGatewayLogging;
}

/** Access log line: JSON, one field per context variable the on-call engineer needs. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  user: '$context.identity.user',
  apiKeyId: '$context.identity.apiKeyId',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integration.error',
  wafStatus: '$context.waf.status',
  xrayTraceId: '$context.xrayTraceId',
});

const pascal = (text: string): string => text.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase());

/**
 * A regional REST API whose routes proxy to Lambda aliases. Every method is authenticated (IAM
 * or API key) and request-validated; the stage writes JSON access logs, execution logs and X-Ray
 * traces and is throttled. Deployments are replaced only when the route definition changes, and
 * the new one exists before the old one goes, so the stage never points at nothing.
 */
export class RestApi extends Construct {
  readonly restApiId: string;
  readonly restApiName: string;
  readonly restApiExecutionArn: string;
  readonly stageName: string;
  /** arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>: what WAF associates with. */
  readonly stageArn: string;
  readonly invokeUrl: string;
  readonly accessLogGroupName: string;
  readonly executionLogGroupName: string;
  /** The redeployment trigger (a digest of the route definition). */
  readonly deploymentDigest: string;
  /** Only with auth API_KEY. */
  readonly usagePlanId?: string;
  private readonly routeArns: readonly string[];

  constructor(scope: Construct, id: string, props: RestApiProps) {
    super(scope, id);
    validateProps(props);
    validateRoutes(props.routes, Object.keys(props.targets));
    const stageName = props.stageName ?? 'v1';

    const api = new ApiGatewayRestApi(this, 'Api', {
      name: props.apiName,
      description: props.description ?? `${props.apiName} REST API`,
      endpointConfiguration: { types: ['REGIONAL'] },
      // A replacement (rare: endpoint type) must not leave the stage without an API in between.
      lifecycle: { createBeforeDestroy: true },
    });

    // The execute-api ARN of one route of this stage: what permissions and grants are scoped to.
    const routeArn = (route: ApiRoute) => `${api.executionArn}/${stageName}/${route.method}${route.path}`;
    const resourceIds = new Map<string, string>([['', api.rootResourceId]]);
    for (const path of resourcePaths(props.routes)) {
      const parent = path.slice(0, path.lastIndexOf('/'));
      const resource = new ApiGatewayResource(this, `Resource${pascal(path)}`, {
        restApiId: api.id,
        parentId: resourceIds.get(parent) as string,
        pathPart: path.slice(path.lastIndexOf('/') + 1),
      });
      resourceIds.set(path, resource.id);
    }

    const validator = new ApiGatewayRequestValidator(this, 'Validator', {
      restApiId: api.id,
      name: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    const deploymentInputs: (ApiGatewayMethod | ApiGatewayIntegration)[] = [];
    for (const route of props.routes) {
      const target = props.targets[route.functionName];
      const name = pascal(route.operationId);
      const model = route.requestBodySchema
        ? new ApiGatewayModel(this, `${name}Model`, {
            restApiId: api.id,
            name: requestModelName(route),
            contentType: 'application/json',
            schema: JSON.stringify({ $schema: 'http://json-schema.org/draft-04/schema#', title: requestModelName(route), ...route.requestBodySchema }),
          })
        : undefined;
      const method = new ApiGatewayMethod(this, `${name}Method`, {
        restApiId: api.id,
        resourceId: resourceIds.get(route.path) as string,
        httpMethod: route.method,
        operationName: route.operationId,
        authorization: props.auth === 'IAM' ? 'AWS_IAM' : 'NONE',
        apiKeyRequired: props.auth === 'API_KEY',
        requestValidatorId: validator.id,
        requestModels: model ? { 'application/json': model.name } : undefined,
      });
      const integration = new ApiGatewayIntegration(this, `${name}Integration`, {
        restApiId: api.id,
        resourceId: method.resourceId,
        httpMethod: method.httpMethod,
        type: 'AWS_PROXY',
        integrationHttpMethod: 'POST',
        uri: target.aliasInvokeArn,
      });
      deploymentInputs.push(method, integration);
      new LambdaPermission(this, `${name}Permission`, {
        statementId: `AllowApiGateway${name}`,
        action: 'lambda:InvokeFunction',
        functionName: target.functionName,
        qualifier: target.aliasName,
        principal: 'apigateway.amazonaws.com',
        // Only this route of this stage may invoke: not other APIs, stages or paths.
        sourceArn: routeArn(route),
      });
    }

    this.deploymentDigest = routesDigest(props.routes, { auth: props.auth, integration: 'AWS_PROXY', validator: 'body-and-parameters' });
    const deployment = new ApiGatewayDeployment(this, 'Deployment', {
      restApiId: api.id,
      description: `Routes ${this.deploymentDigest.slice(0, 12)}`,
      triggers: { redeployment: this.deploymentDigest },
      dependsOn: deploymentInputs,
      lifecycle: { createBeforeDestroy: true },
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${props.apiName}/access`,
      retentionDays: props.logRetentionDays,
      encryptionKey: props.encryptionKey,
    });
    // API Gateway would create this group itself, unencrypted and kept forever; owning it sets both.
    const executionLogs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${api.id}/${stageName}`,
      retentionDays: props.logRetentionDays,
      encryptionKey: props.encryptionKey,
    });

    const stage = new ApiGatewayStage(this, 'Stage', {
      restApiId: api.id,
      stageName,
      deploymentId: deployment.id,
      xrayTracingEnabled: true,
      accessLogSettings: { destinationArn: accessLogs.logGroupArn, format: ACCESS_LOG_FORMAT },
      // The account setting may be another unit's (foundation): then that unit is applied first.
      dependsOn: [...dependablesInStack(this, [props.logging.accountSetting]), executionLogs],
    });

    new ApiGatewayMethodSettings(this, 'StageSettings', {
      restApiId: api.id,
      stageName: stage.stageName,
      methodPath: '*/*',
      settings: {
        metricsEnabled: true,
        loggingLevel: props.loggingLevel,
        // Full request/response bodies in logs would leak callers' data.
        dataTraceEnabled: false,
        // No response caching (answers are per caller: presigned URLs, ingest results); should it
        // ever be turned on, the cache is encrypted.
        cachingEnabled: false,
        cacheDataEncrypted: true,
        throttlingRateLimit: props.throttleRateLimitPerSecond,
        throttlingBurstLimit: props.throttleBurstLimit,
      },
    });

    if (props.auth === 'API_KEY') {
      const plan = new ApiGatewayUsagePlan(this, 'UsagePlan', {
        name: props.apiName,
        description: `Callers of ${props.apiName}; each needs a key in this plan`,
        apiStages: [{ apiId: api.id, stage: stage.stageName }],
        throttleSettings: { rateLimit: props.throttleRateLimitPerSecond, burstLimit: props.throttleBurstLimit },
      });
      // AWS generates the key value; it stays in AWS (and in state, marked sensitive), never in code.
      const key = new ApiGatewayApiKey(this, 'DefaultKey', { name: `${props.apiName}-default`, enabled: true });
      new ApiGatewayUsagePlanKey(this, 'DefaultKeyInPlan', { usagePlanId: plan.id, keyId: key.id, keyType: 'API_KEY' });
      this.usagePlanId = plan.id;
    }

    this.routeArns = props.routes.map(routeArn);
    this.restApiId = api.id;
    this.restApiName = props.apiName;
    this.restApiExecutionArn = api.executionArn;
    this.stageName = stageName;
    this.stageArn = stage.arn;
    this.invokeUrl = stage.invokeUrl;
    this.accessLogGroupName = accessLogs.logGroupName;
    this.executionLogGroupName = executionLogs.logGroupName;
  }

  /** Requests the stage received (Sum). */
  metricCount(options: MetricOptions = {}): Metric {
    return this.gatewayMetric('Count', 'Sum', options);
  }

  /** Requests answered 4XX (Sum). */
  metricClientError(options: MetricOptions = {}): Metric {
    return this.gatewayMetric('4XXError', 'Sum', options);
  }

  /** Requests answered 5XX (Sum). */
  metricServerError(options: MetricOptions = {}): Metric {
    return this.gatewayMetric('5XXError', 'Sum', options);
  }

  /** Milliseconds from request to response (Average; alarms and graphs ask for percentiles). */
  metricLatency(options: MetricOptions = {}): Metric {
    return this.gatewayMetric('Latency', 'Average', options);
  }

  /** Milliseconds the backend (the function) took (Average). */
  metricIntegrationLatency(options: MetricOptions = {}): Metric {
    return this.gatewayMetric('IntegrationLatency', 'Average', options);
  }

  private gatewayMetric(metricName: string, defaultStatistic: string, options: MetricOptions): Metric {
    return { namespace: 'AWS/ApiGateway', metricName, dimensions: { ApiName: this.restApiName, Stage: this.stageName }, statistic: options.statistic ?? defaultStatistic };
  }

  /** Lets a principal call every route of the stage with SigV4 (auth IAM); safe to call twice. */
  grantInvoke(grantee: IGrantee): void {
    grantee.addToPrincipalPolicy({
      sid: `InvokeApi${pascal(this.restApiName)}`,
      actions: ['execute-api:Invoke'],
      resources: [...this.routeArns],
    });
  }
}

function validateProps(props: RestApiProps): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(props.apiName)) {
    throw new ConstructPropsError(`RestApi apiName '${props.apiName}' must be 1-128 letters, digits, dashes or underscores`);
  }
  if (props.stageName !== undefined && !/^[A-Za-z0-9_]{1,128}$/.test(props.stageName)) {
    throw new ConstructPropsError(`RestApi stageName '${props.stageName}' must be letters, digits or underscores (e.g. v1)`);
  }
  if (!Number.isInteger(props.throttleRateLimitPerSecond) || props.throttleRateLimitPerSecond < 1) {
    throw new ConstructPropsError(`RestApi throttleRateLimitPerSecond ${props.throttleRateLimitPerSecond} must be a positive whole number of requests per second`);
  }
  if (!Number.isInteger(props.throttleBurstLimit) || props.throttleBurstLimit < 1) {
    throw new ConstructPropsError(`RestApi throttleBurstLimit ${props.throttleBurstLimit} must be a positive whole number of requests`);
  }
}
