import { Alarms, type AlarmThresholds } from '../../constructs/alarms';
import { defaults } from '../../environments/defaults';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';
import { queueMessagesVisible } from '../../constructs/metric';
import { monitoredApi, monitoredDatabase, monitoredFunction, monitoredWebAcl } from '../helpers/monitored';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:platform-alarms';
const thresholds: AlarmThresholds = { ...defaults.alarms, apiErrorRatePercent: 7, dbConnectionsPercentOfMax: 50 };

function synthAlarms(build: (alarms: Alarms) => void, overrides: Partial<AlarmThresholds> = {}) {
  return synthWith((stack) => {
    const alarms = new Alarms(stack, 'Alarms', { alarmTopic: { topicArn: TOPIC }, thresholds: { ...thresholds, ...overrides } });
    build(alarms);
  });
}

const alarmsByName = (synthesized: Record<string, any>) =>
  Object.fromEntries(resourcesOf(synthesized, 'aws_cloudwatch_metric_alarm').map(([, a]) => [a.alarm_name as string, a]));

const all = alarmsByName(
  synthAlarms((alarms) => {
    alarms.alarmOnFunction(monitoredFunction('insert-ppu-data', 6));
    alarms.alarmOnApi(monitoredApi('ppu', 'v1'));
    alarms.alarmOnDatabase(monitoredDatabase('ppu', 410));
    alarms.alarmOnDeadLetterQueue(queueMessagesVisible('software-events-dlq'), 'software-events-dlq');
    alarms.alarmOnWebAcl(monitoredWebAcl('ppu-api', 'eu-west-1'));
  }),
);

test('every alarm notifies the topic on ALARM and on OK', () => {
  for (const alarm of Object.values(all)) {
    expect(alarm.alarm_actions).toEqual([TOPIC]);
    expect(alarm.ok_actions).toEqual([TOPIC]);
    expect(alarm.actions_enabled).toBe(true);
    expect(alarm.treat_missing_data).toMatch(/^(breaching|notBreaching|ignore|missing)$/);
  }
});

test('function error rate is errors / invocations in percent against the configured threshold', () => {
  const alarm = all['lambda-insert-ppu-data-error-rate'];
  expect(alarm.threshold).toBe(thresholds.functionErrorRatePercent);
  expect(alarm.comparison_operator).toBe('GreaterThanThreshold');
  const queries = Object.fromEntries(alarm.metric_query.map((q: any) => [q.id, q]));
  expect(queries.rate).toMatchObject({ expression: 'IF(invocations > 0, 100 * errors / invocations, 0)', return_data: true });
  expect(queries.errors.metric).toMatchObject({ namespace: 'AWS/Lambda', metric_name: 'Errors', dimensions: { FunctionName: 'insert-ppu-data' }, stat: 'Sum' });
  expect(queries.invocations.metric.metric_name).toBe('Invocations');
  expect(alarm.treat_missing_data).toBe('notBreaching');
});

test('function throttles alarm on any throttle', () => {
  expect(all['lambda-insert-ppu-data-throttles']).toMatchObject({ metric_name: 'Throttles', statistic: 'Sum', threshold: 0, comparison_operator: 'GreaterThanThreshold' });
});

test('function p95 duration alarms at the configured share of the timeout', () => {
  expect(all['lambda-insert-ppu-data-p95-duration']).toMatchObject({
    metric_name: 'Duration',
    extended_statistic: 'p95',
    threshold: (6000 * thresholds.functionDurationPercentOfTimeout) / 100,
  });
});

