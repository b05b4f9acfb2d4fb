import { Testing } from 'cdktf';
import { ConfigError, loadEnvironments } from '../../environments/load';
import { DEPLOYMENT_STRATEGIES, DEPLOYMENT_STRATEGY_NAMES, SHIFT_MINUTES } from '../../environments/deployment-strategies';
import { FUNCTIONS } from '../../catalogue';
import { POST_TRAFFIC_HOOK, POST_TRAFFIC_TARGET, PRE_TRAFFIC_HOOK } from '../../catalogue/deployment-hooks';
import { resolveFunctionSettings } from '../../catalogue/function-settings';
import { readBuildManifest, REPO_ROOT } from '../../build/build-manifest';
import { AUTO_ROLLBACK_EVENTS, DEPLOYMENT_TRIGGER_EVENTS, FunctionDelivery } from '../../constructs/function-delivery';
import { EncryptionKey } from '../../constructs/encryption-key';
import { readStack, sharedSynth } from '../helpers/terraform';
import { unitStackName } from '../../environments/units';

// Every account's synthesized app unit, from the real app: the tests follow the account files.
const accounts = loadEnvironments({ overrides: {} });
let outdir: string;
beforeAll(() => {
  outdir = sharedSynth();
}, 300_000);

type Resources = Record<string, Record<string, any>>;
// Delivery is part of the app unit (stacks/workload.ts).
const resources = (account: string): Resources => readStack(outdir, unitStackName(account, 'app')).resource;
const all = (r: Resources, type: string): any[] => Object.values(r[type] ?? {});
const ref = (r: Resources, type: string, predicate: (value: any) => boolean): string => {
  const entry = Object.entries(r[type] ?? {}).find(([, value]) => predicate(value));
  if (!entry) throw new Error(`no ${type} matches`);
  return `\${${type}.${entry[0]}`;
};
const rolePolicy = (r: Resources, roleName: string): any => {
  const roleRef = ref(r, 'aws_iam_role', (role) => role.name === roleName);
  const policy = all(r, 'aws_iam_role_policy').find((p) => p.role === `${roleRef}.id}`);
  return JSON.parse(policy.policy);
};

/** The account's alarm topic (foundation unit), which the app unit names by its ARN. */
const alarmTopicArn = (config: (typeof accounts)[number]) => {
  const [name] = Object.values<Record<string, any>>(readStack(outdir, unitStackName(config.name, 'foundation')).resource.aws_sns_topic).map((topic) => topic.name);
  return `arn:aws:sns:${config.region}:${config.accountId}:${name}`;
};

