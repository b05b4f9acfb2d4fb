import * as path from 'node:path';
import { Construct } from 'constructs';
import { Token } from 'cdktf';
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { CodedeployApp } from '@cdktf/provider-aws/lib/codedeploy-app';
import { CodedeployDeploymentGroup } from '@cdktf/provider-aws/lib/codedeploy-deployment-group';
import type { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { DEPLOYMENT_STRATEGIES, type DeploymentStrategy, isDeploymentStrategy, DEPLOYMENT_STRATEGY_NAMES } from '../environments/deployment-strategies';
import { hookConcurrency, POST_TRAFFIC_HOOK, PRE_TRAFFIC_HOOK, type DeploymentHookSpec } from '../catalogue/deployment-hooks';
import type { EncryptionKey } from './encryption-key';
import { type AlarmThresholds, alarmMetric, rateQuery } from './alarms';
import type { Metric } from './metric';
import { type FunctionMetricOptions, LIVE_ALIAS, PythonFunction } from './python-function';
import { ServiceRole } from './service-role';
import { suppressRule } from '../rules/engine';
import { ConstructPropsError } from './construct-props-error';

/**
 * The notifications every deployment group sends to the account's topic (CodeDeploy triggers).
 * Valid values: https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_TriggerConfig.html
 */
export const DEPLOYMENT_TRIGGER_EVENTS = ['DeploymentStart', 'DeploymentSuccess', 'DeploymentFailure', 'DeploymentStop', 'DeploymentRollback'] as const;

/**
 * A failed deployment and one stopped by an alarm both return the alias to the old version.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_AutoRollbackConfiguration.html
 */
export const AUTO_ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] as const;

/** Every deployment alarm is named deploy-<function>-...: the service role reads those only. */
const DEPLOYMENT_ALARM_PREFIX = 'deploy-';

/** Deployment alarms evaluate one-minute periods, so an alarm stops a shift within about a minute. */
const DEPLOYMENT_ALARM_PERIOD_SECONDS = 60;

/** What the delivery needs of a function (PythonFunction satisfies it). */
export interface DeliveredFunctionResource {
  readonly functionName: string;
  readonly functionArn: string;
  /** The version the apply published: the one a release ships, and the one the deployment alarms judge. */
  readonly functionVersion: string;
  readonly timeoutSeconds: number;
  readonly aliasVersionOwner: 'terraform' | 'codedeploy';
  metricErrors(options: FunctionMetricOptions): Metric;
  metricInvocations(options: FunctionMetricOptions): Metric;
  metricDuration(options: FunctionMetricOptions): Metric;
}

export interface DeliveredFunction {
  /** The function's catalogue name, a literal: it names the deployment group and the alarms. */
  readonly name: string;
  readonly resource: DeliveredFunctionResource;
  readonly strategy: DeploymentStrategy;
}

export interface FunctionDeliveryProps {
  /** Name of the CodeDeploy application (one per account). */
  readonly applicationName: string;
  readonly accountId: string;
  readonly region: string;
  /** Every function whose live alias CodeDeploy shifts: one deployment group each. */
  readonly functions: readonly DeliveredFunction[];
  readonly thresholds: Pick<AlarmThresholds, 'functionErrorRatePercent' | 'functionDurationPercentOfTimeout'>;
  /** The account's notification topic: deployment triggers and the deployment alarms publish there. */
  readonly notificationTopic: { readonly topicArn: string };
  /** The topic's key (the service role encrypts what it publishes with it) and the hooks' key. */
  readonly encryptionKey: EncryptionKey;
  /** The hooks' zip (build manifest deploymentHooks) and the folder its path is relative to. */
  readonly hooksArtifact: { readonly zip: string; readonly sha256: string };
  readonly artifactRoot: string;
  readonly logRetentionDays: number;
  /** The post-traffic hook runs this function's live alias (lambda-test-runner). */
  readonly testRunner: { readonly name: string; readonly resource: DeliveredFunctionResource };
}

