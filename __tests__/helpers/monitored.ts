import type { MonitoredFunction } from '../../constructs/alarms';
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