test('API 5XX rate above the configured percent for the configured minutes', () => {
  const alarm = all['api-ppu-5xx-rate'];
  expect(alarm).toMatchObject({ threshold: 7, evaluation_periods: 5, datapoints_to_alarm: 5 });
  const queries = Object.fromEntries(alarm.metric_query.map((q: any) => [q.id, q]));
  expect(queries.errors.metric).toMatchObject({ metric_name: '5XXError', period: 60, dimensions: { ApiName: 'ppu', Stage: 'v1' } });
  expect(queries.requests.metric.metric_name).toBe('Count');
  expect(queries.rate.expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
});

test('API p95 latency above the configured milliseconds for the configured minutes', () => {
  expect(all['api-ppu-p95-latency']).toMatchObject({ metric_name: 'Latency', extended_statistic: 'p95', threshold: 10000, period: 60, evaluation_periods: 5 });
});

test('database connections alarm at the configured percent of the instance maximum', () => {
  expect(all['rds-ppu-connections']).toMatchObject({ metric_name: 'DatabaseConnections', threshold: 205, dimensions: { DBInstanceIdentifier: 'ppu' } });
});

test('database CPU pages when high or when the instance stops reporting', () => {
  expect(all['rds-ppu-cpu']).toMatchObject({ metric_name: 'CPUUtilization', threshold: thresholds.dbCpuPercent, treat_missing_data: 'breaching' });
});

test('database free storage alarms below the configured GiB, in bytes', () => {
  expect(all['rds-ppu-free-storage']).toMatchObject({ metric_name: 'FreeStorageSpace', comparison_operator: 'LessThanThreshold', threshold: thresholds.dbFreeStorageGiB * 1024 ** 3 });
});

test('a dead-letter queue alarms as soon as it is not empty', () => {
  expect(all['dlq-software-events-dlq-not-empty']).toMatchObject({
    namespace: 'AWS/SQS',
    metric_name: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: 'software-events-dlq' },
    threshold: 0,
    comparison_operator: 'GreaterThanThreshold',
  });
});

test('WAF blocked requests above the configured count per 5 minutes', () => {
  expect(all['waf-ppu-api-blocked-spike']).toMatchObject({
    namespace: 'AWS/WAFV2',
    metric_name: 'BlockedRequests',
    dimensions: { WebACL: 'ppu-api', Region: 'eu-west-1', Rule: 'ALL' },
    period: 300,
    threshold: thresholds.wafBlockedRequestsPer5Minutes,
  });
});

test('a dead-letter queue named at apply time is labelled by its owner', () => {
  const named = alarmsByName(
    synthWith((stack, key) => {
      const alarms = new Alarms(stack, 'Alarms', { alarmTopic: { topicArn: TOPIC }, thresholds });
      // Any apply-time attribute stands in for the queue's name.
      alarms.alarmOnDeadLetterQueue(queueMessagesVisible(key.keyId), 'sync-clock');
    }),
  );
  expect(named['dlq-sync-clock-not-empty'].dimensions).toEqual({ QueueName: expect.stringMatching(/^\$\{aws_kms_key\..+\.key_id\}$/) });
});

test('alarming on the same thing twice adds nothing', () => {
  const twice = synthAlarms((alarms) => {
    alarms.alarmOnDeadLetterQueue(queueMessagesVisible('dlq'), 'dlq');
    alarms.alarmOnDeadLetterQueue(queueMessagesVisible('dlq'), 'dlq');
  });
  expect(resourcesOf(twice, 'aws_cloudwatch_metric_alarm')).toHaveLength(1);
});

test('a function name only known at apply time needs an explicit alarm name', () => {
  expect(() =>
    synthWith((stack, key) => {
      const alarms = new Alarms(stack, 'Alarms', { alarmTopic: { topicArn: TOPIC }, thresholds });
      alarms.alarmOnFunction(monitoredFunction(key.keyId, 3));
    }),
  ).toThrow('functionName is only known at apply time');
});

test.each([
  [{ apiErrorRatePercent: 0 }, 'apiErrorRatePercent 0 must be a percentage'],
  [{ dbConnectionsPercentOfMax: 120 }, 'dbConnectionsPercentOfMax 120 must be a percentage'],
  [{ apiEvaluationMinutes: 1.5 }, 'apiEvaluationMinutes 1.5 must be a positive whole number'],
  [{ dbFreeStorageGiB: -1 }, 'dbFreeStorageGiB -1 must be above 0'],
])('an out-of-range threshold %o is refused naming it', (bad, message) => {
  expect(() => synthAlarms(() => undefined, bad)).toThrow(message);
});
