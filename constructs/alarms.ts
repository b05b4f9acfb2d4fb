import { Construct } from 'constructs';
import { Token } from 'cdktf';
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig, type CloudwatchMetricAlarmMetricQuery } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import type { Metric, MetricOptions } from './metric';
import { ConstructPropsError } from './construct-props-error';

/**
 * When the alarms fire. Owned here; the account configuration's `alarms` block satisfies it
 * (environments/schema.ts), so config cannot drift from what the alarms read.
 */
export interface AlarmThresholds {
  /** API requests answered 5XX, percent per minute. */
  readonly apiErrorRatePercent: number;
  /** API p95 latency, milliseconds. */
  readonly apiP95LatencyMs: number;
  /** Consecutive one-minute periods an API alarm's condition must hold. */
  readonly apiEvaluationMinutes: number;
  /** Database connections, percent of the instance's max_connections. */
  readonly dbConnectionsPercentOfMax: number;
  /** Database CPU, percent over 15 minutes. */
  readonly dbCpuPercent: number;
  /** Database free storage below which the alarm fires, GiB. */
  readonly dbFreeStorageGiB: number;
  /** Function invocations that failed, percent per 5 minutes (per minute for a release). */
  readonly functionErrorRatePercent: number;
  /** Function p95 duration, percent of its timeout. */
  readonly functionDurationPercentOfTimeout: number;
  /** Requests the WAF blocked in 5 minutes. */
  readonly wafBlockedRequestsPer5Minutes: number;
}

/** Structural views of what gets alarms; the real constructs (PythonFunction, RestApi ...) satisfy them. */
export interface MonitoredFunction {
  readonly functionName: string;
  readonly timeoutSeconds: number;
  metricErrors(options?: MetricOptions): Metric;
  metricInvocations(options?: MetricOptions): Metric;
  metricDuration(options?: MetricOptions): Metric;
  metricThrottles(options?: MetricOptions): Metric;
}
export interface MonitoredApi {
  readonly restApiName: string;
  metricCount(options?: MetricOptions): Metric;
  metricServerError(options?: MetricOptions): Metric;
  metricLatency(options?: MetricOptions): Metric;
}
export interface MonitoredDatabase {
  readonly instanceIdentifier: string;
  /** The max_connections the instance runs with (PostgresDatabase.maxConnections, set in its parameter group). */
  readonly maxConnections: number;
  metricCPUUtilization(options?: MetricOptions): Metric;
  metricDatabaseConnections(options?: MetricOptions): Metric;
  metricFreeStorageSpace(options?: MetricOptions): Metric;
}
export interface MonitoredWebAcl {
  readonly webAclName: string;
  metricBlockedRequests(options?: MetricOptions): Metric;
}

export interface AlarmsProps {
  /** Every alarm notifies this topic on ALARM and on OK. */
  readonly alarmTopic: { readonly topicArn: string };
  readonly thresholds: AlarmThresholds;
}

type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

interface AlarmSpec {
  readonly id: string;
  readonly alarmName: string;
  readonly description: string;
  readonly threshold: number;
  readonly comparisonOperator: 'GreaterThanThreshold' | 'LessThanThreshold';
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly treatMissingData: TreatMissingData;
  readonly metric: Metric | RateMetric;
}

/** A rate over metrics, in CloudWatch metric math: `expression` over the `inputs`, by their keys. */
export interface RateMetric {
  readonly expression: string;
  readonly label: string;
  readonly inputs: Readonly<Record<string, Metric>>;
}

/** An alarm's metric queries for a rate: each input summed over the period, the rate the one returned. */
export function rateQuery(rate: RateMetric, periodSeconds: number): CloudwatchMetricAlarmMetricQuery[] {
  return [
    ...Object.entries(rate.inputs).map(([queryId, { namespace, metricName, dimensions }]) => ({
      id: queryId,
      returnData: false,
      metric: { namespace, metricName, dimensions, period: periodSeconds, stat: 'Sum' },
    })),
    { id: 'rate', expression: rate.expression, label: rate.label, returnData: true },
  ];
}

/** An alarm's fields for one metric: a percentile is an extended statistic to CloudWatch. */
export function alarmMetric(metric: Metric): Pick<CloudwatchMetricAlarmConfig, 'namespace' | 'metricName' | 'dimensions' | 'statistic' | 'extendedStatistic'> {
  const percentile = /^p\d+(\.\d+)?$/.test(metric.statistic);
  return {
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensions: { ...metric.dimensions },
    ...(percentile ? { extendedStatistic: metric.statistic } : { statistic: metric.statistic }),
  };
}

/** Threshold fields that are percentages. */
const PERCENT_FIELDS = ['apiErrorRatePercent', 'dbConnectionsPercentOfMax', 'dbCpuPercent', 'functionErrorRatePercent', 'functionDurationPercentOfTimeout'] as const;

