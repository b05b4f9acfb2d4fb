import type { MonitoredApi, MonitoredDatabase, MonitoredFunction, MonitoredWebAcl } from '../../constructs/alarms';
import type { DashboardApi, DashboardWebAcl } from '../../constructs/dashboard';
import type { Metric, MetricOptions } from '../../constructs/metric';

/**
 * Stand-ins for what alarms and the dashboard consume: a name and the metricXxx() methods the real
 * constructs have (their own tests pin what those return), so these tests synthesize no function.
 */
const metric =
  (namespace: string, metricName: string, dimensions: Record<string, string>, statistic: string) =>
  (options: MetricOptions = {}): Metric => ({ namespace, metricName, dimensions, statistic: options.statistic ?? statistic });

export function monitoredFunction(functionName: string, timeoutSeconds: number): MonitoredFunction {
  const lambda = (metricName: string, statistic: string) => metric('AWS/Lambda', metricName, { FunctionName: functionName }, statistic);
  return {
    functionName,
    timeoutSeconds,
    metricErrors: lambda('Errors', 'Sum'),
    metricInvocations: lambda('Invocations', 'Sum'),
    metricDuration: lambda('Duration', 'Average'),
    metricThrottles: lambda('Throttles', 'Sum'),
  };
}

export function monitoredApi(restApiName: string, stageName: string): MonitoredApi & DashboardApi {
  const gateway = (metricName: string, statistic: string) => metric('AWS/ApiGateway', metricName, { ApiName: restApiName, Stage: stageName }, statistic);
  return {
    restApiName,
    metricCount: gateway('Count', 'Sum'),
    metricClientError: gateway('4XXError', 'Sum'),
    metricServerError: gateway('5XXError', 'Sum'),
    metricLatency: gateway('Latency', 'Average'),
    metricIntegrationLatency: gateway('IntegrationLatency', 'Average'),
  };
}

export function monitoredDatabase(instanceIdentifier: string, maxConnections: number): MonitoredDatabase {
  const rds = (metricName: string, statistic: string) => metric('AWS/RDS', metricName, { DBInstanceIdentifier: instanceIdentifier }, statistic);
  return {
    instanceIdentifier,
    maxConnections,
    metricCPUUtilization: rds('CPUUtilization', 'Average'),
    metricDatabaseConnections: rds('DatabaseConnections', 'Maximum'),
    metricFreeStorageSpace: rds('FreeStorageSpace', 'Minimum'),
  };
}

export function monitoredWebAcl(webAclName: string, region: string): MonitoredWebAcl & DashboardWebAcl {
  const waf = (metricName: string) => metric('AWS/WAFV2', metricName, { WebACL: webAclName, Region: region, Rule: 'ALL' }, 'Sum');
  return { webAclName, metricAllowedRequests: waf('AllowedRequests'), metricBlockedRequests: waf('BlockedRequests') };
}
