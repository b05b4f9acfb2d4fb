import * as path from 'node:path';
import { Construct } from 'constructs';
import { type EnvironmentValue, type FunctionName, type Grant, type LayerName, RDS_CA_BUNDLE_RUNTIME_PATH } from '../catalogue';
import type { BuildManifest } from '../build/build-manifest';
import type { FunctionSettings } from '../catalogue/function-settings';
import type { EncryptionKey } from './encryption-key';
import type { IGrantee } from './iam';
import { PythonFunction } from './python-function';
import { PythonLayer } from './python-layer';
import { ConstructPropsError } from './construct-props-error';

/** What the fleet needs of the network (Network satisfies it). */
export interface FleetNetwork {
  readonly privateSubnetIds: readonly string[];
  readonly lambdaSecurityGroupId: string;
}

/** What the fleet needs of the database (PostgresDatabase satisfies it). */
export interface FleetDatabase {
  readonly connectHost: string;
  readonly port: number;
  readonly databaseName: string;
  /** Set when an RDS Proxy (which requires IAM authentication) fronts the database. */
  readonly proxyEndpoint?: string;
  grantConnect(grantee: IGrantee, dbUser: string): void;
}

/** What the fleet needs of the uploads bucket (UploadsBucket satisfies it). */
export interface FleetBucket {
  readonly bucketName: string;
  grantRead(grantee: IGrantee, keyPrefix?: string): void;
  grantPut(grantee: IGrantee, keyPrefix?: string): void;
  grantList(grantee: IGrantee, keyPrefix?: string): void;
}

/** What the fleet needs of the events table (SoftwareEventsTable satisfies it). */
export interface FleetTable {
  readonly tableName: string;
  readonly tableArn: string;
  grantReadWrite(grantee: IGrantee): void;
}

/** What the fleet needs of the event queue (EventQueue satisfies it). */
export interface FleetQueue {
  readonly queueArn: string;
  readonly queueUrl: string;
  readonly visibilityTimeoutSeconds: number;
  grantConsume(grantee: IGrantee): void;
}

export interface FunctionFleetProps {
  /** The account's functions: catalogue entries with its overrides (resolveFunctionSettings). */
  readonly functions: readonly FunctionSettings[];
  /** The built zips (.build/manifest.json). */
  readonly artifacts: BuildManifest;
  /** Folder the manifest's zip paths are relative to (the repository root). */
  readonly artifactRoot: string;
  readonly accountId: string;
  readonly region: string;
  readonly encryptionKey: EncryptionKey;
  readonly logRetentionDays: number;
  readonly network: FleetNetwork;
  readonly database: FleetDatabase;
  readonly uploads: FleetBucket;
  readonly events: FleetTable;
  readonly eventQueue: FleetQueue;
  readonly presignedUrlExpirySeconds: number;
  readonly maxUploadBytes: number;
}

const LAYER_DESCRIPTIONS: Readonly<Record<LayerName, string>> = {
  'pg-driver': 'pg8000 PostgreSQL driver (pure Python) and its dependencies',
};

/** Construct ids from catalogue names: stable, and a rename is a visible change. */
const constructId = (name: string): string => name.replace(/(^|-)([a-z0-9])/g, (_m, _dash, c: string) => c.toUpperCase());

/**
 * Every function of the catalogue in one account: the shared layers once, then one
 * PythonFunction per entry with its sizes, VPC placement, layers, trigger, environment and
 * exactly the catalogue's grants mapped onto the data constructs' grantXxx methods.
 */
export class FunctionFleet extends Construct {
  readonly layers: ReadonlyMap<LayerName, PythonLayer>;
  private readonly byName = new Map<FunctionName, PythonFunction>();

