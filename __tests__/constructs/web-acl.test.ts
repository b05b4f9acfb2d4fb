import { HOSTING_PROVIDER_RULE, MANAGED_RULE_GROUPS, WebAcl, type WebAclProps } from '../../constructs/web-acl';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';

const STAGE_ARN = 'arn:aws:apigateway:eu-west-1::/restapis/abc123/stages/v1';

function synthAcl(overrides: Partial<Omit<WebAclProps, 'encryptionKey'>> = {}) {
  return synthWith((stack, key) => {
    new WebAcl(stack, 'Waf', {
      webAclName: 'ppu-api',
      rateLimitPer5Minutes: 2000,
      associatedResourceArn: STAGE_ARN,
      accountId: '111122223333',
      region: 'eu-west-1',
      logRetentionDays: 30,
      encryptionKey: key,
      ...overrides,
    });
  });
}

const synthesized = synthAcl();
const [[aclId, acl]] = resourcesOf(synthesized, 'aws_wafv2_web_acl');
const rules = acl.rule as Record<string, any>[];

test('the ACL is regional and allows what no rule blocks', () => {
  expect(acl.scope).toBe('REGIONAL');
  expect(acl.default_action).toEqual({ allow: {} });
});

test('the first rule blocks an IP above the configured requests per 5 minutes', () => {
  expect(rules[0]).toMatchObject({
    name: 'RateLimitPerIp',
    priority: 0,
    action: { block: {} },
    statement: { rate_based_statement: { limit: 2000, aggregate_key_type: 'IP', evaluation_window_sec: 300 } },
  });
  const [[, other]] = resourcesOf(synthAcl({ rateLimitPer5Minutes: 500 }), 'aws_wafv2_web_acl');
  expect(other.rule[0].statement.rate_based_statement.limit).toBe(500);
});

test('the AWS managed groups run in blocking mode (not count)', () => {
  const managed = rules.slice(1);
  expect(managed.map((r) => r.statement.managed_rule_group_statement)).toEqual(
    MANAGED_RULE_GROUPS.map((name) => expect.objectContaining({ name, vendor_name: 'AWS' })),
  );
  expect(MANAGED_RULE_GROUPS).toEqual(
    expect.arrayContaining(['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesSQLiRuleSet', 'AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesAnonymousIpList']),
  );
  expect(managed.every((r) => JSON.stringify(r.override_action) === JSON.stringify({ none: {} }))).toBe(true);
});

test('every rule has its own CloudWatch metric and unique priority', () => {
  const metricNames = rules.map((r) => r.visibility_config.metric_name);
  expect(new Set(metricNames).size).toBe(rules.length);
  expect(rules.every((r) => r.visibility_config.cloudwatch_metrics_enabled === true)).toBe(true);
  expect(new Set(rules.map((r) => r.priority)).size).toBe(rules.length);
});

test('the ACL is associated with the given resource', () => {
  const [[, association]] = resourcesOf(synthesized, 'aws_wafv2_web_acl_association');
  expect(association).toEqual({ resource_arn: STAGE_ARN, web_acl_arn: `\${aws_wafv2_web_acl.${aclId}.arn}` });
});

test('logs go to an encrypted aws-waf-logs- group with credentials redacted', () => {
  const [[groupId, group]] = resourcesOf(synthesized, 'aws_cloudwatch_log_group');
  expect(group).toMatchObject({ name: 'aws-waf-logs-ppu-api', retention_in_days: 30, kms_key_id: expect.stringContaining('aws_kms_key.') });
  const [[, logging]] = resourcesOf(synthesized, 'aws_wafv2_web_acl_logging_configuration');
  expect(logging.log_destination_configs).toEqual([`\${aws_cloudwatch_log_group.${groupId}.arn}`]);
  expect(logging.redacted_fields).toEqual([{ single_header: { name: 'authorization' } }, { single_header: { name: 'cookie' } }, { single_header: { name: 'x-api-key' } }]);
});

