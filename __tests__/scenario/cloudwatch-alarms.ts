/**
 * CloudWatch for the scenario: the metric data points Lambda publishes and the alarms the stack
 * synthesizes (aws_cloudwatch_metric_alarm), evaluated on the scenario's clock.
 *
 * What is modelled, from CloudWatch's documentation:
 * - A metric is identified by namespace, name and its exact set of dimensions; a query for one set
 *   does not see data points published with another
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension).
 * - An alarm evaluates the last `evaluation_periods` complete periods of `period` seconds and goes to
 *   ALARM when at least `datapoints_to_alarm` of them breach the threshold; with treat_missing_data
 *   notBreaching a period without data does not breach
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html).
 * - A metric math alarm evaluates the one query with return_data true; the expressions the stack
 *   uses are IF(x > 0, 100 * y / x, 0) (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
 * CloudWatch evaluates alarms every minute; here each evaluation is explicit (evaluate(now)).
 */

export type Dimensions = Readonly<Record<string, string>>;

export interface DataPoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Dimensions;
  /** Milliseconds on the scenario's clock. */
  readonly time: number;
  readonly value: number;
}

interface MetricSpec {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Dimensions;
  readonly periodSeconds: number;
  /** Sum, Average, Maximum, SampleCount, or pNN. */
  readonly stat: string;
}

export interface AlarmDefinition {
  readonly name: string;
  readonly threshold: number;
  readonly comparison: string;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: string;
  readonly periodSeconds: number;
  /** Plain metric alarm: the metric; metric math: id -> metric, and the expression returned. */
  readonly metrics: Readonly<Record<string, MetricSpec>>;
  readonly expression?: string;
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** The alarms of a synthesized stack; `resolve` turns Terraform references (function names) into values. */
export function alarmsOf(stack: Record<string, any>, resolve: (value: string) => string): AlarmDefinition[] {
  return Object.values<Record<string, any>>(stack.resource?.aws_cloudwatch_metric_alarm ?? {}).map((alarm) => {
    const dims = (d: Record<string, string> | undefined) => Object.fromEntries(Object.entries(d ?? {}).map(([k, v]) => [k, resolve(v)]));
    const metrics: Record<string, MetricSpec> = {};
    let expression: string | undefined;
    let periodSeconds = alarm.period as number | undefined;
    if (alarm.metric_query) {
      for (const query of alarm.metric_query as Record<string, any>[]) {
        if (query.expression) {
          if (query.return_data) expression = query.expression;
          continue;
        }
        const m = query.metric;
        metrics[query.id] = { namespace: m.namespace, metricName: m.metric_name, dimensions: dims(m.dimensions), periodSeconds: m.period, stat: m.stat };
        periodSeconds = m.period;
      }
    } else {
      metrics.m = {
        namespace: alarm.namespace,
        metricName: alarm.metric_name,
        dimensions: dims(alarm.dimensions),
        periodSeconds: alarm.period,
        stat: alarm.extended_statistic ?? alarm.statistic,
      };
    }
    return {
      name: alarm.alarm_name,
      threshold: alarm.threshold,
      comparison: alarm.comparison_operator,
      evaluationPeriods: alarm.evaluation_periods,
      datapointsToAlarm: alarm.datapoints_to_alarm ?? alarm.evaluation_periods,
      treatMissingData: alarm.treat_missing_data ?? 'missing',
      periodSeconds: periodSeconds ?? 60,
      metrics,
      expression,
    };
  });
}

function sameDimensions(a: Dimensions, b: Dimensions): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function statistic(values: number[], stat: string): number | undefined {
  if (values.length === 0) return undefined;
  if (stat === 'Sum') return values.reduce((s, v) => s + v, 0);
  if (stat === 'SampleCount') return values.length;
  if (stat === 'Average') return values.reduce((s, v) => s + v, 0) / values.length;
  if (stat === 'Maximum') return Math.max(...values);
  if (stat === 'Minimum') return Math.min(...values);
  const percentile = /^p(\d+(?:\.\d+)?)$/.exec(stat);
  if (percentile) {
    const sorted = [...values].sort((x, y) => x - y);
    return sorted[Math.min(sorted.length - 1, Math.ceil((Number(percentile[1]) / 100) * sorted.length) - 1)];
  }
  throw new Error(`the CloudWatch model has no statistic ${stat}`);
}

const RATE = /^IF\((\w+) > 0, 100 \* (\w+) \/ (\w+), 0\)$/;

function breaches(value: number, threshold: number, comparison: string): boolean {
  switch (comparison) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
    default:
      throw new Error(`the CloudWatch model has no comparison ${comparison}`);
  }
}

export class CloudWatchModel {
  readonly points: DataPoint[] = [];
  readonly states = new Map<string, AlarmState>();
  private alarms: readonly AlarmDefinition[] = [];

  /** PutMetricAlarm for each (what an apply does): a new alarm starts in INSUFFICIENT_DATA, an updated one keeps its state until it is evaluated. */
  putAlarms(alarms: readonly AlarmDefinition[]): void {
    this.alarms = alarms;
    for (const alarm of alarms) if (!this.states.has(alarm.name)) this.states.set(alarm.name, 'INSUFFICIENT_DATA');
  }

  put(point: DataPoint): void {
    this.points.push(point);
  }

  state(name: string): AlarmState {
    const state = this.states.get(name);
    if (!state) throw new Error(`no alarm named ${name} in the synthesized stack`);
    return state;
  }

  private periodValue(alarm: AlarmDefinition, start: number, end: number): number | undefined {
    const values: Record<string, number | undefined> = {};
    for (const [id, metric] of Object.entries(alarm.metrics)) {
      const matching = this.points
        .filter((p) => p.namespace === metric.namespace && p.metricName === metric.metricName && p.time >= start && p.time < end && sameDimensions(p.dimensions, metric.dimensions))
        .map((p) => p.value);
      values[id] = statistic(matching, metric.stat);
    }
    if (!alarm.expression) return values.m;
    const rate = RATE.exec(alarm.expression);
    if (!rate) throw new Error(`the CloudWatch model cannot evaluate ${alarm.expression} (alarm ${alarm.name})`);
    const [, guard, numerator, denominator] = rate;
    if (values[guard] === undefined && values[numerator] === undefined) return undefined;
    const divisor = values[denominator] ?? 0;
    return (values[guard] ?? 0) > 0 ? (100 * (values[numerator] ?? 0)) / divisor : 0;
  }

  /** One evaluation of every alarm at `now` (a minute boundary of the scenario's clock). */
  evaluate(now: number): void {
    for (const alarm of this.alarms) {
      const periodMs = alarm.periodSeconds * 1000;
      const lastEnd = Math.floor(now / periodMs) * periodMs;
      let breaching = 0;
      let present = 0;
      for (let i = 0; i < alarm.evaluationPeriods; i++) {
        const end = lastEnd - i * periodMs;
        const value = this.periodValue(alarm, end - periodMs, end);
        if (value === undefined) {
          if (alarm.treatMissingData === 'breaching') breaching++;
          continue;
        }
        present++;
        if (breaches(value, alarm.threshold, alarm.comparison)) breaching++;
      }
      const state: AlarmState = breaching >= alarm.datapointsToAlarm ? 'ALARM' : present > 0 || alarm.treatMissingData === 'notBreaching' ? 'OK' : 'INSUFFICIENT_DATA';
      this.states.set(alarm.name, state);
    }
  }
}
