import { createHash } from 'node:crypto';

/**
 * Stand-in values for the attributes Terraform only knows after apply (ARNs, ids), so a
 * synthesized policy can be read as IAM will read it: "${aws_sqs_queue.q.arn}" becomes
 * "arn:aws:sqs:eu-west-1:123456789012:<queue name>". Each ARN follows the format AWS documents
 * for the resource type (Service Authorization Reference, "Resource types defined by ..."), with
 * the names taken from the resource's configuration; generated ids are stable hashes of the
 * logical name. A reference this table does not know is reported as unresolvable rather than
 * guessed.
 */

export interface StackJson {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
  readonly locals?: Readonly<Record<string, unknown>>;
  readonly output?: Readonly<Record<string, { readonly value?: unknown }>>;
  readonly provider?: { readonly aws?: ReadonlyArray<{ readonly region?: string; readonly allowed_account_ids?: readonly string[] }> };
}

export interface Placement {
  readonly accountId: string;
  readonly region: string;
}

/** The account and region a stack's provider is pinned to. */
export function stackPlacement(stack: StackJson): Placement {
  const provider = stack.provider?.aws?.[0];
  return { accountId: provider?.allowed_account_ids?.[0] ?? '000000000000', region: provider?.region ?? 'us-east-1' };
}

function fakeId(seed: string, length = 8): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

