import { type Construct, type IConstruct } from 'constructs';
import { Aspects, type IAspect } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import type { AccountConfig } from '../environments/schema';
import { LEGACY_UNIT, unitStackName, WORKLOAD_UNITS, type WorkloadUnit } from '../environments/units';
import { AlarmTopic } from '../constructs/alarm-topic';
import { Alarms } from '../constructs/alarms';
import { ApiGatewayLogging } from '../constructs/api-gateway-logging';
import { Dashboard } from '../constructs/dashboard';
import { EncryptionKey } from '../constructs/encryption-key';
import { EventQueue } from '../constructs/event-queue';
import { DatabaseAdmin } from '../constructs/database-admin';
import { FunctionDelivery } from '../constructs/function-delivery';
import { POST_TRAFFIC_TARGET } from '../catalogue/deployment-hooks';
import { deliveryApplicationName } from '../environments/deployment-strategies';
import { FunctionFleet } from '../constructs/function-fleet';
import { Network } from '../constructs/network';
import { PostgresDatabase } from '../constructs/postgres-database';
import { RestApi } from '../constructs/rest-api';
import { SoftwareEventsTable } from '../constructs/software-events-table';
import { UploadsBucket } from '../constructs/uploads-bucket';
import { WebAcl } from '../constructs/web-acl';
import { dependsOnStacksOf } from '../constructs/cross-stack';
import { type BuildManifest, readBuildManifest, REPO_ROOT } from '../build/build-manifest';
import { resolveFunctionSettings } from '../catalogue/function-settings';
import { databaseUsers, DB_MIGRATION_USER, FUNCTION_NAMES, HTTP_ROUTES } from '../catalogue';
import { listSuppressions, suppressRule } from '../rules/engine';
import { RULES } from '../rules/index';
import { accountSourceFile, ConfigError } from '../environments/load';
import { AccountStack } from './account-stack';
import { PLATFORM_KEY_ALIAS, WORKLOAD_ROLE_PATH, workloadBoundaryArn } from './bootstrap-stack';

/**
 * The unit of every top-level construct of the workload. The construct ids are the first part of
 * every Terraform address (cdktf's logical ids leave the stack out), so moving a construct between
 * units moves its resources between states without renaming one; `npm run units:migrate` reads
 * this table too. Why each unit exists: docs/units.md.
 */
export const UNIT_CONSTRUCTS: Readonly<Record<WorkloadUnit, readonly string[]>> = {
  foundation: ['PlatformKey', 'AlarmTopic', 'ApiGatewayLogging'],
  network: ['Network'],
  data: ['Database', 'Uploads', 'SoftwareEvents', 'SoftwareEventQueue'],
  app: ['Functions', 'DatabaseAdmin', 'Delivery'],
  edge: ['Api', 'WebAcl'],
  observability: ['Alarms', 'Dashboard'],
};

/** The unit a top-level construct id belongs to, or undefined for an id no unit builds. */
export function unitOfConstruct(id: string): WorkloadUnit | undefined {
  return WORKLOAD_UNITS.find((unit) => UNIT_CONSTRUCTS[unit].includes(id));
}

export interface WorkloadProps {
  readonly config: AccountConfig;
  /** The built function and layer zips. Default: .build/manifest.json (written by `npm run build`). */
  readonly artifacts?: BuildManifest;
}

/**
 * Puts every IAM role of a stack on the workload path with the workload permissions boundary: the
 * CI apply role may only create, change or pass roles on that path that carry the boundary, and
 * the boundary caps what any workload role can ever be granted.
 */
class WorkloadRoleFence implements IAspect {
  constructor(private readonly boundaryArn: string) {}

  visit(node: IConstruct): void {
    if (!(node instanceof IamRole)) return;
    node.path = WORKLOAD_ROLE_PATH;
    node.permissionsBoundary = this.boundaryArn;
  }
}

function workloadAccountFile(config: AccountConfig): string {
  return accountSourceFile(config) ?? `environments/accounts/${config.name}.ts`;
}

/** One unit of an account's workload: its own state `<account>/<region>/<unit>/terraform.tfstate`. */
export class UnitStack extends AccountStack {
  readonly unit: WorkloadUnit;

