import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import type { Metric } from './metric';
import type { PostgresDatabase } from './postgres-database';
import type { PythonFunction } from './python-function';
import type { RestApi } from './rest-api';
import type { WebAcl } from './web-acl';
import { ConstructPropsError } from './construct-props-error';

/** What the dashboard draws of each thing: the owners' metricXxx() methods. */
export type DashboardApi = Pick<RestApi, 'metricCount' | 'metricClientError' | 'metricServerError' | 'metricLatency' | 'metricIntegrationLatency'>;
export type DashboardFunction = Pick<PythonFunction, 'functionName' | 'metricInvocations' | 'metricErrors' | 'metricDuration' | 'metricThrottles'>;
export type DashboardDatabase = Pick<PostgresDatabase, 'metricCPUUtilization' | 'metricDatabaseConnections' | 'metricFreeStorageSpace'>;
export type DashboardWebAcl = Pick<WebAcl, 'metricAllowedRequests' | 'metricBlockedRequests'>;

export interface DashboardProps {
  readonly dashboardName: string;
  readonly region: string;
  readonly api: DashboardApi;
  /** One line each per function widget, labelled by functionName. */
  readonly functions: readonly DashboardFunction[];
  readonly database: DashboardDatabase;
  /** Visible messages of each queue shown (work and dead-letter queues), labelled by its QueueName. */
  readonly queueDepths: readonly Metric[];
  readonly webAcl: DashboardWebAcl;
}

type MetricLine = (string | Record<string, string>)[];

/** A dashboard line: namespace, name, the dimensions as name-value pairs, then how to draw it. */
function line(metric: Metric, label?: string): MetricLine {
  const render: Record<string, string> = label === undefined ? { stat: metric.statistic } : { stat: metric.statistic, label };
  return [metric.namespace, metric.metricName, ...Object.entries(metric.dimensions).flat(), render];
}

const WIDTH = 12;
const HEIGHT = 6;

/**
 * One CloudWatch dashboard per account: the API, each function, the database, the queues and the
 * WAF, two graphs to a row, so on-call sees the whole request path on one screen.
 */
export class Dashboard extends Construct {
  readonly dashboardName: string;
  readonly dashboardArn: string;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(props.dashboardName)) {
      throw new ConstructPropsError(`Dashboard dashboardName '${props.dashboardName}' must be 1-255 letters, digits, dashes or underscores`);
    }
    const { api, database: db, webAcl: waf } = props;
    const perFunction = (metric: (fn: DashboardFunction) => Metric): MetricLine[] => props.functions.map((fn) => line(metric(fn), fn.functionName));
    const latency = (statistic: string) => line(api.metricLatency({ statistic }), statistic);

    const graphs: { title: string; metrics: MetricLine[]; stacked?: boolean }[] = [
      { title: 'API requests and errors', metrics: [line(api.metricCount(), 'Requests'), line(api.metricClientError(), '4XX'), line(api.metricServerError(), '5XX')] },
      { title: 'API latency (ms)', metrics: [latency('p50'), latency('p95'), latency('p99'), line(api.metricIntegrationLatency({ statistic: 'p95' }), 'Integration p95')] },
      { title: 'Function invocations', metrics: perFunction((fn) => fn.metricInvocations()) },
      { title: 'Function errors', metrics: perFunction((fn) => fn.metricErrors()) },
      { title: 'Function duration p95 (ms)', metrics: perFunction((fn) => fn.metricDuration({ statistic: 'p95' })) },
      { title: 'Function throttles', metrics: perFunction((fn) => fn.metricThrottles()) },
      { title: 'Database CPU (%)', metrics: [line(db.metricCPUUtilization())] },
      { title: 'Database connections', metrics: [line(db.metricDatabaseConnections())] },
      { title: 'Database free storage (bytes)', metrics: [line(db.metricFreeStorageSpace())] },
      { title: 'Queue depth (visible messages)', metrics: props.queueDepths.map((depth) => line(depth, depth.dimensions.QueueName)) },
      { title: 'WAF allowed and blocked requests', metrics: [line(waf.metricAllowedRequests(), 'AllowedRequests'), line(waf.metricBlockedRequests(), 'BlockedRequests')], stacked: true },
    ];

    // A graph with no lines (e.g. no queues) is an invalid widget, so it is left out.
    const widgets = graphs.filter((graph) => graph.metrics.length > 0).map((graph, index) => ({
      type: 'metric',
      x: (index % 2) * WIDTH,
      y: Math.floor(index / 2) * HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      properties: {
        title: graph.title,
        region: props.region,
        view: 'timeSeries',
        stacked: graph.stacked ?? false,
        period: 300,
        metrics: graph.metrics,
      },
    }));

    const dashboard = new CloudwatchDashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      dashboardBody: JSON.stringify({ widgets }),
    });
    this.dashboardName = props.dashboardName;
    this.dashboardArn = dashboard.dashboardArn;
  }
}