type Attribute = (config: Readonly<Record<string, unknown>>, at: Placement, name: string, value: (text: unknown) => string | undefined) => string | undefined;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** type -> attribute path (after the resource name) -> value. */
const ATTRIBUTES: Readonly<Record<string, Readonly<Record<string, Attribute>>>> = {
  aws_iam_role: {
    arn: (c, at, _n, v) => `arn:aws:iam::${at.accountId}:role${v(c.path) ?? '/'}${v(c.name)}`,
    name: (c, _at, _n, v) => v(c.name),
    id: (c, _at, _n, v) => v(c.name),
  },
  aws_iam_policy: {
    arn: (c, at, _n, v) => `arn:aws:iam::${at.accountId}:policy${v(c.path) ?? '/'}${v(c.name)}`,
  },
  aws_iam_openid_connect_provider: {
    arn: (c, at, _n, v) => `arn:aws:iam::${at.accountId}:oidc-provider/${String(v(c.url)).replace(/^https:\/\//, '')}`,
  },
  aws_kms_key: {
    arn: (_c, at, n) => `arn:aws:kms:${at.region}:${at.accountId}:key/${fakeId(n, 8)}-0000-4000-8000-${fakeId(`${n}#`, 12)}`,
    key_id: (_c, _at, n) => `${fakeId(n, 8)}-0000-4000-8000-${fakeId(`${n}#`, 12)}`,
    id: (_c, _at, n) => `${fakeId(n, 8)}-0000-4000-8000-${fakeId(`${n}#`, 12)}`,
  },
  aws_kms_alias: { arn: (c, at, _n, v) => `arn:aws:kms:${at.region}:${at.accountId}:${v(c.name)}`, name: (c, _at, _n, v) => v(c.name) },
  aws_s3_bucket: {
    arn: (c, _at, _n, v) => `arn:aws:s3:::${v(c.bucket)}`,
    id: (c, _at, _n, v) => v(c.bucket),
    bucket: (c, _at, _n, v) => v(c.bucket),
  },
  aws_sqs_queue: {
    arn: (c, at, _n, v) => `arn:aws:sqs:${at.region}:${at.accountId}:${v(c.name)}`,
    name: (c, _at, _n, v) => v(c.name),
    url: (c, at, _n, v) => `https://sqs.${at.region}.amazonaws.com/${at.accountId}/${v(c.name)}`,
    id: (c, at, _n, v) => `https://sqs.${at.region}.amazonaws.com/${at.accountId}/${v(c.name)}`,
  },
  aws_sns_topic: {
    arn: (c, at, _n, v) => `arn:aws:sns:${at.region}:${at.accountId}:${v(c.name)}`,
    id: (c, at, _n, v) => `arn:aws:sns:${at.region}:${at.accountId}:${v(c.name)}`,
    name: (c, _at, _n, v) => v(c.name),
  },
  aws_dynamodb_table: {
    arn: (c, at, _n, v) => `arn:aws:dynamodb:${at.region}:${at.accountId}:table/${v(c.name)}`,
    stream_arn: (c, at, _n, v) => `arn:aws:dynamodb:${at.region}:${at.accountId}:table/${v(c.name)}/stream/2026-01-01T00:00:00.000`,
    name: (c, _at, _n, v) => v(c.name),
    id: (c, _at, _n, v) => v(c.name),
  },
  aws_cloudwatch_log_group: {
    // Provider 5.x returns the log group ARN without the ":*" suffix the Logs API shows.
    arn: (c, at, _n, v) => `arn:aws:logs:${at.region}:${at.accountId}:log-group:${v(c.name)}`,
    name: (c, _at, _n, v) => v(c.name),
    id: (c, _at, _n, v) => v(c.name),
  },
  aws_lambda_function: {
    arn: (c, at, _n, v) => `arn:aws:lambda:${at.region}:${at.accountId}:function:${v(c.function_name)}`,
    qualified_arn: (c, at, _n, v) => `arn:aws:lambda:${at.region}:${at.accountId}:function:${v(c.function_name)}:1`,
    function_name: (c, _at, _n, v) => v(c.function_name),
    id: (c, _at, _n, v) => v(c.function_name),
    version: () => '1',
  },
  aws_lambda_alias: {
    arn: (c, at, _n, v) => {
      const fn = v(c.function_name);
      const base = fn?.startsWith('arn:') ? fn : `arn:aws:lambda:${at.region}:${at.accountId}:function:${fn}`;
      return `${base}:${v(c.name)}`;
    },
    name: (c, _at, _n, v) => v(c.name),
  },
  aws_db_instance: {
    arn: (c, at, _n, v) => `arn:aws:rds:${at.region}:${at.accountId}:db:${v(c.identifier)}`,
    identifier: (c, _at, _n, v) => v(c.identifier),
    resource_id: (_c, _at, n) => `db-${fakeId(n, 26).toUpperCase()}`,
    'master_user_secret[0].secret_arn': (c, at, _n, v) => `arn:aws:secretsmanager:${at.region}:${at.accountId}:secret:rds!db-${fakeId(String(v(c.identifier)), 8)}-AbCdEf`,
  },
  aws_db_proxy: {
    arn: (_c, at, n) => `arn:aws:rds:${at.region}:${at.accountId}:db-proxy:prx-${fakeId(n, 17)}`,
    name: (c, _at, _n, v) => v(c.name),
  },
  aws_secretsmanager_secret: {
    arn: (c, at, n, v) => `arn:aws:secretsmanager:${at.region}:${at.accountId}:secret:${v(c.name) ?? n}-AbCdEf`,
    id: (c, at, n, v) => `arn:aws:secretsmanager:${at.region}:${at.accountId}:secret:${v(c.name) ?? n}-AbCdEf`,
  },
  aws_api_gateway_rest_api: {
    id: (_c, _at, n) => fakeId(n, 10),
    execution_arn: (_c, at, n) => `arn:aws:execute-api:${at.region}:${at.accountId}:${fakeId(n, 10)}`,
    arn: (_c, at, n) => `arn:aws:apigateway:${at.region}::/restapis/${fakeId(n, 10)}`,
    root_resource_id: (_c, _at, n) => fakeId(`${n}/`, 10),
  },
  aws_cloudwatch_event_rule: {
    arn: (c, at, _n, v) => `arn:aws:events:${at.region}:${at.accountId}:rule/${v(c.name)}`,
    name: (c, _at, _n, v) => v(c.name),
    id: (c, _at, _n, v) => v(c.name),
  },
  aws_cloudwatch_metric_alarm: {
    arn: (c, at, _n, v) => `arn:aws:cloudwatch:${at.region}:${at.accountId}:alarm:${v(c.alarm_name)}`,
    alarm_name: (c, _at, _n, v) => v(c.alarm_name),
  },
  aws_wafv2_web_acl: {
    arn: (c, at, n, v) => `arn:aws:wafv2:${at.region}:${at.accountId}:regional/webacl/${v(c.name)}/${fakeId(n, 12)}`,
  },
  aws_codedeploy_app: {
    arn: (c, at, _n, v) => `arn:aws:codedeploy:${at.region}:${at.accountId}:application:${v(c.name)}`,
    name: (c, _at, _n, v) => v(c.name),
  },
  aws_codedeploy_deployment_group: {
    arn: (c, at, _n, v) => `arn:aws:codedeploy:${at.region}:${at.accountId}:deploymentgroup:${v(c.app_name)}/${v(c.deployment_group_name)}`,
    deployment_group_name: (c, _at, _n, v) => v(c.deployment_group_name),
  },
  aws_subnet: { id: (_c, _at, n) => `subnet-${fakeId(n, 17)}` },
  aws_security_group: { id: (_c, _at, n) => `sg-${fakeId(n, 17)}` },
  aws_vpc: { id: (_c, _at, n) => `vpc-${fakeId(n, 17)}` },
  aws_vpc_endpoint: { id: (_c, _at, n) => `vpce-${fakeId(n, 17)}` },
};