/**
 * Progressive delivery of an account's functions with AWS CodeDeploy (compute platform Lambda):
 * the application, a service role, and per function a deployment group with its strategy, the
 * alias-scoped alarms that stop a shift (auto rollback on failure and on alarm) and triggers to the
 * notification topic; plus the two lifecycle hooks (pre-traffic dry run, post-traffic checks), each
 * with its own least-privileged role. Terraform publishes versions; `npm run release` starts the
 * deployments that move each function's live alias (see PythonFunctionProps.aliasVersionOwner).
 */
export class FunctionDelivery extends Construct {
  readonly applicationName: string;
  readonly serviceRoleArn: string;
  readonly preTrafficHook: PythonFunction;
  readonly postTrafficHook: PythonFunction;
  /** Deployment group name -> the alarms that stop its deployments. */
  readonly alarmNamesByGroup: ReadonlyMap<string, readonly string[]>;

  constructor(scope: Construct, id: string, props: FunctionDeliveryProps) {
    super(scope, id);
    validate(props);
    const app = new CodedeployApp(this, 'Application', { name: props.applicationName, computePlatform: 'Lambda' });

    const role = new ServiceRole(this, 'ServiceRole', {
      roleName: `${props.applicationName}-codedeploy`,
      servicePrincipal: 'codedeploy.amazonaws.com',
      description: `CodeDeploy shifts the live aliases of ${props.applicationName}, reads its alarms and invokes its CodeDeployHook_ functions`,
    });
    // Triggers publish with the service role (https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-sns-event-notifications-permisssions.html);
    // the topic is KMS-encrypted, so publishing also needs the key through SNS.
    role.addToPrincipalPolicy({ sid: 'PublishDeploymentNotifications', actions: ['sns:Publish'], resources: [props.notificationTopic.topicArn] });
    props.encryptionKey.grantViaService(role, 'EncryptDeploymentNotifications', ['kms:GenerateDataKey', 'kms:Decrypt'], 'sns');
    const groupArns = `arn:aws:codedeploy:${props.region}:${props.accountId}:deploymentgroup:${props.applicationName}/*`;
    const hookProps = (hook: DeploymentHookSpec, timeoutSeconds: number, environment?: Record<string, string>) => ({
      functionName: hook.functionName,
      description: hook.description,
      handler: hook.handler,
      runtime: 'python3.12',
      memoryMiB: 256,
      timeoutSeconds,
      // A release of every function runs one hook of each kind per deployment group at once.
      reservedConcurrency: hookConcurrency(props.functions.length),
      zipPath: path.resolve(props.artifactRoot, props.hooksArtifact.zip),
      zipSha256: props.hooksArtifact.sha256,
      environment,
      encryptionKey: props.encryptionKey,
      logRetentionDays: props.logRetentionDays,
      accountId: props.accountId,
      region: props.region,
    });
    // A hook waits for the function it invokes: its read timeout is above that function's timeout,
    // and the hook outlives both (Lambda's cap: 900 s).
    const slowest = Math.max(...props.functions.map((fn) => fn.resource.timeoutSeconds));
    const waitFor = (targetTimeoutSeconds: number) => ({
      timeoutSeconds: Math.min(targetTimeoutSeconds + 30, 900),
      environment: { INVOKE_READ_TIMEOUT_SECONDS: String(Math.min(targetTimeoutSeconds + 10, 890)) },
    });
    const pre = waitFor(slowest);
    this.preTrafficHook = new PythonFunction(this, 'PreTrafficHook', hookProps(PRE_TRAFFIC_HOOK, pre.timeoutSeconds, pre.environment));
    const post = waitFor(props.testRunner.resource.timeoutSeconds);
    this.postTrafficHook = new PythonFunction(
      this,
      'PostTrafficHook',
      hookProps(POST_TRAFFIC_HOOK, post.timeoutSeconds, { ...post.environment, TEST_RUNNER_FUNCTION: `${props.testRunner.name}:${LIVE_ALIAS}` }),
    );
    // Each hook reports its result. The action has no resource type in the Service Authorization
    // Reference, so '*' is the only resource it accepts (the execution id in the call is the scope).
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html
    for (const hook of [this.preTrafficHook, this.postTrafficHook]) {
      hook.addToPrincipalPolicy({ sid: 'ReportHookResult', actions: ['codedeploy:PutLifecycleEventHookExecutionStatus'], resources: ['*'] });
      suppressRule(
        hook.role,
        'PLAT-IAM-2',
        "codedeploy:PutLifecycleEventHookExecutionStatus has no resource type (Service Authorization Reference), so '*' is the only resource IAM accepts; a call only sets the result of the hook execution id CodeDeploy handed this hook, and the role's other statements are scoped to this account's functions",
      );
    }
    // The pre-traffic hook reads the deployment's AppSpec and invokes the versions of these functions only.
    this.preTrafficHook.addToPrincipalPolicy({ sid: 'ReadDeployment', actions: ['codedeploy:GetDeployment'], resources: [groupArns] });
    this.preTrafficHook.addToPrincipalPolicy({
      sid: 'InvokeNewVersions',
      actions: ['lambda:InvokeFunction'],
      resources: props.functions.map((fn) => `${fn.resource.functionArn}:*`),
    });
    this.postTrafficHook.addToPrincipalPolicy({
      sid: 'RunPostDeployChecks',
      actions: ['lambda:InvokeFunction'],
      resources: [`${props.testRunner.resource.functionArn}:${LIVE_ALIAS}`],
    });

    this.grantDeployments(role, props);
    const alarmsByGroup = new Map<string, readonly string[]>();
    for (const fn of props.functions) {
      const alarmNames = this.functionAlarms(fn, props);
      new CodedeployDeploymentGroup(this, `Group-${fn.name}`, {
        appName: app.name,
        deploymentGroupName: fn.name,
        serviceRoleArn: role.roleArn,
        deploymentConfigName: DEPLOYMENT_STRATEGIES[fn.strategy],
        // The only style of the Lambda compute platform: traffic moves between two versions of an alias.
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        alarmConfiguration: { enabled: true, alarms: alarmNames },
        autoRollbackConfiguration: { enabled: true, events: [...AUTO_ROLLBACK_EVENTS] },
        triggerConfiguration: [
          { triggerName: `${fn.name}-notifications`, triggerTargetArn: props.notificationTopic.topicArn, triggerEvents: [...DEPLOYMENT_TRIGGER_EVENTS] },
        ],
        // CodeDeploy checks the role when the group is created and uses it from the first deployment.
        dependsOn: [role.node.findChild('Policy') as IamRolePolicy],
      });
      alarmsByGroup.set(fn.name, alarmNames);
    }
    this.alarmNamesByGroup = alarmsByGroup;
    this.applicationName = props.applicationName;
    this.serviceRoleArn = role.roleArn;
  }

