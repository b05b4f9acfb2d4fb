import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Testing } from 'cdktf';
// Types of cdktf's jest matchers (toHaveResourceWithProperties ...), registered below.
import type {} from 'cdktf/lib/testing/adapters/jest';
import type { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaLayerVersion } from '@cdktf/provider-aws/lib/lambda-layer-version';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { EncryptionKey } from '../../constructs/encryption-key';
import { PythonFunction, type PythonFunctionProps } from '../../constructs/python-function';
import { PythonLayer } from '../../constructs/python-layer';
import { tempDir } from '../helpers/temp';

// Registered here, the one file that uses them: a setup file would load cdktf into every test file.
Testing.setupJest();

const zipDir = tempDir('python-function-');
const zipPath = path.join(zipDir, 'fn.zip');
fs.writeFileSync(zipPath, 'PK fake zip content');
const zipSha256 = createHash('sha256').update(fs.readFileSync(zipPath)).digest('hex');

type Props = Omit<PythonFunctionProps, 'encryptionKey'>;
const base: Props = {
  functionName: 'sample',
  description: 'Sample function',
  handler: 'handler.handler',
  runtime: 'python3.12',
  memoryMiB: 256,
  timeoutSeconds: 15,
  reservedConcurrency: 4,
  zipPath,
  zipSha256,
  logRetentionDays: 30,
  accountId: '824357028182',
  region: 'eu-west-1',
};

function key(scope: Construct): EncryptionKey {
  return new EncryptionKey(scope, 'Key', { alias: 'test', description: 'test', accountId: '824357028182', region: 'eu-west-1' });
}

function synth(props: Partial<Props> = {}, extra?: (fn: PythonFunction) => void): Record<string, any> {
  return JSON.parse(
    Testing.synthScope((scope) => {
      const fn = new PythonFunction(scope, 'Fn', { ...base, ...props, encryptionKey: key(scope) });
      extra?.(fn);
    }),
  );
}

const only = (json: Record<string, any>, type: string): Record<string, any> => {
  const resources = Object.values(json.resource?.[type] ?? {});
  expect(resources).toHaveLength(1);
  return resources[0] as Record<string, any>;
};
const policyOf = (json: Record<string, any>): { Statement: { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown }[] } =>
  JSON.parse(only(json, 'aws_iam_role_policy').policy);