const REFERENCE = /\$\{([^{}]*)\}/g;
const SIMPLE = /^(aws_[a-z0-9_]+)\.([\w-]+)\.([\w.[\]]+)$/;
const LOCAL = /^local\.([\w-]+)$/;
const ELEMENT_OF_SPLIT = /^element\(split\("(.)",\s*(.+)\),\s*(\d+)\)$/;
/** A value another unit's stack outputs, read through cdktf's cross-stack remote state (named after that stack). */
const REMOTE_OUTPUT = /^data\.terraform_remote_state\.cross-stack-reference-input-([\w-]+)\.outputs\.([\w-]+)$/;

/** Resolves Terraform references in synthesized strings to stand-in values for one stack. */
export class TerraformValues {
  readonly placement: Placement;

  private readonly producers = new Map<string, TerraformValues>();

  /** `stackNamed` finds the other stacks of the app, for values read from their outputs. */
  constructor(
    private readonly stack: StackJson,
    placement?: Placement,
    private readonly stackNamed?: (name: string) => StackJson | undefined,
  ) {
    this.placement = placement ?? stackPlacement(stack);
  }

  /** `text` with every reference replaced, or undefined with the references it could not resolve. */
  resolve(text: string): { value?: string; unresolved: string[] } {
    const unresolved: string[] = [];
    const value = text.replace(REFERENCE, (whole, expression: string) => {
      const resolved = this.expression(expression.trim(), 0);
      if (resolved === undefined) {
        unresolved.push(whole);
        return whole;
      }
      return resolved;
    });
    return unresolved.length > 0 ? { unresolved } : { value, unresolved };
  }

  /** Resolves or returns undefined. */
  value(text: unknown): string | undefined {
    const raw = str(text);
    return raw === undefined ? undefined : this.resolve(raw).value;
  }

  private expression(expression: string, depth: number): string | undefined {
    if (depth > 8) return undefined;
    const local = LOCAL.exec(expression);
    if (local) {
      const raw = str(this.stack.locals?.[local[1]]);
      const inner = raw === undefined ? undefined : /^\$\{(.*)\}$/s.exec(raw)?.[1];
      return inner === undefined ? raw : this.expression(inner.trim(), depth + 1);
    }
    const split = ELEMENT_OF_SPLIT.exec(expression);
    if (split) {
      const whole = this.expression(split[2].trim(), depth + 1);
      return whole?.split(split[1])[Number(split[3])];
    }
    const remote = REMOTE_OUTPUT.exec(expression);
    if (remote) return this.producer(remote[1])?.outputValue(remote[2], depth + 1);
    const simple = SIMPLE.exec(expression);
    if (!simple) return undefined;
    const [, type, name, attribute] = simple;
    const config = this.stack.resource?.[type]?.[name];
    const produce = ATTRIBUTES[type]?.[attribute];
    if (!config || !produce) return undefined;
    return produce(config, this.placement, `${type}.${name}`, (text) => {
      const raw = str(text);
      return raw === undefined ? undefined : this.resolve(raw).value;
    });
  }

  private producer(stackName: string): TerraformValues | undefined {
    if (!this.producers.has(stackName)) {
      const json = this.stackNamed?.(stackName);
      if (!json) return undefined;
      this.producers.set(stackName, new TerraformValues(json, undefined, this.stackNamed));
    }
    return this.producers.get(stackName);
  }

  /** The value of one of this stack's outputs (cdktf writes each as "${<expression>}"). */
  private outputValue(name: string, depth: number): string | undefined {
    const raw = str(this.stack.output?.[name]?.value);
    const inner = raw === undefined ? undefined : /^\$\{(.*)\}$/s.exec(raw)?.[1];
    return inner === undefined ? raw : this.expression(inner.trim(), depth);
  }
}