test('log delivery is allowed only into that group, from this account', () => {
  const [[, policy]] = resourcesOf(synthesized, 'aws_cloudwatch_log_resource_policy');
  const [statement] = JSON.parse(policy.policy_document).Statement;
  expect(statement.Resource).toBe('arn:aws:logs:eu-west-1:111122223333:log-group:aws-waf-logs-ppu-api:*');
  expect(statement.Condition.StringEquals).toEqual({ 'aws:SourceAccount': '111122223333' });
});

test.each([
  [{ rateLimitPer5Minutes: 5 }, 'rateLimitPer5Minutes 5'],
  [{ webAclName: 'has space' }, "webAclName 'has space'"],
])('bad props %o are refused naming the value', (bad, message) => {
  expect(() => synthAcl(bad)).toThrow(message);
});

const overridesOf = (ruleList: Record<string, any>[]) =>
  Object.fromEntries(ruleList.slice(1).map((rule) => [rule.name, rule.statement.managed_rule_group_statement.rule_action_override ?? []]));

test('by default only the 8 KB body-size rule and the hosting-provider list count; nothing else is overridden', () => {
  expect(overridesOf(rules)).toEqual({
    AWSManagedRulesCommonRuleSet: [{ name: 'SizeRestrictions_BODY', action_to_use: { count: {} } }],
    AWSManagedRulesKnownBadInputsRuleSet: [],
    AWSManagedRulesSQLiRuleSet: [],
    AWSManagedRulesAmazonIpReputationList: [],
    AWSManagedRulesAnonymousIpList: [{ name: HOSTING_PROVIDER_RULE, action_to_use: { count: {} } }],
  });
});

// AWS: the Anonymous IP list's HostingProviderIPList "inspects for IP addresses from web hosting
// and cloud providers" and blocks them by default
// (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-ip-rep.html).
// This API is IAM-authenticated, so its callers are backends and CI runners on exactly those networks.
test('callers on cloud and hosting networks are counted, not blocked, unless the account sets hostingProviderIps to block', () => {
  const anonymous = (ruleList: Record<string, any>[]) => overridesOf(ruleList).AWSManagedRulesAnonymousIpList;
  expect(anonymous(rules)).toEqual([{ name: 'HostingProviderIPList', action_to_use: { count: {} } }]);
  const [[, blocking]] = resourcesOf(synthAcl({ hostingProviderIps: 'block' }), 'aws_wafv2_web_acl');
  expect(anonymous(blocking.rule)).toEqual([]);
  const [[, counting]] = resourcesOf(synthAcl({ hostingProviderIps: 'count' }), 'aws_wafv2_web_acl');
  expect(anonymous(counting.rule)).toEqual(anonymous(rules));
});

test("hostingProviderIps 'block' contradicting a count-only override is refused", () => {
  expect(() =>
    synthAcl({ hostingProviderIps: 'block', countOnlyRules: { AWSManagedRulesAnonymousIpList: ['HostingProviderIPList'] } }),
  ).toThrow(/hostingProviderIps is 'block'/);
});

test('Known Bad Inputs can never be put in count mode', () => {
  expect(() => synthAcl({ countOnlyRules: { AWSManagedRulesKnownBadInputsRuleSet: ['Log4JRCE_BODY'] } })).toThrow(
    /AWSManagedRulesKnownBadInputsRuleSet must block/,
  );
});

test("metricXxx() are the ACL's AWS/WAFV2 totals over all rules, in its region, summed", () => {
  let metrics: unknown[] = [];
  synthWith((stack, key) => {
    const waf = new WebAcl(stack, 'Waf', {
      webAclName: 'ppu-api',
      rateLimitPer5Minutes: 2000,
      associatedResourceArn: STAGE_ARN,
      accountId: '111122223333',
      region: 'eu-central-1',
      logRetentionDays: 30,
      encryptionKey: key,
    });
    metrics = [waf.metricBlockedRequests(), waf.metricAllowedRequests({ statistic: 'Maximum' })];
  });
  const dimensions = { WebACL: 'ppu-api', Region: 'eu-central-1', Rule: 'ALL' };
  expect(metrics).toEqual([
    { namespace: 'AWS/WAFV2', metricName: 'BlockedRequests', dimensions, statistic: 'Sum' },
    { namespace: 'AWS/WAFV2', metricName: 'AllowedRequests', dimensions, statistic: 'Maximum' },
  ]);
});
