import { Testing } from 'cdktf';
import { defaults } from '../../environments/defaults';
import { loadEnvironments, type Overrides } from '../../environments/load';
import type { AccountConfig } from '../../environments/schema';
import { HTTP_ROUTES } from '../../catalogue';
import { resolveFunctionSettings } from '../../catalogue/function-settings';
import { LegacyWorkloadStack } from '../../stacks/workload';
import { listSuppressions } from '../../rules/engine';
import { resourcesOf } from '../helpers/edge-fixtures';
import { expectedMaxConnections } from '../helpers/rds';

function synthMain(name: string, overrides: Overrides = {}): { config: AccountConfig; json: Record<string, any> } {
  const config = loadEnvironments({ overrides }).find((account) => account.name === name) as AccountConfig;
  const stack = new LegacyWorkloadStack(Testing.app(), { config });
  return { config, json: JSON.parse(Testing.synth(stack)) };
}

const one = (json: Record<string, any>, type: string): [string, Record<string, any>] => {
  const found = resourcesOf(json, type);
  expect(found).toHaveLength(1);
  return found[0];
};

/** The threshold each alarm must carry, derived from the account configuration alone. */
function expectedThreshold(alarmName: string, config: AccountConfig): number {
  const t = config.alarms;
  const timeouts = Object.fromEntries(resolveFunctionSettings(config).map((fn) => [fn.name, fn.timeoutSeconds]));
  // deploy-* alarms judge a release on the live alias (constructs/function-delivery.ts), same thresholds.
  const fn = /^(?:lambda|deploy)-(.+)-(error-rate|throttles|p95-duration)$/.exec(alarmName);
  if (fn) {
    if (fn[2] === 'error-rate') return t.functionErrorRatePercent;
    if (fn[2] === 'throttles') return 0;
    return Math.floor((timeouts[fn[1]] * 1000 * t.functionDurationPercentOfTimeout) / 100);
  }
  if (/^(deploy-)?api-.+-5xx-rate$/.test(alarmName)) return t.apiErrorRatePercent;
  if (/^api-.+-p95-latency$/.test(alarmName)) return t.apiP95LatencyMs;
  if (alarmName === 'rds-postgres-cpu') return t.dbCpuPercent;
  if (alarmName === 'rds-postgres-free-storage') return t.dbFreeStorageGiB * 1024 ** 3;
  if (alarmName === 'rds-postgres-connections') return Math.floor((expectedMaxConnections(config.database.instanceClass) * t.dbConnectionsPercentOfMax) / 100);
  if (/^dlq-.+-not-empty$/.test(alarmName)) return 0;
  if (/^waf-.+-blocked-spike$/.test(alarmName)) return t.wafBlockedRequestsPer5Minutes;
  throw new Error(`no expectation for alarm ${alarmName}`);
}

