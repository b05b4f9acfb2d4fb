import { Construct } from 'constructs';
import { AssetType, TerraformAsset } from 'cdktf';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { LambdaAlias } from '@cdktf/provider-aws/lib/lambda-alias';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import type { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import type { EncryptionKey } from './encryption-key';
import type { IGrantee, PolicyStatement } from './iam';
import { LogGroup } from './log-group';
import { type Metric, type MetricOptions, queueMessagesVisible } from './metric';
import type { PythonLayer } from './python-layer';
import { ServiceRole } from './service-role';
import { tlsOnlyQueuePolicy } from './tls-only-queue-policy';
import { nameAcrossStacks } from './cross-stack';
import { ConstructPropsError } from './construct-props-error';

/** The alias every trigger invokes; a rollback points it at an earlier version. */
export const LIVE_ALIAS = 'live';

/** Two weeks: the longest SQS keeps a message, time to notice and replay a failed event. */
const DEAD_LETTER_RETENTION_SECONDS = 1209600;

export interface PythonFunctionVpcConfig {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface PythonFunctionProps {
  /** Function name in the account (also names its role, log group and queues). */
  readonly functionName: string;
  readonly description: string;
  /** module.function inside the zip, e.g. handler.handler. */
  readonly handler: string;
  /** A supported Python runtime (validated with the catalogue), e.g. python3.12. */
  readonly runtime: string;
  /** Default: arm64 (cheaper per millisecond; the code is pure Python). */
  readonly architecture?: 'arm64' | 'x86_64';
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  /**
   * Concurrency reserved for (and capping) this function, or 'off': no reservation, the function
   * shares the account's unreserved pool (rule PLAT-LAMBDA-2 then needs a suppression with the reason).
   */
  readonly reservedConcurrency: number | 'off';
  /** The built function zip. */
  readonly zipPath: string;
  /** SHA-256 of the zip, hex; becomes source_code_hash, so an unchanged zip publishes nothing. */
  readonly zipSha256: string;
  /** Default: none. Names and plain values only: secrets are passed as ARNs and read at run time. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Value of LOG_LEVEL. Default: INFO. */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
  /** Default: none. */
  readonly layers?: readonly PythonLayer[];
  /** Private subnets and security groups. Default: not attached to a VPC. */
  readonly vpc?: PythonFunctionVpcConfig;
  /** Encrypts environment variables, the log group and the dead-letter queue. */
  readonly encryptionKey: EncryptionKey;
  readonly logRetentionDays: number;
  /** Account and region, for the ARNs the role's network-interface statements are scoped to. */
  readonly accountId: string;
  readonly region: string;
  /** Invoke the live alias on a schedule (asynchronous: adds a dead-letter queue). Default: no schedule. */
  readonly schedule?: ScheduleTriggerOptions;
  /** Poll an SQS queue into the live alias. Default: no queue. The caller grants consumption. */
  readonly queueTrigger?: QueueTriggerOptions;
  /**
   * Who moves the live alias to a new version. 'terraform': every apply points it at the version
   * just published. 'codedeploy': Terraform creates the alias on the first version and then leaves
   * its version and routing alone (ignore_changes), because CodeDeploy shifts it (FunctionDelivery)
   * and a Terraform update would undo a release or cut a canary short. Default: 'terraform'.
   */
  readonly aliasVersionOwner?: 'terraform' | 'codedeploy';
}

export interface ScheduleTriggerOptions {
  /** rate(...) or cron(...). */
  readonly scheduleExpression: string;
}

export interface QueueTriggerOptions {
  readonly queueArn: string;
  /** Messages per invocation. Default: 10. */
  readonly batchSize?: number;
  /** Seconds to gather a batch. Default: 0. */
  readonly maximumBatchingWindowSeconds?: number;
}

export interface FunctionMetricOptions extends MetricOptions {
  /**
   * Only the invocations of this version behind the live alias (a delivery judging the version it
   * ships): Lambda publishes these with FunctionName, Resource = name:alias and ExecutedVersion.
   * Throttles have no such metric (a throttled request runs no version).
   * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
   * Default: every invocation of the function.
   */
  readonly version?: string;
}

/** Lambda's name for each LOG_LEVEL (Python's WARNING is Lambda's WARN). */
const APPLICATION_LOG_LEVEL = { DEBUG: 'DEBUG', INFO: 'INFO', WARNING: 'WARN', ERROR: 'ERROR' } as const;

const RESERVED_VARIABLE = /^(AWS_|_HANDLER$|_X_AMZN_TRACE_ID$|LAMBDA_)/;
/** Names that announce a secret value; names ending in _ARN, _NAME ... only point at one. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const REFERENCE_SUFFIX = /_(ARN|NAME|ID|URL)$/;

function validate(id: string, props: PythonFunctionProps): void {
  const fail = (message: string): never => {
    throw new ConstructPropsError(`PythonFunction ${id} (${props.functionName}): ${message}`);
  };
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(props.functionName)) fail('functionName must be 1-64 letters, digits, - or _');
  if (!Number.isInteger(props.memoryMiB) || props.memoryMiB < 128 || props.memoryMiB > 10240) {
    fail(`memoryMiB ${props.memoryMiB} is outside 128-10240; pick a whole number of MiB in that range`);
  }
  if (!Number.isInteger(props.timeoutSeconds) || props.timeoutSeconds < 1 || props.timeoutSeconds > 900) {
    fail(`timeoutSeconds ${props.timeoutSeconds} is outside 1-900 (Lambda's limit)`);
  }
  if (props.reservedConcurrency !== 'off' && (!Number.isInteger(props.reservedConcurrency) || props.reservedConcurrency < 1)) {
    fail(`reservedConcurrency ${props.reservedConcurrency} must be a whole number >= 1 (0 would disable the function)`);
  }
  if (!/^python3\.\d+$/.test(props.runtime)) fail(`runtime '${props.runtime}' is not a Python runtime like python3.12`);
  if (!/^[0-9a-f]{64}$/.test(props.zipSha256)) fail(`zipSha256 '${props.zipSha256}' is not a hex SHA-256; pass the sha256 from .build/manifest.json`);
  for (const name of Object.keys(props.environment ?? {})) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) fail(`environment variable '${name}' is not a valid name (letters, digits, _)`);
    if (RESERVED_VARIABLE.test(name)) fail(`environment variable '${name}' is reserved by Lambda; choose another name`);
    if (SECRET_NAME.test(name) && !REFERENCE_SUFFIX.test(name)) {
      fail(`environment variable '${name}' looks like a secret; store it in Secrets Manager and pass its ARN (${name}_ARN)`);
    }
  }
  if (props.vpc && (props.vpc.subnetIds.length === 0 || props.vpc.securityGroupIds.length === 0)) {
    fail('vpc needs at least one subnet and one security group');
  }
  if (props.schedule && !/^(rate|cron)\(.+\)$/.test(props.schedule.scheduleExpression)) {
    fail(`schedule.scheduleExpression '${props.schedule.scheduleExpression}' must be rate(...) or cron(...)`);
  }
  if (props.queueTrigger) {
    const batchSize = props.queueTrigger.batchSize ?? 10;
    const windowSeconds = props.queueTrigger.maximumBatchingWindowSeconds ?? 0;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) fail(`queueTrigger.batchSize ${batchSize} must be 1-10000`);
    if (!Number.isInteger(windowSeconds) || windowSeconds < 0 || windowSeconds > 300) {
      fail(`queueTrigger.maximumBatchingWindowSeconds ${windowSeconds} must be 0-300`);
    }
    if (batchSize > 10 && windowSeconds < 1) fail(`queueTrigger.batchSize ${batchSize} above 10 needs maximumBatchingWindowSeconds >= 1 (SQS rule)`);
  }
  for (const layer of props.layers ?? []) {
    const architecture = props.architecture ?? 'arm64';
    if (!layer.compatibleRuntimes.includes(props.runtime) || !layer.compatibleArchitectures.includes(architecture)) {
      fail(`layer ${layer.layerName} is built for ${layer.compatibleRuntimes.join('/')} on ${layer.compatibleArchitectures.join('/')}, not ${props.runtime} on ${architecture}`);
    }
  }
}

const deadLetterQueueName = (functionName: string): string => `${functionName}-dlq`;

/**
 * A Python Lambda function as this platform runs them: its own role holding exactly the grants
 * made to it, an explicit KMS-encrypted log group with retention, active X-Ray tracing, reserved
 * concurrency, KMS-encrypted environment variables, optional VPC placement, and a published
 * version behind the `live` alias that every trigger invokes. Asynchronous triggers add a
 * dead-letter queue. The function is an IGrantee: data constructs grant to it directly.
 */
export class PythonFunction extends Construct implements IGrantee {
  readonly functionName: string;
  /** Unqualified ARN. */
  readonly functionArn: string;
  /** The version the alias points at (published on every code or configuration change). */
  readonly functionVersion: string;
  /**
   * The live alias's name as a reference to the alias resource: permissions name it through this,
   * so Terraform orders them after the alias and replaces them with it (a literal 'live' would let a
   * replaced alias silently lose them).
   */
  readonly aliasName: string;
  readonly aliasArn: string;
  /** For API Gateway integrations. */
  readonly aliasInvokeArn: string;
  readonly timeoutSeconds: number;
  readonly memoryMiB: number;
  readonly reservedConcurrency: number | 'off';
  /** Who moves the live alias (see PythonFunctionProps.aliasVersionOwner). */
  readonly aliasVersionOwner: 'terraform' | 'codedeploy';
  readonly role: ServiceRole;
  readonly logGroupName: string;
  /** Queue of failed asynchronous invocations; only functions with an asynchronous trigger have one. */
  readonly deadLetterQueueName?: string;
  readonly deadLetterQueueArn?: string;
  /** The name as written in the catalogue: per-version metrics are named by it. */
  private readonly literalName: string;

  constructor(scope: Construct, id: string, props: PythonFunctionProps) {
    super(scope, id);
    validate(id, props);
    const { functionName, encryptionKey: key } = props;
    const logLevel = props.logLevel ?? 'INFO';

    this.role = new ServiceRole(this, 'Role', {
      roleName: `${functionName}-function`,
      servicePrincipal: 'lambda.amazonaws.com',
      description: `Execution role of the ${functionName} Lambda function`,
    });
    const logs = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retentionDays: props.logRetentionDays,
      encryptionKey: key,
    });
    // The group exists before the function, so the role needs no logs:CreateLogGroup.
    this.role.addToPrincipalPolicy({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [`${logs.logGroupArn}:log-stream:*`],
    });
    // X-Ray has no resource-level permissions: '*' is the only resource these actions accept.
    this.role.addToPrincipalPolicy({ sid: 'WriteTraces', actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] });
    this.role.addToPrincipalPolicy({ sid: 'DecryptEnvironment', actions: ['kms:Decrypt'], resources: [key.keyArn] });
    if (props.vpc) this.grantNetworkInterfaces(props);

    const deadLetters = props.schedule ? this.deadLetterQueue(props) : undefined;
    const code = new TerraformAsset(this, 'Zip', { path: props.zipPath, type: AssetType.FILE, assetHash: props.zipSha256 });
    const fn = new LambdaFunction(this, 'Function', {
      functionName,
      description: props.description,
      role: this.role.roleArn,
      handler: props.handler,
      runtime: props.runtime,
      architectures: [props.architecture ?? 'arm64'],
      memorySize: props.memoryMiB,
      timeout: props.timeoutSeconds,
      // Left out when 'off': Terraform's default (-1) is no reservation.
      reservedConcurrentExecutions: props.reservedConcurrency === 'off' ? undefined : props.reservedConcurrency,
      filename: code.path,
      sourceCodeHash: Buffer.from(props.zipSha256, 'hex').toString('base64'),
      publish: true,
      layers: (props.layers ?? []).map((layer) => layer.layerVersionArn),
      environment: {
        variables: { POWERTOOLS_SERVICE_NAME: functionName, LOG_LEVEL: logLevel, ...props.environment },
      },
      kmsKeyArn: key.keyArn,
      tracingConfig: { mode: 'Active' },
      // The handlers write JSON lines: Lambda's own lines become JSON too, and lines below the levels are dropped.
      loggingConfig: {
        logFormat: 'JSON',
        applicationLogLevel: APPLICATION_LOG_LEVEL[logLevel],
        systemLogLevel: 'WARN',
        logGroup: logs.logGroupName,
      },
      vpcConfig: props.vpc ? { subnetIds: [...props.vpc.subnetIds], securityGroupIds: [...props.vpc.securityGroupIds] } : undefined,
      deadLetterConfig: deadLetters ? { targetArn: deadLetters.arn } : undefined,
      // Lambda checks the role's network-interface and DLQ permissions when it creates the function.
      dependsOn: [this.role.node.findChild('Policy') as IamRolePolicy],
    });
    const alias = new LambdaAlias(this, 'Alias', {
      name: LIVE_ALIAS,
      description: 'The version triggers invoke; move it to roll back',
      functionName: fn.functionName,
      functionVersion: fn.version,
      // CodeDeploy's traffic shifting writes function_version and routing_config (UpdateAlias with
      // AdditionalVersionWeights during a canary); ignoring both keeps the next plan free of a diff
      // that would move traffic back. https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle#ignore_changes
      lifecycle: props.aliasVersionOwner === 'codedeploy' ? { ignoreChanges: ['function_version', 'routing_config'] } : undefined,
    });

    // Names and the ARNs AWS builds from them (the Lambda API reference's name formats,
    // https://docs.aws.amazon.com/lambda/latest/api/API_GetAlias.html, and the API Gateway integration
    // URI of an alias, arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<alias ARN>/invocations):
    // another unit's stack (edge, observability) reads them as names, never through remote state.
    const arn = `arn:aws:lambda:${props.region}:${props.accountId}:function:${functionName}`;
    this.functionName = nameAcrossStacks(this, fn.functionName, functionName);
    this.functionArn = nameAcrossStacks(this, fn.arn, arn);
    this.functionVersion = fn.version;
    this.deadLetterQueueArn = deadLetters && nameAcrossStacks(this, deadLetters.arn, `arn:aws:sqs:${props.region}:${props.accountId}:${deadLetterQueueName(functionName)}`);
    this.deadLetterQueueName = deadLetters && nameAcrossStacks(this, deadLetters.name, deadLetterQueueName(functionName));
    this.aliasArn = nameAcrossStacks(this, alias.arn, `${arn}:${LIVE_ALIAS}`);
    this.aliasName = nameAcrossStacks(this, alias.name, LIVE_ALIAS);
    this.aliasInvokeArn = nameAcrossStacks(this, alias.invokeArn, `arn:aws:apigateway:${props.region}:lambda:path/2015-03-31/functions/${arn}:${LIVE_ALIAS}/invocations`);
    this.timeoutSeconds = props.timeoutSeconds;
    this.memoryMiB = props.memoryMiB;
    this.reservedConcurrency = props.reservedConcurrency;
    this.aliasVersionOwner = props.aliasVersionOwner ?? 'terraform';
    this.logGroupName = logs.logGroupName;
    this.literalName = functionName;
    if (props.schedule) this.addSchedule(props.schedule, functionName);
    if (props.queueTrigger) this.addQueueTrigger(props.queueTrigger);
  }

  addToPrincipalPolicy(statement: PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }

  /** Invocations that ended in a function error (Sum). */
  metricErrors(options: FunctionMetricOptions = {}): Metric {
    return this.lambdaMetric('Errors', 'Sum', options);
  }

  /** Invocations, successful or not (Sum). */
  metricInvocations(options: FunctionMetricOptions = {}): Metric {
    return this.lambdaMetric('Invocations', 'Sum', options);
  }

  /** Milliseconds the handler ran (Average; alarms ask for a percentile). */
  metricDuration(options: FunctionMetricOptions = {}): Metric {
    return this.lambdaMetric('Duration', 'Average', options);
  }

  /** Invocation requests refused at the concurrency limit (Sum); never per version. */
  metricThrottles(options: MetricOptions = {}): Metric {
    return this.lambdaMetric('Throttles', 'Sum', options);
  }

  /** Failed asynchronous invocations waiting in the dead-letter queue (Maximum). */
  metricDeadLetterQueueMessagesVisible(options: MetricOptions = {}): Metric {
    if (this.deadLetterQueueName === undefined) {
      throw new ConstructPropsError(`PythonFunction ${this.node.id} (${this.literalName}) has no dead-letter queue: only a function with a schedule has one`);
    }
    return queueMessagesVisible(this.deadLetterQueueName, options);
  }

  private lambdaMetric(metricName: string, defaultStatistic: string, options: FunctionMetricOptions): Metric {
    // The whole function is named by the resource attribute (the alarm then follows the function);
    // a version behind the alias by the literal names Lambda publishes its per-version metrics under.
    const dimensions: Record<string, string> =
      options.version === undefined
        ? { FunctionName: this.functionName }
        : { FunctionName: this.literalName, Resource: `${this.literalName}:${LIVE_ALIAS}`, ExecutedVersion: options.version };
    return { namespace: 'AWS/Lambda', metricName, dimensions, statistic: options.statistic ?? defaultStatistic };
  }

  /** EventBridge invokes the live alias asynchronously; failed events end in the dead-letter queue. */
  private addSchedule(options: ScheduleTriggerOptions, functionName: string): void {
    const rule = new CloudwatchEventRule(this, 'Schedule', {
      name: `${functionName}-schedule`,
      description: `Invokes ${functionName}:${LIVE_ALIAS} ${options.scheduleExpression}`,
      scheduleExpression: options.scheduleExpression,
    });
    new CloudwatchEventTarget(this, 'ScheduleTarget', { rule: rule.name, arn: this.aliasArn });
    new LambdaPermission(this, 'SchedulePermission', {
      statementId: 'AllowEventBridgeSchedule',
      action: 'lambda:InvokeFunction',
      functionName: this.functionName,
      qualifier: this.aliasName,
      principal: 'events.amazonaws.com',
      sourceArn: rule.arn,
    });
  }

  /**
   * Polls an SQS queue into the live alias with partial batch responses: the handler returns
   * batchItemFailures and only those messages are retried (then redriven to the queue's DLQ).
   */
  private addQueueTrigger(options: QueueTriggerOptions): void {
    new LambdaEventSourceMapping(this, 'QueueTrigger', {
      eventSourceArn: options.queueArn,
      functionName: this.aliasArn,
      batchSize: options.batchSize ?? 10,
      maximumBatchingWindowInSeconds: options.maximumBatchingWindowSeconds ?? 0,
      functionResponseTypes: ['ReportBatchItemFailures'],
      // Polling no faster than the function may run avoids throttled, retried batches.
      scalingConfig:
        this.reservedConcurrency !== 'off' && this.reservedConcurrency >= 2 ? { maximumConcurrency: Math.min(this.reservedConcurrency, 1000) } : undefined,
    });
  }

  /** Failed asynchronous invocations land in an encrypted queue once Lambda's retries are spent. */
  private deadLetterQueue(props: PythonFunctionProps): SqsQueue {
    const queue = new SqsQueue(this, 'DeadLetterQueue', {
      name: deadLetterQueueName(props.functionName),
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      kmsMasterKeyId: props.encryptionKey.keyArn,
      kmsDataKeyReusePeriodSeconds: 300,
    });
    tlsOnlyQueuePolicy(this, 'DeadLetterQueuePolicy', queue);
    this.role.addToPrincipalPolicy({ sid: 'SendToDeadLetterQueue', actions: ['sqs:SendMessage'], resources: [queue.arn] });
    props.encryptionKey.grantViaService(this.role, 'EncryptDeadLetters', ['kms:GenerateDataKey', 'kms:Decrypt'], 'sqs');
    return queue;
  }

  /**
   * Lambda creates and deletes the function's network interfaces with this role. Creation is
   * scoped to the function's own subnets and security groups; Describe* only accept '*'.
   */
  private grantNetworkInterfaces(props: PythonFunctionProps): void {
    const vpc = props.vpc as PythonFunctionVpcConfig;
    const ec2 = (type: string, id: string) => `arn:aws:ec2:${props.region}:${props.accountId}:${type}/${id}`;
    this.role.addToPrincipalPolicy({
      sid: 'CreateNetworkInterfaces',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [ec2('network-interface', '*'), ...vpc.subnetIds.map((id) => ec2('subnet', id)), ...vpc.securityGroupIds.map((id) => ec2('security-group', id))],
    });
    this.role.addToPrincipalPolicy({
      sid: 'ManageNetworkInterfaces',
      actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: [ec2('network-interface', '*')],
    });
    this.role.addToPrincipalPolicy({
      sid: 'DescribeNetwork',
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVpcs'],
      resources: ['*'],
    });
  }
}