describe('PythonFunction', () => {
  test('deploys the zip by content hash with runtime, arm64, sizes, reserved concurrency and a published version', () => {
    const json = synth();
    expect(JSON.stringify(json)).toHaveResourceWithProperties(LambdaFunction, {
      function_name: 'sample',
      runtime: 'python3.12',
      architectures: ['arm64'],
      memory_size: 256,
      timeout: 15,
      reserved_concurrent_executions: 4,
      publish: true,
      handler: 'handler.handler',
      source_code_hash: Buffer.from(zipSha256, 'hex').toString('base64'),
      filename: expect.stringMatching(new RegExp(`^assets/[^/]+/${zipSha256}/fn\\.zip$`)),
    });
  });

  test('traces with X-Ray and encrypts its environment with the given key', () => {
    const fn = only(synth(), 'aws_lambda_function');
    expect(fn.tracing_config).toEqual({ mode: 'Active' });
    expect(fn.kms_key_arn).toMatch(/^\$\{aws_kms_key\.Key_[A-F0-9]+\.arn\}$/);
  });

  test('logs to its own KMS-encrypted log group with retention', () => {
    const json = synth();
    expect(JSON.stringify(json)).toHaveResourceWithProperties(CloudwatchLogGroup, { name: '/aws/lambda/sample', retention_in_days: 30 });
    expect(only(json, 'aws_cloudwatch_log_group').kms_key_id).toMatch(/aws_kms_key\.Key_[A-F0-9]+\.arn/);
    expect(only(json, 'aws_lambda_function').logging_config.log_group).toMatch(/^\$\{aws_cloudwatch_log_group\.[^}]+\.name\}$/);
  });

  test('logs as JSON (the handlers write JSON lines) at LOG_LEVEL for the application and WARN for the platform', () => {
    expect(only(synth(), 'aws_lambda_function').logging_config).toMatchObject({ log_format: 'JSON', application_log_level: 'INFO', system_log_level: 'WARN' });
    const warning = only(synth({ logLevel: 'WARNING' }), 'aws_lambda_function');
    expect([warning.environment.variables.LOG_LEVEL, warning.logging_config.application_log_level]).toEqual(['WARNING', 'WARN']);
    expect(only(synth({ logLevel: 'DEBUG' }), 'aws_lambda_function').logging_config.application_log_level).toBe('DEBUG');
  });

  test('the live alias points at the published version', () => {
    const alias = only(synth(), 'aws_lambda_alias');
    expect(alias.name).toBe('live');
    expect(alias.function_version).toMatch(/^\$\{aws_lambda_function\.Fn_Function_[A-F0-9]+\.version\}$/);
  });

  test('sets POWERTOOLS_SERVICE_NAME and LOG_LEVEL besides the given variables', () => {
    const fn = only(synth({ environment: { TABLE_NAME: 'events' }, logLevel: 'DEBUG' }), 'aws_lambda_function');
    expect(fn.environment.variables).toEqual({ POWERTOOLS_SERVICE_NAME: 'sample', LOG_LEVEL: 'DEBUG', TABLE_NAME: 'events' });
  });

  test('its role has its own logs, X-Ray and key statements only, none with a wildcard action', () => {
    const json = synth();
    const statements = policyOf(json).Statement;
    expect(statements.map((s) => s.Sid)).toEqual(['WriteOwnLogs', 'WriteTraces', 'DecryptEnvironment']);
    expect(statements[0].Resource).toMatch(/^\$\{aws_cloudwatch_log_group\.[^}]+\.arn\}:log-stream:\*$/);
    for (const action of statements.flatMap((s) => [s.Action].flat())) expect(action).not.toMatch(/\*/);
    expect(only(json, 'aws_iam_role').name).toBe('sample-function');
    // Lambda sends no aws:SourceAccount when it assumes the role: a condition on it would lock Lambda out.
    expect(JSON.parse(only(json, 'aws_iam_role').assume_role_policy).Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    expect(json.resource.aws_iam_role_policy_attachment).toBeUndefined();
  });

  test('grants land in its role and granting twice is harmless', () => {
    const statement = { sid: 'ReadThing', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/downloads/*'] };
    const json = synth({}, (fn) => {
      fn.addToPrincipalPolicy(statement);
      fn.role.addToPrincipalPolicy(statement);
    });
    expect(policyOf(json).Statement.filter((s) => s.Sid === 'ReadThing')).toEqual([{ Sid: 'ReadThing', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/downloads/*' }]);
  });

  test('in a VPC it uses the given subnets and security groups, with network-interface rights scoped to them', () => {
    const json = synth({ vpc: { subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-lambda'] } });
    expect(only(json, 'aws_lambda_function').vpc_config).toEqual({ subnet_ids: ['subnet-a', 'subnet-b'], security_group_ids: ['sg-lambda'] });
    const create = policyOf(json).Statement.find((s) => s.Sid === 'CreateNetworkInterfaces');
    expect(create?.Resource).toEqual([
      'arn:aws:ec2:eu-west-1:824357028182:network-interface/*',
      'arn:aws:ec2:eu-west-1:824357028182:subnet/subnet-a',
      'arn:aws:ec2:eu-west-1:824357028182:subnet/subnet-b',
      'arn:aws:ec2:eu-west-1:824357028182:security-group/sg-lambda',
    ]);
    expect(only(json, 'aws_lambda_function').depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy\./)]);
  });

  test('outside a VPC it has no VPC config and no network-interface rights', () => {
    const json = synth();
    expect(only(json, 'aws_lambda_function').vpc_config).toBeUndefined();
    expect(policyOf(json).Statement.some((s) => /NetworkInterface/.test(s.Sid))).toBe(false);
  });

  test('a schedule invokes the live alias through EventBridge with a permission scoped to the rule', () => {
    const json = synth({ schedule: { scheduleExpression: 'rate(5 minutes)' } });
    const text = JSON.stringify(json);
    expect(text).toHaveResourceWithProperties(CloudwatchEventRule, { name: 'sample-schedule', schedule_expression: 'rate(5 minutes)' });
    expect(only(json, 'aws_cloudwatch_event_target').arn).toMatch(/^\$\{aws_lambda_alias\.[^}]+\.arn\}$/);
    expect(text).toHaveResourceWithProperties(LambdaPermission, { principal: 'events.amazonaws.com', action: 'lambda:InvokeFunction' });
    // The alias resource's name, not the literal: replacing the alias replaces the permission with it.
    expect(only(json, 'aws_lambda_permission').qualifier).toMatch(/^\$\{aws_lambda_alias\.[^}]+\.name\}$/);
    expect(only(json, 'aws_lambda_permission').source_arn).toMatch(/^\$\{aws_cloudwatch_event_rule\.[^}]+\.arn\}$/);
    expect(text).toHaveResourceWithProperties(CloudwatchEventTarget, {});
  });

  test('an asynchronously invoked function sends failed events to its own encrypted dead-letter queue', () => {
    const json = synth({ schedule: { scheduleExpression: 'rate(5 minutes)' } });
    const queue = only(json, 'aws_sqs_queue');
    expect(queue.name).toBe('sample-dlq');
    expect(queue.kms_master_key_id).toMatch(/aws_kms_key\.Key_[A-F0-9]+\.arn/);
    expect(only(json, 'aws_lambda_function').dead_letter_config.target_arn).toMatch(/^\$\{aws_sqs_queue\.[^}]+\.arn\}$/);
    expect(policyOf(json).Statement.find((s) => s.Sid === 'SendToDeadLetterQueue')?.Action).toBe('sqs:SendMessage');
  });

  test('the dead-letter queue refuses every request not made over TLS, like the event queues', () => {
    const json = synth({ schedule: { scheduleExpression: 'rate(5 minutes)' } });
    const [queueId] = Object.keys(json.resource.aws_sqs_queue);
    const policy = only(json, 'aws_sqs_queue_policy');
    expect(policy.queue_url).toBe(`\${aws_sqs_queue.${queueId}.url}`);
    expect(JSON.parse(policy.policy).Statement).toEqual([
      { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: `\${aws_sqs_queue.${queueId}.arn}`, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ]);
  });

  test('a synchronously invoked function has no dead-letter queue', () => {
    const json = synth();
    expect(json.resource.aws_sqs_queue).toBeUndefined();
    expect(only(json, 'aws_lambda_function').dead_letter_config).toBeUndefined();
  });

  test('a queue trigger maps the queue onto the live alias with partial batch responses', () => {
    const json = synth({ queueTrigger: { queueArn: 'arn:aws:sqs:eu-west-1:824357028182:events', batchSize: 10, maximumBatchingWindowSeconds: 5 } });
    expect(JSON.stringify(json)).toHaveResourceWithProperties(LambdaEventSourceMapping, {
      event_source_arn: 'arn:aws:sqs:eu-west-1:824357028182:events',
      batch_size: 10,
      maximum_batching_window_in_seconds: 5,
      function_response_types: ['ReportBatchItemFailures'],
      scaling_config: { maximum_concurrency: 4 },
    });
    expect(only(json, 'aws_lambda_event_source_mapping').function_name).toMatch(/^\$\{aws_lambda_alias\.[^}]+\.arn\}$/);
  });

  test('attaches layers by version ARN', () => {
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        const layer = new PythonLayer(scope, 'Layer', {
          layerName: 'pg-driver',
          description: 'driver',
          zipPath,
          zipSha256,
          compatibleRuntimes: ['python3.12'],
          compatibleArchitectures: ['arm64'],
        });
        new PythonFunction(scope, 'Fn', { ...base, layers: [layer], encryptionKey: key(scope) });
      }),
    );
    expect(JSON.stringify(json)).toHaveResourceWithProperties(LambdaLayerVersion, {
      layer_name: 'pg-driver',
      compatible_runtimes: ['python3.12'],
      compatible_architectures: ['arm64'],
      source_code_hash: Buffer.from(zipSha256, 'hex').toString('base64'),
    });
    expect(only(json, 'aws_lambda_function').layers).toEqual([expect.stringMatching(/^\$\{aws_lambda_layer_version\.[^}]+\.arn\}$/)]);
  });

  test('metricXxx() name the whole function by its resource attribute, with the statistic each count or time takes', () => {
    const metrics: Record<string, unknown> = {};
    // The resource attribute (an apply-time token), so the alarm follows the function.
    const whole = { FunctionName: '' };
    synth({}, (fn) => {
      Object.assign(metrics, {
        errors: fn.metricErrors(),
        invocations: fn.metricInvocations(),
        throttles: fn.metricThrottles(),
        duration: fn.metricDuration(),
        durationP95: fn.metricDuration({ statistic: 'p95' }),
      });
      expect([fn.timeoutSeconds, fn.memoryMiB]).toEqual([15, 256]);
      expect(fn.aliasName).not.toBe('live');
      whole.FunctionName = fn.functionName;
      expect(fn.functionName).not.toBe('sample');
    });
    expect(metrics).toEqual({
      errors: { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: whole, statistic: 'Sum' },
      invocations: { namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions: whole, statistic: 'Sum' },
      throttles: { namespace: 'AWS/Lambda', metricName: 'Throttles', dimensions: whole, statistic: 'Sum' },
      duration: { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions: whole, statistic: 'Average' },
      durationP95: { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions: whole, statistic: 'p95' },
    });
  });

  test('metricXxx({ version }) name that version behind the live alias, as Lambda publishes per-version metrics', () => {
    const metrics: Record<string, unknown> = {};
    const dimensions = { FunctionName: 'sample', Resource: 'sample:live', ExecutedVersion: '' };
    synth({}, (fn) => {
      const version = { version: fn.functionVersion };
      dimensions.ExecutedVersion = fn.functionVersion;
      Object.assign(metrics, { errors: fn.metricErrors(version), invocations: fn.metricInvocations(version), duration: fn.metricDuration({ ...version, statistic: 'p95' }) });
    });
    expect(metrics).toEqual({
      errors: { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions, statistic: 'Sum' },
      invocations: { namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions, statistic: 'Sum' },
      duration: { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions, statistic: 'p95' },
    });
  });
});

test("metricDeadLetterQueueMessagesVisible() is the peak of failed invocations waiting in a scheduled function's dead-letter queue", () => {
  let metric: unknown;
  let queueName: string | undefined;
  synth({ schedule: { scheduleExpression: 'rate(5 minutes)' } }, (fn) => {
    metric = fn.metricDeadLetterQueueMessagesVisible();
    queueName = fn.deadLetterQueueName;
  });
  expect(queueName).toBeDefined();
  expect(metric).toEqual({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queueName }, statistic: 'Maximum' });
});

test('a function without a dead-letter queue has no dead-letter metric, and says why', () => {
  expect(() => synth({}, (fn) => fn.metricDeadLetterQueueMessagesVisible())).toThrow('PythonFunction Fn (sample) has no dead-letter queue: only a function with a schedule has one');
});

describe('PythonFunction validation', () => {
  const build = (props: Partial<Props>, layer?: { runtimes: string[]; architectures: ('arm64' | 'x86_64')[] }) => () =>
    Testing.synthScope((scope) => {
      const layers = layer
        ? [new PythonLayer(scope, 'Layer', { layerName: 'pg-driver', description: 'd', zipPath, zipSha256, compatibleRuntimes: layer.runtimes, compatibleArchitectures: layer.architectures })]
        : undefined;
      new PythonFunction(scope, 'Fn', { ...base, layers, ...props, encryptionKey: key(scope) });
    });

  test('refuses a memory size Lambda does not offer', () => {
    expect(build({ memoryMiB: 64 })).toThrow('PythonFunction Fn (sample): memoryMiB 64 is outside 128-10240');
  });

  test('refuses a timeout beyond 15 minutes', () => {
    expect(build({ timeoutSeconds: 901 })).toThrow('timeoutSeconds 901 is outside 1-900');
  });

  test('refuses a reserved concurrency of 0, which would disable the function', () => {
    expect(build({ reservedConcurrency: 0 })).toThrow('reservedConcurrency 0 must be a whole number >= 1');
  });

  test('refuses an environment variable named like a secret', () => {
    expect(build({ environment: { DB_PASSWORD: 'x' } })).toThrow("environment variable 'DB_PASSWORD' looks like a secret; store it in Secrets Manager and pass its ARN (DB_PASSWORD_ARN)");
  });

  test('refuses variables Lambda reserves', () => {
    expect(build({ environment: { AWS_REGION: 'eu-west-1' } })).toThrow("environment variable 'AWS_REGION' is reserved by Lambda");
  });

  test('refuses a layer built for another runtime or architecture', () => {
    expect(build({}, { runtimes: ['python3.12'], architectures: ['x86_64'] })).toThrow('layer pg-driver is built for python3.12 on x86_64, not python3.12 on arm64');
  });

  test('refuses a schedule that is neither rate() nor cron()', () => {
    expect(build({ schedule: { scheduleExpression: 'every 5 minutes' } })).toThrow("schedule.scheduleExpression 'every 5 minutes' must be rate(...) or cron(...)");
  });

  test('refuses an SQS batch above 10 without a batching window', () => {
    expect(build({ queueTrigger: { queueArn: 'arn:aws:sqs:eu-west-1:824357028182:q', batchSize: 50 } })).toThrow('queueTrigger.batchSize 50 above 10 needs maximumBatchingWindowSeconds >= 1');
  });

  test('refuses a zip hash that is not a SHA-256', () => {
    expect(build({ zipSha256: 'abc' })).toThrow("zipSha256 'abc' is not a hex SHA-256");
  });
});
