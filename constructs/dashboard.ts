import { Construct } from 'constructs';
import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';

export interface DashboardProps {
  readonly dashboardName: string;
  readonly region: string;
  readonly api: { readonly restApiName: string; readonly stageName: string };
  /** Lambda function names, one line each per widget. */
  readonly functionNames: readonly string[];
  readonly database: { readonly instanceIdentifier: string };
  /** Queues whose depth is shown (work queues and dead-letter queues). */
  readonly queueNames: readonly string[];
  readonly webAcl: { readonly webAclName: string };
}

type MetricLine = (string | Record<string, string>)[];

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
      throw new Error(`Dashboard dashboardName '${props.dashboardName}' must be 1-255 letters, digits, dashes or underscores`);
    }
    const api = { ApiName: props.api.restApiName, Stage: props.api.stageName };
    const apiMetric = (name: string, stat: string, label: string): MetricLine => ['AWS/ApiGateway', name, 'ApiName', api.ApiName, 'Stage', api.Stage, { stat, label }];
    const perFunction = (metricName: string, stat: string): MetricLine[] =>
      props.functionNames.map((fn) => ['AWS/Lambda', metricName, 'FunctionName', fn, { stat, label: fn }]);
    const db = props.database.instanceIdentifier;
    const rds = (metricName: string, stat: string): MetricLine[] => [['AWS/RDS', metricName, 'DBInstanceIdentifier', db, { stat }]];
    const waf = (metricName: string): MetricLine => ['AWS/WAFV2', metricName, 'WebACL', props.webAcl.webAclName, 'Region', props.region, 'Rule', 'ALL', { stat: 'Sum', label: metricName }];

    const graphs: { title: string; metrics: MetricLine[]; stacked?: boolean }[] = [
      { title: 'API requests and errors', metrics: [apiMetric('Count', 'Sum', 'Requests'), apiMetric('4XXError', 'Sum', '4XX'), apiMetric('5XXError', 'Sum', '5XX')] },
      {
        title: 'API latency (ms)',
        metrics: [apiMetric('Latency', 'p50', 'p50'), apiMetric('Latency', 'p95', 'p95'), apiMetric('Latency', 'p99', 'p99'), apiMetric('IntegrationLatency', 'p95', 'Integration p95')],
      },
      { title: 'Function invocations', metrics: perFunction('Invocations', 'Sum') },
      { title: 'Function errors', metrics: perFunction('Errors', 'Sum') },
      { title: 'Function duration p95 (ms)', metrics: perFunction('Duration', 'p95') },
      { title: 'Function throttles', metrics: perFunction('Throttles', 'Sum') },
      { title: 'Database CPU (%)', metrics: rds('CPUUtilization', 'Average') },
      { title: 'Database connections', metrics: rds('DatabaseConnections', 'Maximum') },
      { title: 'Database free storage (bytes)', metrics: rds('FreeStorageSpace', 'Minimum') },
      {
        title: 'Queue depth (visible messages)',
        metrics: props.queueNames.map((queue) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', queue, { stat: 'Maximum', label: queue }]),
      },
      { title: 'WAF allowed and blocked requests', metrics: [waf('AllowedRequests'), waf('BlockedRequests')], stacked: true },
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