  constructor(scope: Construct, config: AccountConfig, unit: WorkloadUnit) {
    super(scope, unitStackName(config.name, unit), { config, unit, acceptSuppressionsIn: workloadAccountFile(config), suppressionUnit: unit });
    this.unit = unit;
    Aspects.of(this).add(new WorkloadRoleFence(workloadBoundaryArn(config.accountId)));
  }
}

/**
 * The account's enabled workload units, one stack each, built from one account file. Each
 * construct is created with the id it always had, in the stack of its unit; values cross units by
 * name (and a stack dependency) or, when AWS generates them, through cdktf's cross-stack references.
 */
export function addWorkloadUnits(scope: Construct, props: WorkloadProps): Partial<Record<WorkloadUnit, UnitStack>> {
  const stacks: Partial<Record<WorkloadUnit, UnitStack>> = {};
  for (const unit of WORKLOAD_UNITS) {
    if (props.config.units[unit].enabled) stacks[unit] = new UnitStack(scope, props.config, unit);
  }
  buildWorkload((unit) => stacks[unit], props);
  return stacks;
}

/**
 * The whole workload in one stack `<account>` with the state key `<account>/<region>/main/...`:
 * the layout before units. Not part of the app; it exists so `npm run units:migrate` can plan an
 * account's old state and the bench can compare against it. Every unit builds into this one stack.
 */
export class LegacyWorkloadStack extends AccountStack {
  constructor(scope: Construct, props: WorkloadProps) {
    super(scope, props.config.name, { config: props.config, unit: LEGACY_UNIT, acceptSuppressionsIn: workloadAccountFile(props.config) });
    Aspects.of(this).add(new WorkloadRoleFence(workloadBoundaryArn(props.config.accountId)));
    buildWorkload(() => this, props);
  }
}

/**
 * Builds every construct of the workload into the stack of its unit (`stackOf`; undefined for a
 * disabled unit, whose constructs are left out). The account schema refuses a disabled unit that an
 * enabled one depends on, so whatever a construct needs exists.
 */