  /**
   * Error rate and p95 duration of the version the apply published, as it runs behind the live
   * alias: Lambda publishes per-version metrics with the ExecutedVersion dimension (with FunctionName
   * and Resource = name:alias), so the old version's failures (an incident the release may be
   * fixing) never stop the new one. Throttles carry no ExecutedVersion (a throttled request runs no
   * version) and are the account alarms' business (alarms.ts), as is the API's 5XX rate.
   * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
   * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html
   */
  private functionAlarms(fn: DeliveredFunction, props: FunctionDeliveryProps): string[] {
    const t = props.thresholds;
    const version = { version: fn.resource.functionVersion };
    const durationMs = Math.floor((fn.resource.timeoutSeconds * 1000 * t.functionDurationPercentOfTimeout) / 100);
    const errors = this.alarm(`Alarm-${fn.name}-Errors`, {
      alarmName: `${DEPLOYMENT_ALARM_PREFIX}${fn.name}-error-rate`,
      alarmDescription: `More than ${t.functionErrorRatePercent}% of the invocations of the version being released of ${fn.name}:${LIVE_ALIAS} failed in a minute: stops and rolls back the release.`,
      threshold: t.functionErrorRatePercent,
      metricQuery: rateQuery(
        { expression: 'IF(invocations > 0, 100 * errors / invocations, 0)', label: 'Error rate (%)', inputs: { errors: fn.resource.metricErrors(version), invocations: fn.resource.metricInvocations(version) } },
        DEPLOYMENT_ALARM_PERIOD_SECONDS,
      ),
    }, props);
    const duration = this.alarm(`Alarm-${fn.name}-Duration`, {
      alarmName: `${DEPLOYMENT_ALARM_PREFIX}${fn.name}-p95-duration`,
      alarmDescription: `The version being released of ${fn.name}:${LIVE_ALIAS} ran its p95 above ${t.functionDurationPercentOfTimeout}% of its ${fn.resource.timeoutSeconds} s timeout in a minute: stops and rolls back the release.`,
      threshold: durationMs,
      ...alarmMetric(fn.resource.metricDuration({ ...version, statistic: 'p95' })),
      period: DEPLOYMENT_ALARM_PERIOD_SECONDS,
    }, props);
    return [errors, duration];
  }

