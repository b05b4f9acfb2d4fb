import { Construct, type IConstruct } from 'constructs';
import { Aspects, type IAspect } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import type { AccountConfig } from '../environments/schema';
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
import { type BuildManifest, readBuildManifest, REPO_ROOT } from '../build/build-manifest';
import { resolveFunctionSettings } from '../catalogue/function-settings';
import { databaseUsers, DB_MIGRATION_USER, FUNCTION_NAMES, HTTP_ROUTES } from '../catalogue';
import { accountSourceFile } from '../environments/load';
import { AccountStack } from './account-stack';
import { applyAccountSuppressions } from './account-suppressions';
import { PLATFORM_KEY_ALIAS, WORKLOAD_ROLE_PATH, workloadBoundaryArn } from './bootstrap-stack';

export interface MainStackProps {
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

/** The account's workload: network, data, functions, API and monitoring. */
export class MainStack extends AccountStack {
  /** The account's customer-managed key for logs, queues, topics, buckets, tables and the database. */
  readonly key: EncryptionKey;
  readonly network: Network;
  readonly database: PostgresDatabase;
  readonly uploads: UploadsBucket;
  readonly events: SoftwareEventsTable;
  readonly eventsQueue: EventQueue;
  readonly functions: FunctionFleet;
  readonly api: RestApi;
  readonly webAcl: WebAcl;
  readonly alarmTopic: AlarmTopic;
  readonly alarms: Alarms;
  readonly delivery: FunctionDelivery;
  readonly databaseAdmin: DatabaseAdmin;