describe.each(loadEnvironments({ overrides: {} }).map((a) => a.name))('account %s', (name) => {
  const { config, json } = synthMain(name);
  const alarms = resourcesOf(json, 'aws_cloudwatch_metric_alarm').map(([, a]) => a);
  const [topicId] = one(json, 'aws_sns_topic');
  const topicArn = `\${aws_sns_topic.${topicId}.arn}`;

  test('every alarm notifies the account topic on ALARM and OK', () => {
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect([alarm.alarm_name, alarm.alarm_actions, alarm.ok_actions]).toEqual([alarm.alarm_name, [topicArn], [topicArn]]);
    }
  });

  test("every alarm's threshold matches the account configuration", () => {
    for (const alarm of alarms) expect([alarm.alarm_name, alarm.threshold]).toEqual([alarm.alarm_name, expectedThreshold(alarm.alarm_name, config)]);
  });

  test('every function, dead-letter queue, the API, the database and the WAF have their alarms', () => {
    const names = alarms.map((a) => a.alarm_name as string);
    for (const fn of resolveFunctionSettings(config)) {
      expect(names).toEqual(expect.arrayContaining([`lambda-${fn.name}-error-rate`, `lambda-${fn.name}-throttles`, `lambda-${fn.name}-p95-duration`]));
    }
    const dlqs = resourcesOf(json, 'aws_sqs_queue').filter(([, q]) => String(q.name).endsWith('-dlq'));
    const dlqAlarms = alarms.filter((a) => a.metric_name === 'ApproximateNumberOfMessagesVisible').map((a) => a.dimensions.QueueName);
    expect(dlqAlarms.sort()).toEqual(dlqs.map(([id]) => `\${aws_sqs_queue.${id}.name}`).sort());
    expect(names).toEqual(
      expect.arrayContaining(['api-ppu-platform-api-5xx-rate', 'api-ppu-platform-api-p95-latency', 'rds-postgres-cpu', 'rds-postgres-free-storage', 'rds-postgres-connections', 'waf-ppu-platform-api-blocked-spike']),
    );
  });

  test('the WAF association points at the API stage', () => {
    const [stageId] = one(json, 'aws_api_gateway_stage');
    const [aclId, acl] = one(json, 'aws_wafv2_web_acl');
    const [, association] = one(json, 'aws_wafv2_web_acl_association');
    expect(association.resource_arn).toBe(`\${aws_api_gateway_stage.${stageId}.arn}`);
    expect(association.web_acl_arn).toBe(`\${aws_wafv2_web_acl.${aclId}.arn}`);
    expect(acl.rule[0].statement.rate_based_statement.limit).toBe(config.waf.rateLimitPer5Minutes);
  });

  test("every catalogue route proxies to its function's live alias", () => {
    const aliases = Object.fromEntries(resourcesOf(json, 'aws_lambda_alias').map(([id, alias]) => [id, alias]));
    const functions = Object.fromEntries(resourcesOf(json, 'aws_lambda_function').map(([id, fn]) => [id, fn.function_name]));
    const integrations = resourcesOf(json, 'aws_api_gateway_integration').map(([, i]) => i);
    expect(integrations).toHaveLength(HTTP_ROUTES.length);
    const targets = integrations.map((i) => {
      const aliasId = /^\$\{aws_lambda_alias\.(.+)\.invoke_arn\}$/.exec(i.uri)?.[1] as string;
      const alias = aliases[aliasId];
      const functionId = /^\$\{aws_lambda_function\.(.+)\.function_name\}$/.exec(alias.function_name)?.[1] as string;
      return `${alias.name}:${functions[functionId]}`;
    });
    expect(targets.sort()).toEqual(HTTP_ROUTES.map((r) => `live:${r.functionName}`).sort());
  });

  test('the stage logs at the configured level and throttles at the configured rate', () => {
    const [, settings] = one(json, 'aws_api_gateway_method_settings');
    expect(settings.settings).toMatchObject({
      logging_level: config.api.loggingLevel,
      metrics_enabled: true,
      data_trace_enabled: false,
      throttling_rate_limit: config.api.throttleRateLimit,
      throttling_burst_limit: config.api.throttleBurstLimit,
    });
  });

  test('the topic mails every configured address and the account has one dashboard', () => {
    const emails = resourcesOf(json, 'aws_sns_topic_subscription').map(([, s]) => s.endpoint);
    expect(emails.sort()).toEqual([...config.notifications.emails].sort());
    expect(one(json, 'aws_cloudwatch_dashboard')[1].dashboard_name).toBe('ppu-platform-overview');
  });
});

const [anAccount] = loadEnvironments({ overrides: {} });