  constructor(scope: Construct, id: string, props: FunctionFleetProps) {
    super(scope, id);
    const layers = new Map<LayerName, PythonLayer>();
    for (const [name, record] of Object.entries(props.artifacts.layers) as [LayerName, BuildManifest['layers'][LayerName]][]) {
      const users = props.functions.filter((fn) => fn.layers.includes(name));
      if (users.length === 0) continue;
      layers.set(
        name,
        new PythonLayer(this, constructId(name), {
          layerName: name,
          description: LAYER_DESCRIPTIONS[name],
          zipPath: path.resolve(props.artifactRoot, record.zip),
          zipSha256: record.sha256,
          // An account may move a function to a newer runtime; the pure-Python layer still fits.
          compatibleRuntimes: [...new Set([...record.compatibleRuntimes, ...users.map((fn) => fn.runtime)])].sort(),
          compatibleArchitectures: record.compatibleArchitectures,
        }),
      );
    }
    this.layers = layers;

    for (const spec of props.functions) {
      const artifact = props.artifacts.functions[spec.name];
      if (!artifact) throw new ConstructPropsError(`FunctionFleet: ${spec.name} is not in the build manifest; run \`npm run build\``);
      const trigger = spec.trigger;
      if (trigger.kind === 'queue' && props.eventQueue.visibilityTimeoutSeconds < spec.timeoutSeconds) {
        throw new ConstructPropsError(
          `FunctionFleet: ${spec.name} times out after ${spec.timeoutSeconds} s but its queue's visibility timeout is ${props.eventQueue.visibilityTimeoutSeconds} s; ` +
            'raise the visibility timeout (AWS recommends 6x the function timeout) or lower the timeout',
        );
      }
      const fn = new PythonFunction(this, constructId(spec.name), {
        functionName: spec.name,
        description: spec.description,
        handler: spec.handler,
        runtime: spec.runtime,
        architecture: spec.architecture,
        memoryMiB: spec.memoryMiB,
        timeoutSeconds: spec.timeoutSeconds,
        reservedConcurrency: spec.reservedConcurrency,
        zipPath: path.resolve(props.artifactRoot, artifact.zip),
        zipSha256: artifact.sha256,
        environment: Object.fromEntries(Object.entries(spec.environment).map(([key, value]) => [key, environmentValue(value, props)])),
        layers: spec.layers.map((name) => {
          const layer = layers.get(name);
          if (!layer) throw new ConstructPropsError(`FunctionFleet: ${spec.name} uses layer ${name}, which is not in the build manifest; run \`npm run build\``);
          return layer;
        }),
        vpc: spec.vpc ? { subnetIds: props.network.privateSubnetIds, securityGroupIds: [props.network.lambdaSecurityGroupId] } : undefined,
        encryptionKey: props.encryptionKey,
        logRetentionDays: props.logRetentionDays,
        accountId: props.accountId,
        region: props.region,
        schedule: trigger.kind === 'schedule' ? { scheduleExpression: trigger.scheduleExpression } : undefined,
        // Releases go through CodeDeploy (FunctionDelivery): Terraform publishes, CodeDeploy shifts.
        aliasVersionOwner: 'codedeploy',
        queueTrigger:
          trigger.kind === 'queue'
            ? { queueArn: props.eventQueue.queueArn, batchSize: trigger.batchSize, maximumBatchingWindowSeconds: trigger.maximumBatchingWindowSeconds }
            : undefined,
      });
      for (const grant of spec.grants) applyGrant(grant, fn, props);
      this.byName.set(spec.name, fn);
    }
  }

  /** The function of that catalogue name. */
  get(name: FunctionName): PythonFunction {
    const fn = this.byName.get(name);
    if (!fn) throw new ConstructPropsError(`FunctionFleet: no function '${name}'; functions: ${[...this.byName.keys()].join(', ')}`);
    return fn;
  }

  /** Every function, in catalogue order. */
  all(): readonly PythonFunction[] {
    return [...this.byName.values()];
  }
}

function environmentValue(value: EnvironmentValue, props: FunctionFleetProps): string {
  if (typeof value === 'string') return value;
  switch (value.from) {
    case 'db-host':
      return props.database.connectHost;
    case 'db-port':
      return String(props.database.port);
    case 'db-name':
      return props.database.databaseName;
    case 'db-ssl-root-cert':
      // RDS Proxy presents an ACM certificate under the Amazon Trust Services roots, which the
      // runtime trusts; the instance's certificate chains to an RDS CA, which it does not.
      // https://docs.aws.amazon.com/prescriptive-guidance/latest/amazon-rds-proxy/best-practices.html
      return props.database.proxyEndpoint ? 'system' : RDS_CA_BUNDLE_RUNTIME_PATH;
    case 'bucket-name':
      return props.uploads.bucketName;
    case 'table-name':
      return props.events.tableName;
    case 'queue-url':
      return props.eventQueue.queueUrl;
    case 'presigned-url-expiry-seconds':
      return String(props.presignedUrlExpirySeconds);
    case 'max-upload-bytes':
      return String(props.maxUploadBytes);
  }
}

function applyGrant(grant: Grant, fn: PythonFunction, props: FunctionFleetProps): void {
  switch (grant.kind) {
    case 'bucket-read':
      return props.uploads.grantRead(fn, grant.prefix);
    case 'bucket-put':
      return props.uploads.grantPut(fn, grant.prefix);
    case 'bucket-list':
      return props.uploads.grantList(fn, grant.prefix);
    case 'table-read-write':
      return props.events.grantReadWrite(fn);
    case 'table-describe':
      return fn.addToPrincipalPolicy({ sid: 'DescribeEventsTable', actions: ['dynamodb:DescribeTable'], resources: [props.events.tableArn] });
    case 'queue-consume':
      return props.eventQueue.grantConsume(fn);
    case 'queue-read-attributes':
      return fn.addToPrincipalPolicy({ sid: 'ReadEventQueueAttributes', actions: ['sqs:GetQueueAttributes'], resources: [props.eventQueue.queueArn] });
    case 'db-login':
      return props.database.grantConnect(fn, grant.user);
    case 'cloudwatch-put-metric':
      // PutMetricData has no resource-level permissions; the namespace condition is the scope.
      return fn.addToPrincipalPolicy({
        sid: 'PutMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': grant.namespace } },
      });
  }
}