function buildWorkload(stackOf: (unit: WorkloadUnit) => AccountStack | undefined, props: WorkloadProps): void {
  const { config } = props;
  const accountFile = workloadAccountFile(config);
  /** The stack a top-level construct goes into, or undefined when its unit is off. */
  const scope = (id: string): AccountStack | undefined => {
    const unit = unitOfConstruct(id);
    if (!unit) throw new Error(`stacks/workload.ts: construct '${id}' is in no unit; add it to UNIT_CONSTRUCTS`);
    return stackOf(unit);
  };
  const place = (id: string): AccountStack => scope(id)!;
  if (!scope('PlatformKey')) return;

  const key = new EncryptionKey(place('PlatformKey'), 'PlatformKey', {
    alias: PLATFORM_KEY_ALIAS,
    description: `Customer-managed key for ${config.name} data at rest`,
    accountId: config.accountId,
    region: config.region,
  });

  const functionSettings = resolveFunctionSettings(config);
  const network = scope('Network')
    ? new Network(place('Network'), 'Network', {
        ...config.network,
        name: config.name,
        accountId: config.accountId,
        region: config.region,
        availabilityZones: config.availabilityZones,
        encryptionKey: key,
      })
    : undefined;
  let data: { database: PostgresDatabase; uploads: UploadsBucket; events: SoftwareEventsTable; eventsQueue: EventQueue } | undefined;
  if (network && scope('Database')) {
    data = {
      database: new PostgresDatabase(place('Database'), 'Database', {
        ...config.database,
        identifier: `${config.database.databaseName.replace(/_/g, '-')}-postgres`,
        accountId: config.accountId,
        region: config.region,
        network,
        encryptionKey: key,
        logRetentionDays: config.logRetentionDays,
        // Every role the account's functions log in as; never the master user.
        users: databaseUsers(functionSettings),
        // database-admin logs in as the migrator at the instance only, never through the proxy.
        instanceUsers: [DB_MIGRATION_USER],
      }),
      uploads: new UploadsBucket(place('Uploads'), 'Uploads', {
        bucketName: `${config.organisation}-uploads-${config.accountId}-${config.region}`,
        encryptionKey: key,
        corsAllowedOrigins: config.storage.corsAllowedOrigins,
      }),
      events: new SoftwareEventsTable(place('SoftwareEvents'), 'SoftwareEvents', {
        accountId: config.accountId,
        region: config.region,
        encryptionKey: key,
        // The account's one switch for protecting stored data from deletion (off in dev).
        deletionProtection: config.database.deletionProtection,
      }),
      eventsQueue: new EventQueue(place('SoftwareEventQueue'), 'SoftwareEventQueue', {
        queueName: 'software-update-events',
        accountId: config.accountId,
        region: config.region,
        encryptionKey: key,
        messageRetentionSeconds: config.queue.messageRetentionSeconds,
        maxReceiveCount: config.queue.maxReceiveCount,
      }),
    };
  }
  const artifacts = props.artifacts ?? readBuildManifest();
  let functions: FunctionFleet | undefined;
  if (network && data && scope('Functions')) {
    const { database, uploads, events, eventsQueue } = data;
    functions = new FunctionFleet(place('Functions'), 'Functions', {
      functions: functionSettings,
      artifacts,
      artifactRoot: REPO_ROOT,
      accountId: config.accountId,
      region: config.region,
      encryptionKey: key,
      logRetentionDays: config.logRetentionDays,
      network,
      database,
      uploads,
      events,
      eventQueue: eventsQueue,
      presignedUrlExpirySeconds: config.storage.presignedUrlExpirySeconds,
      maxUploadBytes: config.storage.maxUploadBytes,
    });
    const driverLayer = functions.layers.get('pg-driver');
    if (!driverLayer) throw new Error('stacks/workload.ts: no function uses the pg-driver layer, which database-admin needs; run `npm run build`');
    new DatabaseAdmin(place('DatabaseAdmin'), 'DatabaseAdmin', {
      network,
      database,
      functionRoles: databaseUsers(functionSettings),
      driverLayer,
      artifact: artifacts.databaseAdmin,
      artifactRoot: REPO_ROOT,
      encryptionKey: key,
      logRetentionDays: config.logRetentionDays,
      accountId: config.accountId,
      region: config.region,
    });
  }

  const functionsByName = functions ? Object.fromEntries(FUNCTION_NAMES.map((name) => [name, functions.get(name)])) : undefined;
  let edge: { api: RestApi; webAcl: WebAcl } | undefined;
  const logging = new ApiGatewayLogging(place('ApiGatewayLogging'), 'ApiGatewayLogging');
  if (functionsByName && scope('Api')) {
    const api = new RestApi(place('Api'), 'Api', {
      apiName: `${config.organisation}-api`,
      routes: HTTP_ROUTES,
      targets: functionsByName,
      auth: config.api.auth,
      throttleRateLimitPerSecond: config.api.throttleRateLimit,
      throttleBurstLimit: config.api.throttleBurstLimit,
      loggingLevel: config.api.loggingLevel,
      logRetentionDays: config.logRetentionDays,
      encryptionKey: key,
      logging,
    });
    const webAcl = new WebAcl(place('WebAcl'), 'WebAcl', {
      webAclName: `${config.organisation}-api`,
      rateLimitPer5Minutes: config.waf.rateLimitPer5Minutes,
      hostingProviderIps: config.waf.hostingProviderIps,
      associatedResourceArn: api.stageArn,
      accountId: config.accountId,
      region: config.region,
      logRetentionDays: config.logRetentionDays,
      encryptionKey: key,
    });
    edge = { api, webAcl };
  }
  const alarmTopic = new AlarmTopic(place('AlarmTopic'), 'AlarmTopic', {
    topicName: `${config.organisation}-alarms`,
    accountId: config.accountId,
    region: config.region,
    encryptionKey: key,
    emails: config.notifications.emails,
    slack: config.notifications.slack,
  });
  if (data && functions && edge && scope('Alarms')) {
    const alarms = new Alarms(place('Alarms'), 'Alarms', { alarmTopic, thresholds: config.alarms });
    dependsOnStacksOf(alarms, edge.api, edge.webAcl);
    // Function and queue names are resource attributes, so alarms are labelled by catalogue name.
    for (const name of FUNCTION_NAMES) {
      const fn = functions.get(name);
      alarms.alarmOnFunction(fn, name);
      if (fn.deadLetterQueueName) alarms.alarmOnDeadLetterQueue(fn.metricDeadLetterQueueMessagesVisible(), name);
    }
    alarms.alarmOnDeadLetterQueue(data.eventsQueue.metricDeadLetterQueueMessagesVisible(), 'software-update-events');
    alarms.alarmOnApi(edge.api);
    alarms.alarmOnDatabase(data.database, 'postgres');
    alarms.alarmOnWebAcl(edge.webAcl);
  }
  if (functions) {
    new FunctionDelivery(place('Delivery'), 'Delivery', {
      applicationName: deliveryApplicationName(config),
      accountId: config.accountId,
      region: config.region,
      functions: functionSettings.map((fn) => ({
        name: fn.name,
        resource: functions.get(fn.name),
        strategy: fn.deploymentStrategy,
      })),
      thresholds: config.alarms,
      notificationTopic: alarmTopic,
      encryptionKey: key,
      hooksArtifact: artifacts.deploymentHooks,
      artifactRoot: REPO_ROOT,
      logRetentionDays: config.logRetentionDays,
      testRunner: { name: POST_TRAFFIC_TARGET, resource: functions.get(POST_TRAFFIC_TARGET) },
    });
  }
  if (data && functionsByName && edge && scope('Dashboard')) {
    const { eventsQueue, database } = data;
    const dashboard = new Dashboard(place('Dashboard'), 'Dashboard', {
      dashboardName: `${config.organisation}-overview`,
      region: config.region,
      api: edge.api,
      functions: FUNCTION_NAMES.map((name) => functionsByName[name]),
      database,
      queueDepths: [
        eventsQueue.metricApproximateNumberOfMessagesVisible(),
        eventsQueue.metricDeadLetterQueueMessagesVisible(),
        ...FUNCTION_NAMES.flatMap((name) => (functionsByName[name].deadLetterQueueName ? [functionsByName[name].metricDeadLetterQueueMessagesVisible()] : [])),
      ],
      webAcl: edge.webAcl,
    });
    dependsOnStacksOf(dashboard, edge.api, edge.webAcl);
  }
  applyAccountSuppressions(stackOf, config.suppressions, accountFile);
}

