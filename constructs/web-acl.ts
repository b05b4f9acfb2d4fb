import { Construct } from 'constructs';
import { CloudwatchLogResourcePolicy } from '@cdktf/provider-aws/lib/cloudwatch-log-resource-policy';
import { Wafv2WebAcl } from '@cdktf/provider-aws/lib/wafv2-web-acl';
import { Wafv2WebAclAssociation } from '@cdktf/provider-aws/lib/wafv2-web-acl-association';
import { Wafv2WebAclLoggingConfiguration } from '@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration';
import type { EncryptionKey } from './encryption-key';
import { LogGroup } from './log-group';
import type { Metric, MetricOptions } from './metric';
import { ConstructPropsError } from './construct-props-error';

/** AWS managed rule groups the ACL runs, in priority order after the rate limit. */
export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesSQLiRuleSet',
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesAnonymousIpList',
] as const;

export interface WebAclProps {
  readonly webAclName: string;
  /** Requests one client IP may send in any 5-minute window before it is blocked. */
  readonly rateLimitPer5Minutes: number;
  /** The regional resource to protect, e.g. a REST API stage ARN. */
  readonly associatedResourceArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly logRetentionDays: number;
  /** Encrypts the WAF log group. */
  readonly encryptionKey: EncryptionKey;
  /** Request headers replaced by REDACTED in logs. Default: authorization, cookie, x-api-key. */
  readonly redactedHeaders?: readonly string[];
  /**
   * Rules of a managed group that only count instead of blocking. Default:
   * SizeRestrictions_BODY of the Common rule set, which blocks bodies over 8 KB: a PPU ingest
   * batch (up to 500 records) is larger, and API Gateway's request validation bounds it instead.
   * Known Bad Inputs never runs in count mode (rule PLAT-WAF-1).
   */
  readonly countOnlyRules?: Readonly<Partial<Record<(typeof MANAGED_RULE_GROUPS)[number], readonly string[]>>>;
  /**
   * What the Anonymous IP list's HostingProviderIPList rule does with requests from cloud and
   * hosting networks. AWS documents that it matches web hosting and cloud providers
   * (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-ip-rep.html),
   * which is where this IAM-authenticated API's real callers run (backends, CI runners), so by
   * default it only counts (its matches stay visible in the group's metric and the WAF log).
   * 'block' restores the group's own action. Default: 'count'.
   */
  readonly hostingProviderIps?: 'count' | 'block';
}

/** The Anonymous IP list rule that matches cloud and hosting provider addresses. */
export const HOSTING_PROVIDER_RULE = 'HostingProviderIPList';

export const DEFAULT_COUNT_ONLY_RULES: NonNullable<WebAclProps['countOnlyRules']> = {
  AWSManagedRulesCommonRuleSet: ['SizeRestrictions_BODY'],
};

/**
 * A regional WAFv2 web ACL in front of one resource: a per-IP rate limit, then AWS managed rule
 * groups in blocking mode. Every rule has its own CloudWatch metric; full logs go to an encrypted
 * log group with credentials redacted.
 */