describe.each(accounts.map((config) => [config.name, config] as const))('CodeDeploy delivery in %s', (account, config) => {
  const settings = resolveFunctionSettings(config);

  test('one CodeDeploy application on the Lambda compute platform', () => {
    expect(all(resources(account), 'aws_codedeploy_app').map((app) => [app.name, app.compute_platform])).toEqual([[`${config.organisation}-functions`, 'Lambda']]);
  });

  test("one deployment group per catalogue function, with the account's (or the function's) strategy as CodeDeploy's predefined config", () => {
    const groups = all(resources(account), 'aws_codedeploy_deployment_group');
    expect(Object.fromEntries(groups.map((g) => [g.deployment_group_name, g.deployment_config_name]))).toEqual(
      Object.fromEntries(settings.map((fn) => [fn.name, DEPLOYMENT_STRATEGIES[fn.deploymentStrategy]])),
    );
  });

  test('every function keeps part of its traffic on the old version long enough for a one-minute deployment alarm to roll it back', () => {
    // A deployment alarm needs its one-minute period evaluated while the old version still serves:
    // https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
    for (const fn of settings) expect([fn.name, fn.deploymentStrategy, SHIFT_MINUTES[fn.deploymentStrategy] >= 2]).toEqual([fn.name, fn.deploymentStrategy, true]);
  });

  test('every group shifts traffic blue/green and rolls back on failure and on alarm', () => {
    // Lambda deployments are always BLUE_GREEN WITH_TRAFFIC_CONTROL; rollback events:
    // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_AutoRollbackConfiguration.html
    for (const group of all(resources(account), 'aws_codedeploy_deployment_group')) {
      expect(group.deployment_style).toEqual({ deployment_type: 'BLUE_GREEN', deployment_option: 'WITH_TRAFFIC_CONTROL' });
      expect(group.auto_rollback_configuration).toEqual({ enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] });
      expect(group.alarm_configuration.enabled).toBe(true);
    }
    expect([...AUTO_ROLLBACK_EVENTS]).toEqual(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']);
  });

  test('every group sends start, success, failure, stop and rollback to the notification topic', () => {
    const r = resources(account);
    for (const group of all(r, 'aws_codedeploy_deployment_group')) {
      expect(group.trigger_configuration).toEqual([
        { trigger_name: `${group.deployment_group_name}-notifications`, trigger_target_arn: alarmTopicArn(config), trigger_events: [...DEPLOYMENT_TRIGGER_EVENTS] },
      ]);
    }
  });

  test('each group watches the error rate and p95 duration of the version being released only (ExecutedVersion), not the API-wide 5XX rate', () => {
    const r = resources(account);
    const alarms = new Map(all(r, 'aws_cloudwatch_metric_alarm').map((alarm) => [alarm.alarm_name, alarm]));
    for (const group of all(r, 'aws_codedeploy_deployment_group')) {
      const name = group.deployment_group_name as string;
      const names: string[] = group.alarm_configuration.alarms;
      expect(names.every((alarmName) => alarms.has(alarmName))).toBe(true);
      const watched = names.map((alarmName) => alarms.get(alarmName));
      // Per-version metrics behind an alias: FunctionName, Resource (function:alias) and ExecutedVersion,
      // here the version the apply published (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
      const fnRef = ref(r, 'aws_lambda_function', (fn) => fn.function_name === name);
      const versionDimensions = { FunctionName: name, Resource: `${name}:live`, ExecutedVersion: `${fnRef}.version}` };
      const metrics = watched.flatMap((alarm) =>
        alarm.metric_query ? alarm.metric_query.filter((q: any) => q.metric).map((q: any) => [q.metric.namespace, q.metric.metric_name, q.metric.dimensions]) : [[alarm.namespace, alarm.metric_name, alarm.dimensions]],
      );
      expect(metrics.map(([namespace, metric]) => `${namespace}/${metric}`).sort()).toEqual(['AWS/Lambda/Duration', 'AWS/Lambda/Errors', 'AWS/Lambda/Invocations']);
      for (const [, metric, dimensions] of metrics) expect([name, metric, dimensions]).toEqual([name, metric, versionDimensions]);
      const duration = watched.find((alarm) => alarm.metric_name === 'Duration');
      const timeout = settings.find((fn) => fn.name === name)!.timeoutSeconds;
      expect([duration.extended_statistic, duration.threshold]).toEqual(['p95', Math.floor((timeout * 1000 * config.alarms.functionDurationPercentOfTimeout) / 100)]);
      // One-minute periods, one datapoint: a bad version is stopped within about a minute.
      for (const alarm of watched) {
        const periods = alarm.metric_query ? alarm.metric_query.filter((q: any) => q.metric).map((q: any) => q.metric.period) : [alarm.period];
        expect([alarm.alarm_name, [...new Set(periods)], alarm.evaluation_periods, alarm.datapoints_to_alarm]).toEqual([alarm.alarm_name, [60], 1, 1]);
      }
    }
  });

  test("every invoke permission of a catalogue function (API, schedule) names its live alias resource, never the literal 'live'", () => {
    const r = resources(account);
    const aliases = Object.entries(r.aws_lambda_alias ?? {}).map(([key, alias]) => ({ nameRef: `\${aws_lambda_alias.${key}.name}`, functionName: alias.function_name }));
    const permissions = all(r, 'aws_lambda_permission').filter((p) => p.qualifier !== undefined);
    expect(permissions.length).toBeGreaterThan(0);
    for (const permission of permissions) {
      const alias = aliases.find((a) => a.nameRef === permission.qualifier);
      expect([permission.statement_id, alias?.functionName]).toEqual([permission.statement_id, permission.function_name]);
    }
  });

  test("the API's 5XX rate stays an account alarm and stops no deployment", () => {
    const r = resources(account);
    // The account's alarms are the observability unit's.
    const apiAlarms = all(readStack(outdir, unitStackName(account, 'observability')).resource, 'aws_cloudwatch_metric_alarm').filter((alarm) => alarm.metric_query?.some((q: any) => q.metric?.namespace === 'AWS/ApiGateway' && q.metric.metric_name === '5XXError'));
    expect(apiAlarms.length).toBeGreaterThan(0);
    const watched = new Set(all(r, 'aws_codedeploy_deployment_group').flatMap((group) => group.alarm_configuration.alarms));
    expect(apiAlarms.filter((alarm) => watched.has(alarm.alarm_name))).toEqual([]);
  });

  test("the service role is assumable by CodeDeploy only, has no managed policy, and may move only this application's live aliases, invoke only its hooks, read only its deployment alarms and publish to the topic", () => {
    const r = resources(account);
    const roleName = `${config.organisation}-functions-codedeploy`;
    const role = all(r, 'aws_iam_role').find((candidate) => candidate.name === roleName);
    expect(JSON.parse(role.assume_role_policy).Statement.map((s: any) => s.Principal)).toEqual([{ Service: 'codedeploy.amazonaws.com' }]);
    const roleRef = ref(r, 'aws_iam_role', (candidate) => candidate.name === roleName);
    // AWSCodeDeployRoleForLambdaLimited would let CodeDeploy move any alias of any function in the account.
    expect(all(r, 'aws_iam_role_policy_attachment').filter((a) => a.role === `${roleRef}.name}`)).toEqual([]);
    const statements = rolePolicy(r, roleName).Statement;
    const sid = (name: string) => statements.find((s: any) => s.Sid === name);
    const fnRef = (name: string) => ref(r, 'aws_lambda_function', (fn) => fn.function_name === name);
    expect(sid('ShiftLiveAliases').Resource).toEqual(settings.flatMap((fn) => [`${fnRef(fn.name)}.arn}`, `${fnRef(fn.name)}.arn}:live`]));
    expect(sid('ShiftLiveAliases').Action).toEqual(['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetProvisionedConcurrencyConfig']);
    expect(sid('InvokeHooks')).toMatchObject({ Action: 'lambda:InvokeFunction', Resource: [`${fnRef(PRE_TRAFFIC_HOOK.functionName)}.arn}`, `${fnRef(POST_TRAFFIC_HOOK.functionName)}.arn}`] });
    const groupAlarms = all(r, 'aws_codedeploy_deployment_group').flatMap((group) => group.alarm_configuration.alarms as string[]);
    const alarmPatterns: string[] = [sid('ReadDeploymentAlarms').Resource].flat();
    const matches = (pattern: string, arn: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(arn);
    for (const alarm of groupAlarms) expect([alarm, alarmPatterns.some((p) => matches(p, `arn:aws:cloudwatch:${config.region}:${config.accountId}:alarm:${alarm}`))]).toEqual([alarm, true]);
    expect(alarmPatterns.some((p) => matches(p, `arn:aws:cloudwatch:${config.region}:${config.accountId}:alarm:api-${config.organisation}-api-5xx-rate`))).toBe(false);
    expect(sid('PublishDeploymentNotifications').Resource).toBe(alarmTopicArn(config));
  });

  test('the hooks keep their CodeDeployHook_ names', () => {
    const names = all(resources(account), 'aws_lambda_function').map((fn) => fn.function_name);
    expect(names.filter((name) => name.startsWith('CodeDeployHook_')).sort()).toEqual([POST_TRAFFIC_HOOK.functionName, PRE_TRAFFIC_HOOK.functionName].sort());
  });

  test("the pre-traffic hook's role may read deployments, report results and invoke versions of the catalogue functions, nothing else", () => {
    const r = resources(account);
    const statements = rolePolicy(r, `${PRE_TRAFFIC_HOOK.functionName}-function`).Statement;
    const groups = `arn:aws:codedeploy:${config.region}:${config.accountId}:deploymentgroup:${config.organisation}-functions/*`;
    // PutLifecycleEventHookExecutionStatus has no resource type: '*' is its only resource.
    expect(statements.find((s: any) => s.Sid === 'ReportHookResult')).toMatchObject({ Action: 'codedeploy:PutLifecycleEventHookExecutionStatus', Resource: '*' });
    expect(statements.find((s: any) => s.Sid === 'ReadDeployment')).toMatchObject({ Action: 'codedeploy:GetDeployment', Resource: groups });
    const invoke = statements.find((s: any) => s.Sid === 'InvokeNewVersions');
    const functionRef = (name: string) => ref(r, 'aws_lambda_function', (fn) => fn.function_name === name);
    expect(invoke.Resource).toEqual(FUNCTIONS.map((fn) => `${functionRef(fn.name)}.arn}:*`));
    const hookOwn = ['WriteOwnLogs', 'WriteTraces', 'DecryptEnvironment'];
    expect(statements.map((s: any) => s.Sid).filter((sid: string) => !hookOwn.includes(sid)).sort()).toEqual(['InvokeNewVersions', 'ReadDeployment', 'ReportHookResult']);
  });

  test("the post-traffic hook's role may report results and invoke lambda-test-runner's live alias only", () => {
    const r = resources(account);
    const statements = rolePolicy(r, `${POST_TRAFFIC_HOOK.functionName}-function`).Statement;
    const runner = ref(r, 'aws_lambda_function', (fn) => fn.function_name === 'lambda-test-runner');
    expect(statements.find((s: any) => s.Sid === 'RunPostDeployChecks')).toMatchObject({ Action: 'lambda:InvokeFunction', Resource: `${runner}.arn}:live` });
    expect(statements.map((s: any) => s.Sid).filter((sid: string) => !['WriteOwnLogs', 'WriteTraces', 'DecryptEnvironment'].includes(sid)).sort()).toEqual(['ReportHookResult', 'RunPostDeployChecks']);
    const hook = all(r, 'aws_lambda_function').find((fn) => fn.function_name === POST_TRAFFIC_HOOK.functionName);
    expect(hook.environment.variables.TEST_RUNNER_FUNCTION).toBe('lambda-test-runner:live');
  });

  test('the hooks and the post-traffic target can each run once per deployment group at once, so a release of every function is never throttled', () => {
    const r = resources(account);
    const groups = all(r, 'aws_codedeploy_deployment_group').length;
    const reserved = (name: string) => all(r, 'aws_lambda_function').find((fn) => fn.function_name === name).reserved_concurrent_executions;
    // Beyond its reservation a synchronous invoke gets 429 TooManyRequestsException:
    // https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
    for (const name of [PRE_TRAFFIC_HOOK.functionName, POST_TRAFFIC_HOOK.functionName, POST_TRAFFIC_TARGET]) expect([name, reserved(name)]).toEqual([name, groups]);
    expect(groups).toBe(FUNCTIONS.length);
  });

  test('each hook waits for its target past the target\'s timeout (read timeout), and outlives that wait', () => {
    const r = resources(account);
    const fnByName = (name: string) => all(r, 'aws_lambda_function').find((fn) => fn.function_name === name);
    const targets = { [PRE_TRAFFIC_HOOK.functionName]: Math.max(...settings.map((fn) => fn.timeoutSeconds)), [POST_TRAFFIC_HOOK.functionName]: fnByName(POST_TRAFFIC_TARGET).timeout };
    for (const [hookName, targetTimeout] of Object.entries(targets)) {
      const hook = fnByName(hookName);
      const readTimeout = Number(hook.environment.variables.INVOKE_READ_TIMEOUT_SECONDS);
      expect([hookName, readTimeout > targetTimeout, hook.timeout > readTimeout]).toEqual([hookName, true, true]);
    }
  });

  test("Terraform leaves the live alias's version and routing to CodeDeploy for catalogue functions, not for the hooks", () => {
    const r = resources(account);
    const functionNames = new Map(Object.entries(r.aws_lambda_function).map(([key, fn]) => [`\${aws_lambda_function.${key}.function_name}`, fn.function_name]));
    const owners = Object.fromEntries(all(r, 'aws_lambda_alias').map((alias) => [functionNames.get(alias.function_name), alias.lifecycle?.ignore_changes ?? null]));
    for (const fn of FUNCTIONS) expect([fn.name, owners[fn.name]]).toEqual([fn.name, ['function_version', 'routing_config']]);
    for (const hook of [PRE_TRAFFIC_HOOK, POST_TRAFFIC_HOOK]) expect([hook.functionName, owners[hook.functionName]]).toEqual([hook.functionName, null]);
  });
});

describe('deployment strategy configuration', () => {
  test('a function override wins over the account strategy', () => {
    const [first] = accounts;
    const override = DEPLOYMENT_STRATEGY_NAMES.find((name) => name !== first.delivery.strategy)!;
    const [config] = loadEnvironments({ overrides: { [first.name]: { functions: { 'sync-clock': { deploymentStrategy: override } } } } }).filter((c) => c.name === first.name);
    const byName = Object.fromEntries(resolveFunctionSettings(config).map((fn) => [fn.name, fn.deploymentStrategy]));
    expect(byName['sync-clock']).toBe(override);
    expect(Object.entries(byName).filter(([name]) => name !== 'sync-clock').every(([, strategy]) => strategy === first.delivery.strategy)).toBe(true);
  });

  test.each([
    ['delivery.strategy', (bad: string) => ({ delivery: { strategy: bad } })],
    ['functions.sync-clock.deploymentStrategy', (bad: string) => ({ functions: { 'sync-clock': { deploymentStrategy: bad } } })],
  ])('an unknown strategy in %s is refused naming the field and every strategy AWS knows', (field, override) => {
    const [first] = accounts;
    let error: unknown;
    try {
      loadEnvironments({ overrides: { [first.name]: override('canary-50-percent') as never } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${field}: is not a deployment strategy; use one of ${DEPLOYMENT_STRATEGY_NAMES.join(', ')}`);
  });

  test("each strategy maps onto one of CodeDeploy's predefined Lambda configurations", () => {
    // https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
    for (const config of Object.values(DEPLOYMENT_STRATEGIES)) {
      expect(config).toMatch(/^CodeDeployDefault\.Lambda(AllAtOnce|Canary10Percent(5|10|15|30)Minutes|Linear10PercentEvery(1Minute|(2|3|10)Minutes))$/);
    }
  });
});

describe('FunctionDelivery validation', () => {
  const build = (aliasVersionOwner: 'terraform' | 'codedeploy') => () =>
    Testing.synthScope((scope) => {
      const key = new EncryptionKey(scope, 'Key', { alias: 'k', description: 'k', accountId: '111122223333', region: 'eu-west-1' });
      const versioned = (metricName: string) => () => ({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: 'f', Resource: 'f:live', ExecutedVersion: '1' }, statistic: 'Sum' });
      const metrics = { metricErrors: versioned('Errors'), metricInvocations: versioned('Invocations'), metricDuration: versioned('Duration') };
      const resource = { functionName: 'f', functionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:f', functionVersion: '1', timeoutSeconds: 3, aliasVersionOwner, ...metrics };
      new FunctionDelivery(scope, 'Delivery', {
        applicationName: 'app',
        accountId: '111122223333',
        region: 'eu-west-1',
        functions: [{ name: 'f', resource, strategy: 'all-at-once' }],
        thresholds: { functionErrorRatePercent: 5, functionDurationPercentOfTimeout: 80 },
        notificationTopic: { topicArn: 'arn:aws:sns:eu-west-1:111122223333:t' },
        encryptionKey: key,
        hooksArtifact: readBuildManifest().deploymentHooks,
        artifactRoot: REPO_ROOT,
        logRetentionDays: 30,
        testRunner: { name: 'f', resource },
      });
    });

  test('refuses a function whose alias Terraform moves (the next apply would undo a release)', () => {
    expect(build('terraform')).toThrow("f: its live alias is moved by Terraform; create it with aliasVersionOwner: 'codedeploy'");
    expect(build('codedeploy')).not.toThrow();
  });
});

describe.each(accounts.map((config) => [config.name, config] as const))('the CI apply role of %s and CodeDeploy', (account, config) => {
  const applyPolicy = () => {
    const r: Resources = readStack(outdir, `${account}-bootstrap`).resource;
    const policy = all(r, 'aws_iam_role_policy').find((p) => p.name === 'manage-workload-roles');
    return JSON.parse(policy.policy).Statement as any[];
  };

  test('may pass workload roles to CodeDeploy (the deployment groups name their service role)', () => {
    // CreateDeploymentGroup passes serviceRoleArn, which needs iam:PassRole to codedeploy.amazonaws.com.
    const pass = applyPolicy().find((s) => s.Sid === 'PassRolesToWorkloadServices');
    expect(pass.Condition.StringEquals['iam:PassedToService']).toContain('codedeploy.amazonaws.com');
  });

  test("may manage and deploy only this account's delivery application", () => {
    const deliver = applyPolicy().find((s) => s.Sid === 'DeliverFunctions');
    const prefix = `arn:aws:codedeploy:${config.region}:${config.accountId}`;
    expect(deliver.Resource).toEqual([`${prefix}:application:${config.organisation}-functions`, `${prefix}:deploymentgroup:${config.organisation}-functions/*`, `${prefix}:deploymentconfig:*`]);
    // What npm run release / rollback call on the application and its groups (tools/delivery/delivery.ts).
    expect(deliver.Action).toEqual(
      expect.arrayContaining(['codedeploy:CreateDeployment', 'codedeploy:GetDeployment', 'codedeploy:ListDeployments', 'codedeploy:ListDeploymentGroups', 'codedeploy:CreateDeploymentGroup']),
    );
    // Actions without a resource type take '*' (Service Authorization Reference, checked by PLAT-IAM-7).
    expect(applyPolicy().find((s) => s.Sid === 'WatchDeployments')).toMatchObject({ Action: ['codedeploy:GetDeploymentTarget', 'codedeploy:ListDeploymentTargets'], Resource: '*' });
  });
});