/**
 * The account file's `suppressions`, each put on the construct it names, in the stack of the unit
 * it names, with the reason a person wrote. A unit, path or rule that does not exist is a
 * ConfigError naming the entry and the fix, so a typo never leaves a finding unexplained or
 * suppresses nothing.
 */
function applyAccountSuppressions(stackOf: (unit: WorkloadUnit) => AccountStack | undefined, suppressions: AccountConfig['suppressions'], accountFile: string): void {
  const problems: string[] = [];
  suppressions.forEach(({ rule, unit, construct, reason }, index) => {
    const field = `${accountFile}: suppressions.${index}`;
    const stack = stackOf(unit);
    const [topId] = construct.split('/');
    const target = stack && UNIT_CONSTRUCTS[unit].includes(topId) ? construct.split('/').reduce<IConstruct | undefined>((node, childId) => node?.node.tryFindChild(childId), stack) : undefined;
    const owner = unitOfConstruct(topId);
    if (!stack) {
      problems.push(`${field}.unit: the ${unit} unit is turned off (units.${unit}.enabled), so nothing of it is synthesized; remove the suppression or turn the unit on`);
    } else if (!target && owner && owner !== unit) {
      problems.push(`${field}.unit: '${topId}' is in the ${owner} unit, not ${unit}; set unit: '${owner}'`);
    } else if (!target) {
      const children = stack.node.children.map((child) => child.node.id).filter((childId) => UNIT_CONSTRUCTS[unit].includes(childId));
      problems.push(`${field}.construct: '${construct}' is no construct of the ${unit} unit; use a path below one of its constructs: ${children.join(', ')}`);
    } else if (!RULES.some((r) => r.id === rule)) {
      problems.push(`${field}.rule: '${rule}' is no rule of constructs/rules/index.ts; use one of the ids in the README's "Security rules" table`);
    } else if (listSuppressions(target).some((s) => s.path === target.node.path && s.ruleId === rule)) {
      problems.push(`${field}: ${rule} is already suppressed at ${construct}; remove the duplicate entry`);
    } else {
      suppressRule(target, rule, reason, `${accountFile} (suppressions.${index})`);
    }
  });
  if (problems.length) throw new ConfigError(problems);
}
