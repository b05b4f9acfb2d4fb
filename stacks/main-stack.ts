import { Construct } from 'constructs';
import type { AccountConfig } from '../environments/schema';
import { EncryptionKey } from '../constructs/encryption-key';
import { EventQueue } from '../constructs/event-queue';
import { FunctionFleet } from '../constructs/function-fleet';
import { Network } from '../constructs/network';
import { PostgresDatabase } from '../constructs/postgres-database';
import { SoftwareEventsTable } from '../constructs/software-events-table';
import { UploadsBucket } from '../constructs/uploads-bucket';
import { type BuildManifest, readBuildManifest, REPO_ROOT } from '../lambda-functions/build-manifest';
import { resolveFunctionSettings } from '../lambda-functions/function-settings';
import { AccountStack } from './account-stack';

export interface MainStackProps {
  readonly config: AccountConfig;
  /** The built function and layer zips. Default: .build/manifest.json (written by `npm run build`). */
  readonly artifacts?: BuildManifest;
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

  constructor(scope: Construct, id: string, props: MainStackProps) {
    super(scope, id, { config: props.config, unit: 'main' });
    const { config } = props;
    this.key = new EncryptionKey(this, 'PlatformKey', {
      alias: 'platform',
      description: `Customer-managed key for ${config.name} data at rest`,
      accountId: config.accountId,
      region: config.region,
    });

    this.network = new Network(this, 'Network', {
      ...config.network,
      name: config.name,
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
    this.functions = new FunctionFleet(this, 'Functions', {
      functions: resolveFunctionSettings(config),
      artifacts: props.artifacts ?? readBuildManifest(),
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
  }
}
