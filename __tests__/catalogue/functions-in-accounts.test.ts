import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadEnvironments } from '../../environments/load';
import type { AccountConfig } from '../../environments/schema';
import { unitStackName } from '../../environments/units';
import { FUNCTIONS, type FunctionName, type Grant, RDS_CA_BUNDLE_LAYER_FILE } from '../../catalogue';
import { DATABASE_ADMIN } from '../../catalogue/database-admin';
import { POST_TRAFFIC_HOOK, PRE_TRAFFIC_HOOK } from '../../catalogue/deployment-hooks';
import { type FunctionSettings, resolveFunctionSettings } from '../../catalogue/function-settings';
import { readWorkload, REPO_ROOT, sharedSynth } from '../helpers/terraform';
import { tempDir } from '../helpers/temp';

type Json = Record<string, any>;
type Statement = { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: Json };

const accounts = loadEnvironments({ overrides: {} });
let outdir: string;
beforeAll(() => {
  outdir = sharedSynth();
}, 300_000);

/** The resources of one function: its construct path is <stack>/Functions/<Id>/... */
function functionResources(stack: Json, name: FunctionName | typeof DATABASE_ADMIN.functionName): { fn: Json; alias: Json; aliasRef: string; logGroup: Json; policy: Statement[]; ref: string } {
  const [ref, fn] = Object.entries(stack.resource.aws_lambda_function as Record<string, Json>).find(([, f]) => f.function_name === name) ?? [];
  if (!fn || !ref) throw new Error(`no aws_lambda_function ${name}`);
  const prefix = fn['//'].metadata.path.replace(/\/Function$/, '/');
  const inConstruct = (type: string): Json[] =>
    Object.values((stack.resource[type] ?? {}) as Record<string, Json>).filter((r) => r['//'].metadata.path.startsWith(prefix));
  const [alias] = inConstruct('aws_lambda_alias');
  const [aliasRef] = Object.entries(stack.resource.aws_lambda_alias as Record<string, Json>).find(([, a]) => a === alias) ?? [''];
  const [logGroup] = inConstruct('aws_cloudwatch_log_group');
  const [policy] = inConstruct('aws_iam_role_policy');
  return { fn, alias, aliasRef, logGroup, policy: JSON.parse(policy.policy).Statement, ref };
}

const actionsOf = (statements: readonly Statement[]) => statements.flatMap((s) => [s.Action].flat());
/** Statements every function has: its logs, traces, env decryption, and in a VPC its network interfaces. */
const PLATFORM_ACTIONS = /^(logs:|xray:|kms:|ec2:)/;

/**
 * The data actions each catalogue grant stands for (this test's own statement of the grant
 * vocabulary, so a grant that silently widened would show), plus the dead-letter queue send of an
 * asynchronously invoked (scheduled) function.
 */
function expectedDataActions(spec: FunctionSettings): string[] {
  const byGrant: Record<Grant['kind'], string[]> = {
    'bucket-read': ['s3:GetObject'],
    'bucket-put': ['s3:PutObject'],
    'bucket-list': ['s3:ListBucket'],
    'table-read-write': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
    'table-describe': ['dynamodb:DescribeTable'],
    'queue-consume': ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
    'queue-read-attributes': ['sqs:GetQueueAttributes'],
    'db-login': ['rds-db:connect'],
    'cloudwatch-put-metric': ['cloudwatch:PutMetricData'],
  };
  const actions = [...spec.grants.flatMap((grant) => byGrant[grant.kind]), ...(spec.trigger.kind === 'schedule' ? ['sqs:SendMessage'] : [])];
  return [...new Set(actions)].sort();
}

/** The uploads bucket's ARN, from its name (arn:aws:s3:::<name>). */
const bucketArn = (workload: Json): string => `arn:aws:s3:::${(Object.values(workload.resource.aws_s3_bucket as Record<string, Json>)[0] as Json).bucket}`;
/** The work queue's ARN (not its dead-letter queue), from its name. */
const queueArn = (workload: Json, config: AccountConfig): string => {
  const names = Object.values(workload.resource.aws_sqs_queue as Record<string, Json>).map((queue) => String(queue.name));
  const [work] = names.filter((name) => names.includes(`${name}-dlq`));
  return `arn:aws:sqs:${config.region}:${config.accountId}:${work}`;
};