export class WebAcl extends Construct {
  readonly webAclArn: string;
  readonly webAclId: string;
  readonly webAclName: string;
  readonly logGroupName: string;
  /** CloudWatch metric name per rule name (the Rule dimension of WAF metrics). */
  readonly ruleMetricNames: Readonly<Record<string, string>>;
  /** WAF's regional metrics carry the region as a dimension. */
  private readonly region: string;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(props.webAclName)) {
      throw new ConstructPropsError(`WebAcl webAclName '${props.webAclName}' must be 1-100 letters, digits, dashes or underscores`);
    }
    if (!Number.isInteger(props.rateLimitPer5Minutes) || props.rateLimitPer5Minutes < 10 || props.rateLimitPer5Minutes > 2_000_000_000) {
      throw new ConstructPropsError(`WebAcl rateLimitPer5Minutes ${props.rateLimitPer5Minutes} must be a whole number from 10 to 2000000000 (WAF's limits)`);
    }
    const configured = props.countOnlyRules ?? DEFAULT_COUNT_ONLY_RULES;
    const anonymous = configured.AWSManagedRulesAnonymousIpList ?? [];
    const countOnly =
      (props.hostingProviderIps ?? 'count') === 'count' && !anonymous.includes(HOSTING_PROVIDER_RULE)
        ? { ...configured, AWSManagedRulesAnonymousIpList: [...anonymous, HOSTING_PROVIDER_RULE] }
        : configured;
    if (props.hostingProviderIps === 'block' && anonymous.includes(HOSTING_PROVIDER_RULE)) {
      throw new ConstructPropsError(`WebAcl: hostingProviderIps is 'block' but countOnlyRules.AWSManagedRulesAnonymousIpList counts ${HOSTING_PROVIDER_RULE}; choose one`);
    }
    if (countOnly.AWSManagedRulesKnownBadInputsRuleSet?.length) {
      throw new ConstructPropsError('WebAcl countOnlyRules: AWSManagedRulesKnownBadInputsRuleSet must block (Log4j and other known exploits); remove it');
    }
    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
    const ruleMetricNames: Record<string, string> = { RateLimitPerIp: `${props.webAclName}-rate-limit-per-ip` };
    for (const group of MANAGED_RULE_GROUPS) ruleMetricNames[group] = `${props.webAclName}-${group}`;

    // `statement` is untyped in the bindings (too deeply nested), so it is written in Terraform's snake_case.
    const rules = [
      {
        name: 'RateLimitPerIp',
        priority: 0,
        action: { block: {} },
        statement: { rate_based_statement: { limit: props.rateLimitPer5Minutes, aggregate_key_type: 'IP', evaluation_window_sec: 300 } },
        visibilityConfig: visibility(ruleMetricNames.RateLimitPerIp),
      },
      ...MANAGED_RULE_GROUPS.map((group, index) => ({
        name: group,
        priority: index + 1,
        // none = the group's own actions apply (block), rather than count-only.
        overrideAction: { none: {} },
        statement: {
          managed_rule_group_statement: {
            name: group,
            vendor_name: 'AWS',
            ...(countOnly[group]?.length ? { rule_action_override: countOnly[group].map((name) => ({ name, action_to_use: { count: {} } })) } : {}),
          },
        },
        visibilityConfig: visibility(ruleMetricNames[group]),
      })),
    ];

    const acl = new Wafv2WebAcl(this, 'WebAcl', {
      name: props.webAclName,
      description: `Protects ${props.webAclName}: per-IP rate limit and AWS managed rules`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rule: rules,
      visibilityConfig: visibility(props.webAclName),
    });

    new Wafv2WebAclAssociation(this, 'Association', { webAclArn: acl.arn, resourceArn: props.associatedResourceArn });

    // WAF only delivers to log groups whose names start with aws-waf-logs-.
    const logGroupName = `aws-waf-logs-${props.webAclName}`;
    const logs = new LogGroup(this, 'Logs', {
      logGroupName,
      retentionDays: props.logRetentionDays,
      encryptionKey: props.encryptionKey,
    });
    const logGroupArn = `arn:aws:logs:${props.region}:${props.accountId}:log-group:${logGroupName}:*`;
    const deliveryPolicy = new CloudwatchLogResourcePolicy(this, 'LogDelivery', {
      policyName: `${logGroupName}-delivery`,
      policyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'WafLogDelivery',
            Effect: 'Allow',
            Principal: { Service: 'delivery.logs.amazonaws.com' },
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: logGroupArn,
            Condition: {
              StringEquals: { 'aws:SourceAccount': props.accountId },
              ArnLike: { 'aws:SourceArn': `arn:aws:logs:${props.region}:${props.accountId}:*` },
            },
          },
        ],
      }),
    });
    new Wafv2WebAclLoggingConfiguration(this, 'Logging', {
      resourceArn: acl.arn,
      logDestinationConfigs: [logs.logGroupArn],
      redactedFields: (props.redactedHeaders ?? ['authorization', 'cookie', 'x-api-key']).map((name) => ({ singleHeader: { name } })),
      dependsOn: [deliveryPolicy],
    });

    this.webAclArn = acl.arn;
    this.webAclId = acl.id;
    this.webAclName = props.webAclName;
    this.logGroupName = logGroupName;
    this.ruleMetricNames = ruleMetricNames;
    this.region = props.region;
  }

  /** Requests every rule together blocked (Sum). */
  metricBlockedRequests(options: MetricOptions = {}): Metric {
    return this.wafMetric('BlockedRequests', options);
  }

  /** Requests every rule together allowed (Sum). */
  metricAllowedRequests(options: MetricOptions = {}): Metric {
    return this.wafMetric('AllowedRequests', options);
  }

  // Rule ALL is the web ACL's total over its rules.
  // https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html
  private wafMetric(metricName: string, options: MetricOptions): Metric {
    return { namespace: 'AWS/WAFV2', metricName, dimensions: { WebACL: this.webAclName, Region: this.region, Rule: 'ALL' }, statistic: options.statistic ?? 'Sum' };
  }
}