/**
 * The account's CloudWatch alarms, added per monitored thing through alarmOnXxx() helpers (each
 * safe to call twice). Every alarm notifies the topic when it fires and when it recovers, and
 * says in its description why it pages. Missing data is chosen per alarm: traffic metrics that
 * are absent mean "nothing happened" (not breaching); the database's CPU metric is its heartbeat,
 * so its silence pages.
 */
export class Alarms extends Construct {
  private readonly topicArn: string;
  private readonly thresholds: AlarmThresholds;
  private readonly names: string[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    validateThresholds(props.thresholds);
    this.topicArn = props.alarmTopic.topicArn;
    this.thresholds = props.thresholds;
  }

  /** Names of every alarm created so far. */
  get alarmNames(): readonly string[] {
    return [...this.names];
  }

  /** Error rate, throttles and p95 duration near the timeout. `name` defaults to functionName (must then be a literal). */
  alarmOnFunction(fn: MonitoredFunction, name: string = literal(fn.functionName, 'functionName')): void {
    const t = this.thresholds;
    const durationMs = Math.floor((fn.timeoutSeconds * 1000 * t.functionDurationPercentOfTimeout) / 100);
    this.add({
      id: `Function-${name}-ErrorRate`,
      alarmName: `lambda-${name}-error-rate`,
      description: `More than ${t.functionErrorRatePercent}% of ${name} invocations failed in 5 minutes: callers are getting errors.`,
      threshold: t.functionErrorRatePercent,
      comparisonOperator: 'GreaterThanThreshold',
      periodSeconds: 300,
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
      metric: { expression: 'IF(invocations > 0, 100 * errors / invocations, 0)', label: 'Error rate (%)', inputs: { errors: fn.metricErrors(), invocations: fn.metricInvocations() } },
    });
    this.add({
      id: `Function-${name}-Throttles`,
      alarmName: `lambda-${name}-throttles`,
      description: `${name} was throttled in the last 5 minutes: requests or events were refused at its concurrency limit.`,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      periodSeconds: 300,
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
      metric: fn.metricThrottles(),
    });
    this.add({
      id: `Function-${name}-Duration`,
      alarmName: `lambda-${name}-p95-duration`,
      description: `${name} p95 duration is above ${t.functionDurationPercentOfTimeout}% of its ${fn.timeoutSeconds} s timeout: timeouts are next.`,
      threshold: durationMs,
      comparisonOperator: 'GreaterThanThreshold',
      periodSeconds: 300,
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
      metric: fn.metricDuration({ statistic: 'p95' }),
    });
  }

  /** 5XX rate and p95 latency of a REST API stage, each sustained for apiEvaluationMinutes. */
  alarmOnApi(api: MonitoredApi): void {
    const t = this.thresholds;
    const name = literal(api.restApiName, 'restApiName');
    this.add({
      id: `Api-${name}-5xxRate`,
      alarmName: `api-${name}-5xx-rate`,
      description: `More than ${t.apiErrorRatePercent}% of ${name} requests returned 5XX for ${t.apiEvaluationMinutes} minutes: the API is failing its callers.`,
      threshold: t.apiErrorRatePercent,
      comparisonOperator: 'GreaterThanThreshold',
      periodSeconds: 60,
      evaluationPeriods: t.apiEvaluationMinutes,
      treatMissingData: 'notBreaching',
      metric: { expression: 'IF(requests > 0, 100 * errors / requests, 0)', label: '5XX rate (%)', inputs: { errors: api.metricServerError(), requests: api.metricCount() } },
    });
    this.add({
      id: `Api-${name}-Latency`,
      alarmName: `api-${name}-p95-latency`,
      description: `${name} p95 latency above ${t.apiP95LatencyMs} ms for ${t.apiEvaluationMinutes} minutes: callers are close to API Gateway's 29 s limit.`,
      threshold: t.apiP95LatencyMs,
      comparisonOperator: 'GreaterThanThreshold',
      periodSeconds: 60,
      evaluationPeriods: t.apiEvaluationMinutes,
      treatMissingData: 'notBreaching',
      metric: api.metricLatency({ statistic: 'p95' }),
    });
  }