describe.each(accounts.map((config) => [config.name, config] as const))('functions in %s', (account, config) => {
  let stack: Json;
  let settings: FunctionSettings[];
  beforeAll(() => {
    stack = readWorkload(outdir, config);
    settings = resolveFunctionSettings(config);
  });

  test('every catalogue function exists once', () => {
    const names = Object.values(stack.resource.aws_lambda_function as Record<string, Json>).map((f) => f.function_name);
    // Besides the catalogue, only the two CodeDeploy hooks (constructs/function-delivery.ts) and database-admin.
    expect(names.sort()).toEqual([...FUNCTIONS.map((f) => f.name), PRE_TRAFFIC_HOOK.functionName, POST_TRAFFIC_HOOK.functionName, DATABASE_ADMIN.functionName].sort());
  });

  test("sizes, runtime and architecture follow the catalogue with the account's overrides", () => {
    for (const spec of settings) {
      const { fn } = functionResources(stack, spec.name);
      expect([spec.name, fn.memory_size, fn.timeout, fn.reserved_concurrent_executions, fn.runtime, fn.architectures]).toEqual([
        spec.name, spec.memoryMiB, spec.timeoutSeconds, spec.reservedConcurrency, spec.runtime, ['arm64'],
      ]);
    }
  });

  test('database functions run in the private subnets with the Lambda security group and the driver layer; others do neither', () => {
    const [layerRef] = Object.keys(stack.resource.aws_lambda_layer_version);
    for (const spec of settings) {
      const { fn } = functionResources(stack, spec.name);
      if (spec.vpc) {
        expect(fn.vpc_config.subnet_ids).toEqual([expect.stringMatching(/aws_subnet\.Network_PrivateSubnet0_/), expect.stringMatching(/aws_subnet\.Network_PrivateSubnet1_/)]);
        expect(fn.vpc_config.security_group_ids).toEqual([expect.stringMatching(/aws_security_group\.Network_LambdaSecurityGroup_/)]);
        expect(fn.layers).toEqual([`\${aws_lambda_layer_version.${layerRef}.arn}`]);
      } else {
        expect([spec.name, fn.vpc_config, fn.layers ?? []]).toEqual([spec.name, undefined, []]);
      }
    }
  });

  test('the driver layer is published once, for the runtimes and architecture of its functions', () => {
    const layers = Object.values(stack.resource.aws_lambda_layer_version as Record<string, Json>);
    expect(layers).toHaveLength(1);
    expect(layers[0]).toMatchObject({ layer_name: 'pg-driver', compatible_runtimes: ['python3.12'], compatible_architectures: ['arm64'] });
    expect(layers[0].filename).toMatch(/^assets\/[^/]+\/[0-9a-f]{64}\/pg-driver\.zip$/);
  });

  test('each role holds exactly the grants of the catalogue, with no wildcard action', () => {
    for (const spec of settings) {
      const { policy } = functionResources(stack, spec.name);
      // A set: a function logging in as two database users has one rds-db:connect statement per user (checked below).
      const data = [...new Set(actionsOf(policy).filter((action) => !PLATFORM_ACTIONS.test(action)))].sort();
      expect([spec.name, data]).toEqual([spec.name, expectedDataActions(spec)]);
      expect(actionsOf(policy).filter((action) => action.includes('*'))).toEqual([]);
    }
  });

  test('presigned URL functions are confined to their bucket prefix', () => {
    const resourceOf = (name: FunctionName, action: string) => functionResources(stack, name).policy.find((s) => [s.Action].flat().includes(action))?.Resource;
    // The bucket is the data unit's: the app unit names it by its ARN.
    expect(resourceOf('generate-presigned-url', 's3:GetObject')).toBe(`${bucketArn(stack)}/downloads/*`);
    expect(resourceOf('presigned-url-s3-upload', 's3:PutObject')).toBe(`${bucketArn(stack)}/uploads/*`);
  });

  test('generate-presigned-url may list downloads/ only, so a missing file is a 404 rather than a 403', () => {
    const list = functionResources(stack, 'generate-presigned-url').policy.find((s) => [s.Action].flat().includes('s3:ListBucket'));
    expect(list?.Resource).toBe(bucketArn(stack));
    expect(list?.Condition).toEqual({ StringLike: { 's3:prefix': 'downloads/*' } });
  });

  test('only X-Ray, EC2 Describe and namespaced PutMetricData statements use a * resource', () => {
    for (const spec of settings) {
      for (const statement of functionResources(stack, spec.name).policy.filter((s) => [s.Resource].flat().includes('*'))) {
        expect([spec.name, statement.Sid]).toEqual([spec.name, expect.stringMatching(/^(WriteTraces|DescribeNetwork|PutMetrics)$/)]);
        const namespaces = spec.grants.flatMap((grant) => (grant.kind === 'cloudwatch-put-metric' ? [grant.namespace] : []));
        if (statement.Sid === 'PutMetrics') expect(statement.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': namespaces.length === 1 ? namespaces[0] : namespaces } });
      }
    }
  });

  // Each function logs in as its own PostgreSQL role with an IAM token: rds-db:connect on exactly
  // arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId or proxy id>/<user>
  // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_rds-db.html), never
  // as the master user and never with the master secret.
  test('database functions may connect as exactly their catalogue database users, at the proxy if there is one, never as the master user', () => {
    for (const spec of settings.filter((s) => s.vpc)) {
      const { fn, policy } = functionResources(stack, spec.name);
      const users = spec.grants.flatMap((grant) => (grant.kind === 'db-login' ? [grant.user] : []));
      const connect = policy.filter((s) => [s.Action].flat().includes('rds-db:connect'));
      const resources = connect.flatMap((s) => [s.Resource].flat());
      const target = config.database.proxy ? /^arn:aws:rds-db:[a-z0-9-]+:\d{12}:dbuser:\$\{local\.[^}]+\}\/(\w+)$/ : /^arn:aws:rds-db:[a-z0-9-]+:\d{12}:dbuser:\$\{aws_db_instance\.[^}]+\.resource_id\}\/(\w+)$/;
      expect([spec.name, resources.map((arn) => target.exec(String(arn))?.[1]).sort()]).toEqual([spec.name, [...users].sort()]);
      expect([spec.name, users.includes(config.database.masterUsername), fn.environment.variables.DB_USER]).toEqual([spec.name, false, users[0]]);
      expect(JSON.stringify(fn.environment.variables)).not.toMatch(/master_user_secret|DB_SECRET_ARN|DB_AUTH/);
      expect(JSON.stringify(policy)).not.toContain('master_user_secret');
      expect(fn.environment.variables.DB_HOST).toMatch(config.database.proxy ? /aws_db_proxy\./ : /aws_db_instance\./);
    }
  });

  // Issue 20: the schema owner is database-admin alone. It logs in at the instance (the master user
  // cannot log in through the proxy), so it has its own security group to the instance and to the
  // Secrets Manager endpoint; no catalogue function may read any secret or log in as the migrator.
  test('only database-admin may read the master secret, log in as the migrator or set the roles\' secrets; it reaches the instance itself', () => {
    const { fn, policy } = functionResources(stack, DATABASE_ADMIN.functionName);
    const variables = fn.environment.variables;
    const secrets = Object.entries((stack.resource.aws_secretsmanager_secret ?? {}) as Record<string, Json>);
    const secretRef = (user: string) => `\${aws_secretsmanager_secret.${secrets.find(([, s]) => s.name.endsWith(`/db-users/${user}`))![0]}.arn}`;
    const functionUsers = [...new Set(settings.flatMap((s) => s.grants.flatMap((g) => (g.kind === 'db-login' ? [g.user] : []))))];

    expect(variables.DB_HOST).toMatch(/^\$\{aws_db_instance\.[^}]+\.address\}$/);
    expect(variables.DB_MASTER_SECRET_ARN).toMatch(/^\$\{aws_db_instance\.[^}]+\.master_user_secret\[0\]\.secret_arn\}$/);
    expect(variables.DB_ROLE_LOGIN).toBe(config.database.proxy ? 'password' : 'rds_iam');
    expect(fn.vpc_config.security_group_ids).toEqual([expect.stringMatching(/aws_security_group\.Network_DatabaseAdminSecurityGroup_/)]);
    const read = policy.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')).flatMap((s) => [s.Resource].flat());
    const writable = policy.filter((s) => [s.Action].flat().includes('secretsmanager:PutSecretValue')).flatMap((s) => [s.Resource].flat());
    const connect = policy.filter((s) => [s.Action].flat().includes('rds-db:connect')).flatMap((s) => [s.Resource].flat());
    if (config.database.proxy) {
      expect(JSON.parse(variables.DB_PROXY_USER_ARNS)).toEqual(Object.fromEntries(functionUsers.map((user) => [user, secretRef(user)])));
      expect(variables.DB_MIGRATOR_SECRET_ARN).toBe(secretRef(DATABASE_ADMIN.migrationUser));
      expect(writable.sort()).toEqual([DATABASE_ADMIN.migrationUser, ...functionUsers].map(secretRef).sort());
      expect(connect).toEqual([]);
      // The proxy offers no login as the migrator: its role may not even read that secret.
      const proxyAuth = Object.values(stack.resource.aws_db_proxy as Record<string, Json>)[0].auth as Json[];
      expect(proxyAuth.map((a) => a.secret_arn).sort()).toEqual(functionUsers.map(secretRef).sort());
    } else {
      expect([variables.DB_PROXY_USER_ARNS, variables.DB_MIGRATOR_SECRET_ARN, writable]).toEqual([undefined, undefined, []]);
      expect(connect).toEqual([expect.stringMatching(new RegExp(`dbuser:\\$\\{aws_db_instance\\.[^}]+\\.resource_id\\}/${DATABASE_ADMIN.migrationUser}$`))]);
    }
    expect(read.sort()).toEqual([variables.DB_MASTER_SECRET_ARN, ...writable].sort());

    for (const spec of settings) {
      const other = functionResources(stack, spec.name);
      expect([spec.name, actionsOf(other.policy).filter((action) => action.startsWith('secretsmanager:'))]).toEqual([spec.name, []]);
      expect([spec.name, JSON.stringify(other.policy).includes(`/${DATABASE_ADMIN.migrationUser}`)]).toEqual([spec.name, false]);
      expect([spec.name, Object.keys(other.fn.environment?.variables ?? {}).filter((name) => /MIGRATION|SECRET|ROLE_LOGIN|PROXY_USER/.test(name))]).toEqual([spec.name, []]);
    }
  });

  // The instance's certificate chains to an RDS CA (the bundle in the driver layer, extracted under
  // /opt: https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html); RDS Proxy's is an ACM
  // certificate under the Amazon Trust Services roots the runtime trusts
  // (https://docs.aws.amazon.com/prescriptive-guidance/latest/amazon-rds-proxy/best-practices.html).
  test('database functions verify the server certificate against what signs it: the layer bundle, or the trust store behind the proxy', () => {
    for (const spec of settings.filter((s) => s.vpc)) {
      const variables = functionResources(stack, spec.name).fn.environment.variables;
      expect([spec.name, variables.DB_SSL_ROOT_CERT]).toEqual([spec.name, config.database.proxy ? 'system' : `/opt/${RDS_CA_BUNDLE_LAYER_FILE}`]);
      expect(spec.layers).toContain('pg-driver');
    }
  });

  test('every function logs to its own KMS-encrypted group with the account retention', () => {
    for (const spec of settings) {
      const { fn, logGroup } = functionResources(stack, spec.name);
      expect([logGroup.name, logGroup.retention_in_days]).toEqual([`/aws/lambda/${spec.name}`, config.logRetentionDays]);
      expect(logGroup.kms_key_id).toMatch(/aws_kms_key\./);
      expect(fn.tracing_config).toEqual({ mode: 'Active' });
      expect(fn.kms_key_arn).toMatch(/aws_kms_key\./);
    }
  });

  test('every function publishes versions behind a live alias', () => {
    for (const spec of settings) {
      const { fn, alias, ref } = functionResources(stack, spec.name);
      expect(fn.publish).toBe(true);
      expect([alias.name, alias.function_version]).toEqual(['live', `\${aws_lambda_function.${ref}.version}`]);
    }
  });

  test('every scheduled function runs on its schedule through its live alias, with a dead-letter queue; nothing else is scheduled', () => {
    const rules = Object.entries((stack.resource.aws_cloudwatch_event_rule ?? {}) as Record<string, Json>);
    const targets = Object.values((stack.resource.aws_cloudwatch_event_target ?? {}) as Record<string, Json>);
    const scheduled = settings.filter((spec) => spec.trigger.kind === 'schedule');
    expect(rules.map(([, r]) => r.name).sort()).toEqual(scheduled.map((spec) => `${spec.name}-schedule`).sort());
    for (const spec of scheduled) {
      const { fn, aliasRef } = functionResources(stack, spec.name);
      const [ruleRef, rule] = rules.find(([, r]) => r.name === `${spec.name}-schedule`)!;
      expect(rule.schedule_expression).toBe(spec.trigger.kind === 'schedule' && spec.trigger.scheduleExpression);
      const target = targets.find((t) => t.rule === `\${aws_cloudwatch_event_rule.${ruleRef}.name}`);
      expect([spec.name, target?.arn]).toEqual([spec.name, `\${aws_lambda_alias.${aliasRef}.arn}`]);
      expect(fn.dead_letter_config.target_arn).toMatch(/aws_sqs_queue\.[A-Za-z0-9_]+_DeadLetterQueue_/);
    }
  });

  test('every queue function consumes its queue through its live alias with partial batch responses; nothing else does', () => {
    const mappings = Object.values((stack.resource.aws_lambda_event_source_mapping ?? {}) as Record<string, Json>);
    const consumers = settings.filter((spec) => spec.trigger.kind === 'queue');
    expect(mappings).toHaveLength(consumers.length);
    for (const spec of consumers) {
      const { aliasRef } = functionResources(stack, spec.name);
      const mapping = mappings.find((m) => String(m.function_name).includes(`aws_lambda_alias.${aliasRef}.`));
      expect([spec.name, mapping]).toEqual([spec.name, expect.objectContaining({
        event_source_arn: queueArn(stack, config),
        function_response_types: ['ReportBatchItemFailures'],
        batch_size: spec.trigger.kind === 'queue' && spec.trigger.batchSize,
      })]);
    }
  });

  test('function code is referenced by content hash, never by a machine path', () => {
    for (const spec of settings) {
      const { fn } = functionResources(stack, spec.name);
      expect(fn.filename).toMatch(new RegExp(`^assets/[^/]+/[0-9a-f]{64}/${spec.name}\\.zip$`));
      const zip = fs.readFileSync(path.join(outdir, 'stacks', unitStackName(account, 'app'), fn.filename));
      expect(fn.source_code_hash).toBe(createHash('sha256').update(zip).digest('base64'));
    }
  });
});

test('synth refuses an override of an unknown function, names it, and writes nothing', async () => {
  const dir = tempDir('unknown-function-');
  const overrides = path.join(dir, 'overrides.json');
  const [account] = accounts;
  const missing = `${FUNCTIONS[0].name}-typo`;
  fs.writeFileSync(overrides, JSON.stringify({ [account.name]: { functions: { [missing]: { memoryMiB: 256 } } } }));
  const out = path.join(dir, 'out');
  const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, CDKTF_OUTDIR: out, INFRA_OVERRIDES_FILE: overrides },
  }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`${overrides} (INFRA_OVERRIDES_FILE): ${account.name}.functions.${missing}: is not a function of the catalogue; use one of ${FUNCTIONS[0].name},`);
  expect(fs.existsSync(path.join(out, 'stacks'))).toBe(false);
}, 120_000);