  /**
   * What AWSCodeDeployRoleForLambdaLimited grants (iam/aws-managed-policies/), limited to
   * this application: read and move the live aliases of its functions only (the managed policy
   * allows UpdateAlias on every function of the account), invoke its two hooks only, and read its
   * deployment alarms. No S3 statement: the AppSpec travels as AppSpecContent. IAM checks alias
   * actions against the function ARN, so both the function and its live alias are named.
   * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForLambdaLimited.html
   * https://docs.aws.amazon.com/codedeploy/latest/userguide/getting-started-create-service-role.html
   * https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
   */
  private grantDeployments(role: ServiceRole, props: FunctionDeliveryProps): void {
    role.addToPrincipalPolicy({
      sid: 'ShiftLiveAliases',
      actions: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetProvisionedConcurrencyConfig'],
      resources: props.functions.flatMap((fn) => [fn.resource.functionArn, `${fn.resource.functionArn}:${LIVE_ALIAS}`]),
    });
    role.addToPrincipalPolicy({
      sid: 'InvokeHooks',
      actions: ['lambda:InvokeFunction'],
      resources: [this.preTrafficHook.functionArn, this.postTrafficHook.functionArn],
    });
    role.addToPrincipalPolicy({
      sid: 'ReadDeploymentAlarms',
      actions: ['cloudwatch:DescribeAlarms'],
      resources: props.functions.map((fn) => `arn:aws:cloudwatch:${props.region}:${props.accountId}:alarm:${DEPLOYMENT_ALARM_PREFIX}${fn.name}-*`),
    });
  }

  private alarm(id: string, config: Omit<CloudwatchMetricAlarmConfig, 'comparisonOperator' | 'evaluationPeriods'>, props: FunctionDeliveryProps): string {
    new CloudwatchMetricAlarm(this, id, {
      ...config,
      comparisonOperator: 'GreaterThanThreshold',
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // No invocations during a shift is no evidence against the new version.
      treatMissingData: 'notBreaching',
      actionsEnabled: true,
      alarmActions: [props.notificationTopic.topicArn],
      okActions: [props.notificationTopic.topicArn],
    });
    return config.alarmName as string;
  }
}

function validate(props: FunctionDeliveryProps): void {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9_.+-]{1,100}$/.test(props.applicationName)) problems.push(`applicationName '${props.applicationName}' must be 1-100 letters, digits or _.+-`);
  if (props.functions.length === 0) problems.push('functions is empty: there is nothing to deliver');
  const seen = new Set<string>();
  for (const fn of props.functions) {
    if (Token.isUnresolved(fn.name)) problems.push('a function name is only known at apply time; pass the catalogue name');
    if (seen.has(fn.name)) problems.push(`${fn.name} is listed twice; one deployment group per function`);
    seen.add(fn.name);
    if (!isDeploymentStrategy(fn.strategy)) problems.push(`${fn.name}: strategy '${fn.strategy}' is unknown; use one of ${DEPLOYMENT_STRATEGY_NAMES.join(', ')}`);
    // Terraform would move the alias back on the next apply and undo every release.
    if (fn.resource.aliasVersionOwner !== 'codedeploy') problems.push(`${fn.name}: its live alias is moved by Terraform; create it with aliasVersionOwner: 'codedeploy'`);
  }
  if (problems.length) throw new ConstructPropsError(`FunctionDelivery: ${problems.join('; ')}`);
}