  constructor(scope: Construct, id: string, props: MainStackProps) {
    const accountFile = accountSourceFile(props.config) ?? `environments/accounts/${props.config.name}.ts`;
    super(scope, id, { config: props.config, unit: 'main', acceptSuppressionsIn: accountFile });
    Aspects.of(this).add(new WorkloadRoleFence(workloadBoundaryArn(props.config.accountId)));
    const { config } = props;
    this.key = new EncryptionKey(this, 'PlatformKey', {
      alias: PLATFORM_KEY_ALIAS,
      description: `Customer-managed key for ${config.name} data at rest`,
      accountId: config.accountId,
      region: config.region,
    });

    const functionSettings = resolveFunctionSettings(config);
    this.network = new Network(this, 'Network', {
      ...config.network,
      name: config.name,
      accountId: config.accountId,
      region: config.region,
      availabilityZones: config.availabilityZones,
      encryptionKey: this.key,
    });
    this.database = new PostgresDatabase(this, 'Database', {
      ...config.database,
      identifier: `${config.database.databaseName.replace(/_/g, '-')}-postgres`,
      accountId: config.accountId,
      region: config.region,
      network: this.network,
      encryptionKey: this.key,
      logRetentionDays: config.logRetentionDays,
      // Every role the account's functions log in as; never the master user.
      users: databaseUsers(functionSettings),
      // database-admin logs in as the migrator at the instance only, never through the proxy.
      instanceUsers: [DB_MIGRATION_USER],
    });
    this.uploads = new UploadsBucket(this, 'Uploads', {
      bucketName: `${config.organisation}-uploads-${config.accountId}-${config.region}`,
      encryptionKey: this.key,
      corsAllowedOrigins: config.storage.corsAllowedOrigins,
    });
    this.events = new SoftwareEventsTable(this, 'SoftwareEvents', {
      encryptionKey: this.key,
      // The account's one switch for protecting stored data from deletion (off in dev).
      deletionProtection: config.database.deletionProtection,
    });
    this.eventsQueue = new EventQueue(this, 'SoftwareEventQueue', {
      queueName: 'software-update-events',
      encryptionKey: this.key,
      messageRetentionSeconds: config.queue.messageRetentionSeconds,
      maxReceiveCount: config.queue.maxReceiveCount,
    });
    const artifacts = props.artifacts ?? readBuildManifest();
    this.functions = new FunctionFleet(this, 'Functions', {
      functions: functionSettings,
      artifacts,
      artifactRoot: REPO_ROOT,
      accountId: config.accountId,
      region: config.region,
      encryptionKey: this.key,
      logRetentionDays: config.logRetentionDays,
      network: this.network,
      database: this.database,
      uploads: this.uploads,
      events: this.events,
      eventQueue: this.eventsQueue,
      presignedUrlExpirySeconds: config.storage.presignedUrlExpirySeconds,
      maxUploadBytes: config.storage.maxUploadBytes,
    });
    const driverLayer = this.functions.layers.get('pg-driver');
    if (!driverLayer) throw new Error('MainStack: no function uses the pg-driver layer, which database-admin needs; run `npm run build`');
    this.databaseAdmin = new DatabaseAdmin(this, 'DatabaseAdmin', {
      network: this.network,
      database: this.database,
      functionRoles: databaseUsers(functionSettings),
      driverLayer,
      artifact: artifacts.databaseAdmin,
      artifactRoot: REPO_ROOT,
      encryptionKey: this.key,
      logRetentionDays: config.logRetentionDays,
      accountId: config.accountId,
      region: config.region,
    });

    const functionsByName = Object.fromEntries(FUNCTION_NAMES.map((name) => [name, this.functions.get(name)]));
    this.api = new RestApi(this, 'Api', {
      apiName: `${config.organisation}-api`,
      routes: HTTP_ROUTES,
      targets: functionsByName,
      auth: config.api.auth,
      throttleRateLimitPerSecond: config.api.throttleRateLimit,
      throttleBurstLimit: config.api.throttleBurstLimit,
      loggingLevel: config.api.loggingLevel,
      logRetentionDays: config.logRetentionDays,
      encryptionKey: this.key,
      logging: new ApiGatewayLogging(this, 'ApiGatewayLogging'),
    });
    this.webAcl = new WebAcl(this, 'WebAcl', {
      webAclName: `${config.organisation}-api`,
      rateLimitPer5Minutes: config.waf.rateLimitPer5Minutes,
      hostingProviderIps: config.waf.hostingProviderIps,
      associatedResourceArn: this.api.stageArn,
      accountId: config.accountId,
      region: config.region,
      logRetentionDays: config.logRetentionDays,
      encryptionKey: this.key,
    });
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      topicName: `${config.organisation}-alarms`,
      accountId: config.accountId,
      region: config.region,
      encryptionKey: this.key,
      emails: config.notifications.emails,
      slack: config.notifications.slack,
    });
    this.alarms = new Alarms(this, 'Alarms', { alarmTopic: this.alarmTopic, thresholds: config.alarms });
    // Function and queue names are resource attributes, so alarms are labelled by catalogue name.
    for (const name of FUNCTION_NAMES) {
      const fn = this.functions.get(name);
      this.alarms.alarmOnFunction(fn, name);
      if (fn.deadLetterQueueName) this.alarms.alarmOnDeadLetterQueue(fn.metricDeadLetterQueueMessagesVisible(), name);
    }
    this.alarms.alarmOnDeadLetterQueue(this.eventsQueue.metricDeadLetterQueueMessagesVisible(), 'software-update-events');
    this.alarms.alarmOnApi(this.api);
    this.alarms.alarmOnDatabase(this.database, 'postgres');
    this.alarms.alarmOnWebAcl(this.webAcl);
    this.delivery = new FunctionDelivery(this, 'Delivery', {
      applicationName: deliveryApplicationName(config),
      accountId: config.accountId,
      region: config.region,
      functions: functionSettings.map((fn) => ({
        name: fn.name,
        resource: this.functions.get(fn.name),
        strategy: fn.deploymentStrategy,
      })),
      thresholds: config.alarms,
      notificationTopic: this.alarmTopic,
      encryptionKey: this.key,
      hooksArtifact: artifacts.deploymentHooks,
      artifactRoot: REPO_ROOT,
      logRetentionDays: config.logRetentionDays,
      testRunner: { name: POST_TRAFFIC_TARGET, resource: this.functions.get(POST_TRAFFIC_TARGET) },
    });
    new Dashboard(this, 'Dashboard', {
      dashboardName: `${config.organisation}-overview`,
      region: config.region,
      api: this.api,
      functions: FUNCTION_NAMES.map((name) => functionsByName[name]),
      database: this.database,
      queueDepths: [
        this.eventsQueue.metricApproximateNumberOfMessagesVisible(),
        this.eventsQueue.metricDeadLetterQueueMessagesVisible(),
        ...FUNCTION_NAMES.flatMap((name) => (functionsByName[name].deadLetterQueueName ? [functionsByName[name].metricDeadLetterQueueMessagesVisible()] : [])),
      ],
      webAcl: this.webAcl,
    });
    applyAccountSuppressions(this, config.suppressions, accountFile);
  }
}