test('an account override of a threshold reaches its alarm', () => {
  const { config, json } = synthMain(anAccount.name, { [anAccount.name]: { alarms: { apiP95LatencyMs: 2500, dbConnectionsPercentOfMax: 50 } } });
  const alarm = (name: string) => resourcesOf(json, 'aws_cloudwatch_metric_alarm').find(([, a]) => a.alarm_name === name)?.[1];
  expect(alarm('api-ppu-platform-api-p95-latency')?.threshold).toBe(2500);
  expect(alarm('rds-postgres-connections')?.threshold).toBe(Math.floor(expectedMaxConnections(config.database.instanceClass) / 2));
});

test('API_KEY auth and a Slack channel from config add a usage plan and a Chatbot channel', () => {
  const { json } = synthMain(anAccount.name, { [anAccount.name]: { api: { auth: 'API_KEY' }, notifications: { slack: { workspaceId: 'T01234567', channelId: 'C01234567' } } } });
  expect(resourcesOf(json, 'aws_api_gateway_usage_plan')).toHaveLength(1);
  expect(resourcesOf(json, 'aws_api_gateway_method').every(([, m]) => m.api_key_required === true)).toBe(true);
  expect(one(json, 'aws_chatbot_slack_channel_configuration')[1]).toMatchObject({ slack_team_id: 'T01234567', slack_channel_id: 'C01234567' });
});

// AWS WAF: HostingProviderIPList matches web hosting and cloud providers
// (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-ip-rep.html).
test('the hosting-provider list counts by default, follows each account setting, and an account can turn it back to block', () => {
  const anonymousOverrides = (json: Record<string, any>) =>
    one(json, 'aws_wafv2_web_acl')[1].rule.find((r: { name: string }) => r.name === 'AWSManagedRulesAnonymousIpList').statement
      .managed_rule_group_statement.rule_action_override ?? [];
  const counted = [{ name: 'HostingProviderIPList', action_to_use: { count: {} } }];
  expect(defaults.waf.hostingProviderIps).toBe('count');
  const accounts = loadEnvironments({ overrides: {} });
  for (const account of accounts) {
    const { json } = synthMain(account.name);
    expect([account.name, anonymousOverrides(json)]).toEqual([account.name, account.waf.hostingProviderIps === 'count' ? counted : []]);
  }
  const blocking = synthMain(accounts[0].name, { [accounts[0].name]: { waf: { hostingProviderIps: 'block' } } });
  expect(anonymousOverrides(blocking.json)).toEqual([]);
});

// Lambda keeps 100 executions unreserved (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html):
// an account on a small quota turns reservations down or off per function, in its own file.
test("reserved concurrency follows the account: a number reserves that many, 'off' with a written suppression reserves none", () => {
  const [account] = loadEnvironments({ overrides: {} });
  const [first, second] = resolveFunctionSettings(account);
  const overrides: Overrides = { [account.name]: { functions: { [first.name]: { reservedConcurrency: 'off' }, [second.name]: { reservedConcurrency: 2 } } } };
  const stack = new LegacyWorkloadStack(Testing.app(), { config: loadEnvironments({ overrides }).find((a) => a.name === account.name)! });
  const json = JSON.parse(Testing.synth(stack));
  const fn = (name: string) => resourcesOf(json, 'aws_lambda_function').find(([, f]) => f.function_name === name)![1];
  expect(fn(first.name).reserved_concurrent_executions).toBeUndefined();
  expect(fn(second.name).reserved_concurrent_executions).toBe(2);
  // Configuration never suppresses a rule by itself (issue #13 item 5): the account file must say why.
  expect(listSuppressions(stack).filter((s) => s.ruleId === 'PLAT-LAMBDA-2')).toEqual([]);
});

test('a reserved concurrency of 0 (which would disable the function) is refused naming the account file and field', () => {
  const [account] = loadEnvironments({ overrides: {} });
  const [first] = resolveFunctionSettings(account);
  expect(() => loadEnvironments({ overrides: { [account.name]: { functions: { [first.name]: { reservedConcurrency: 0 } } } } })).toThrow(
    new RegExp(`${account.name}\\.ts: functions\\.${first.name}\\.reservedConcurrency`),
  );
});