  /** CPU, free storage and connections against the instance's max_connections. */
  alarmOnDatabase(db: MonitoredDatabase, name: string = literal(db.instanceIdentifier, 'instanceIdentifier')): void {
    const t = this.thresholds;
    const connections = Math.floor((db.maxConnections * t.dbConnectionsPercentOfMax) / 100);
    this.add({
      id: `Database-${name}-Cpu`,
      alarmName: `rds-${name}-cpu`,
      description: `${name} CPU above ${t.dbCpuPercent}% for 15 minutes, or no CPU data (instance down): queries will slow down.`,
      threshold: t.dbCpuPercent,
      comparisonOperator: 'GreaterThanThreshold',
      periodSeconds: 300,
      evaluationPeriods: 3,
      // RDS reports CPU every minute while the instance runs, so silence means it is down.
      treatMissingData: 'breaching',
      metric: db.metricCPUUtilization(),
    });
    this.add({
      id: `Database-${name}-FreeStorage`,
      alarmName: `rds-${name}-free-storage`,
      description: `${name} has less than ${t.dbFreeStorageGiB} GiB free: writes fail when it runs out (autoscaling may be at its maximum).`,
      threshold: t.dbFreeStorageGiB * 1024 ** 3,
      comparisonOperator: 'LessThanThreshold',
      periodSeconds: 300,
      evaluationPeriods: 1,
      // Liveness is the CPU alarm's job; a gap must not flip this alarm either way.
      treatMissingData: 'ignore',
      metric: db.metricFreeStorageSpace(),
    });
    this.add({
      id: `Database-${name}-Connections`,
      alarmName: `rds-${name}-connections`,
      description: `${name} has more than ${connections} connections (${t.dbConnectionsPercentOfMax}% of ${db.maxConnections}) for 5 minutes: new connections will be refused.`,
      threshold: connections,
      comparisonOperator: 'GreaterThanThreshold',
      periodSeconds: 60,
      evaluationPeriods: 5,
      treatMissingData: 'ignore',
      metric: db.metricDatabaseConnections(),
    });
  }

  /**
   * Any message in a dead-letter queue is a lost event or invocation that needs a person.
   * `owner` names what the queue catches for (a queue or function name), a literal.
   */
  alarmOnDeadLetterQueue(visibleMessages: Metric, owner: string): void {
    const name = literal(owner, 'owner');
    this.add({
      id: `Dlq-${name}`,
      alarmName: `dlq-${name}-not-empty`,
      description: `${name} holds messages: events or invocations failed every retry and wait for someone to inspect and redrive them.`,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      periodSeconds: 300,
      evaluationPeriods: 1,
      // SQS stops reporting queues that stay idle; an idle dead-letter queue is an empty one.
      treatMissingData: 'notBreaching',
      metric: visibleMessages,
    });
  }

  /** A spike of blocked requests: an attack, or a rule blocking legitimate callers. */
  alarmOnWebAcl(acl: MonitoredWebAcl): void {
    const t = this.thresholds;
    const name = literal(acl.webAclName, 'webAclName');
    this.add({
      id: `WebAcl-${name}-Blocked`,
      alarmName: `waf-${name}-blocked-spike`,
      description: `WAF ${name} blocked more than ${t.wafBlockedRequestsPer5Minutes} requests in 5 minutes: an attack, or a rule blocking real callers.`,
      threshold: t.wafBlockedRequestsPer5Minutes,
      comparisonOperator: 'GreaterThanThreshold',
      periodSeconds: 300,
      evaluationPeriods: 1,
      // WAF publishes BlockedRequests only when it blocks something.
      treatMissingData: 'notBreaching',
      metric: acl.metricBlockedRequests(),
    });
  }

  private add(spec: AlarmSpec): void {
    if (this.node.tryFindChild(spec.id)) return;
    const common: CloudwatchMetricAlarmConfig = {
      alarmName: spec.alarmName,
      alarmDescription: spec.description,
      comparisonOperator: spec.comparisonOperator,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.evaluationPeriods,
      treatMissingData: spec.treatMissingData,
      actionsEnabled: true,
      alarmActions: [this.topicArn],
      okActions: [this.topicArn],
    };
    const metric = spec.metric;
    if ('expression' in metric) {
      new CloudwatchMetricAlarm(this, spec.id, {
        ...common,
        metricQuery: rateQuery(metric, spec.periodSeconds),
      });
    } else {
      new CloudwatchMetricAlarm(this, spec.id, { ...common, ...alarmMetric(metric), period: spec.periodSeconds });
    }
    this.names.push(spec.alarmName);
  }
}

function literal(value: string, field: string): string {
  if (Token.isUnresolved(value)) {
    throw new ConstructPropsError(`Alarms: ${field} is only known at apply time; pass the name explicitly so alarm names are stable`);
  }
  return value;
}

function validateThresholds(thresholds: AlarmThresholds): void {
  const problems: string[] = [];
  for (const field of PERCENT_FIELDS) {
    const value = thresholds[field];
    if (!(value > 0 && value <= 100)) problems.push(`${field} ${value} must be a percentage above 0 and at most 100`);
  }
  for (const field of ['apiP95LatencyMs', 'apiEvaluationMinutes', 'wafBlockedRequestsPer5Minutes'] as const) {
    const value = thresholds[field];
    if (!(Number.isInteger(value) && value > 0)) problems.push(`${field} ${value} must be a positive whole number`);
  }
  if (!(thresholds.dbFreeStorageGiB > 0)) problems.push(`dbFreeStorageGiB ${thresholds.dbFreeStorageGiB} must be above 0`);
  if (thresholds.apiEvaluationMinutes * 60 > 86400) problems.push(`apiEvaluationMinutes ${thresholds.apiEvaluationMinutes} must be at most 1440 (CloudWatch evaluates at most one day)`);
  if (problems.length) throw new ConstructPropsError(`Alarms thresholds invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}
