import type { FunctionName } from '.';

/**
 * What a catalogue entry is made of: the shape of every function (FunctionSpec), the permissions,
 * triggers and settings sources it may name, and the platform pieces (layers, shared modules) it
 * may use. The entries themselves are catalogue/functions/<name>.ts; catalogue/index.ts lists them.
 */

export type Architecture = 'arm64' | 'x86_64';

/** The layers functions may use; each has lambda-functions/layers/<name>/requirements.txt. */
export const LAYER_NAMES = ['pg-driver'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

/** Where the build puts the RDS certificate authorities in the pg-driver layer's zip. */
export const RDS_CA_BUNDLE_LAYER_FILE = 'python/rds-ca-bundle.pem';
/**
 * The same file in Lambda: layers are extracted into /opt
 * (https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html).
 */
export const RDS_CA_BUNDLE_RUNTIME_PATH = `/opt/${RDS_CA_BUNDLE_LAYER_FILE}`;

/**
 * Python modules of lambda-functions/shared/ (that folder is never a function): platform_log is
 * the JSON logger every handler uses, platform_db the PostgreSQL connection of the database
 * functions, platform_http the request body parsing and JSON responses of the HTTP functions,
 * platform_migrations the database schema and the functions' database roles (applied by database-admin,
 * catalogue/database-admin.ts; lambda-test-runner reads its list of migrations).
 * The build copies each listed module flat next to handler.py, so `import platform_log` works in
 * Lambda as in the tests.
 */
export const SHARED_MODULES = ['platform_log', 'platform_db', 'platform_http', 'platform_migrations'] as const;
export type SharedModule = (typeof SHARED_MODULES)[number];

/**
 * A permission a function needs, named by what it does to which resource of the account. The
 * stack maps each onto the owning construct's grantXxx() method, so resources are always ARNs.
 */
export type Grant =
  /** s3:GetObject on the uploads bucket, under a key prefix. */
  | { readonly kind: 'bucket-read'; readonly prefix: string }
  /** s3:PutObject on the uploads bucket, under a key prefix. */
  | { readonly kind: 'bucket-put'; readonly prefix: string }
  /** s3:ListBucket / HeadBucket on the uploads bucket; with a prefix, only for keys under it. */
  | { readonly kind: 'bucket-list'; readonly prefix?: string }
  /** Item reads and writes on the software events table. */
  | { readonly kind: 'table-read-write' }
  /** dynamodb:DescribeTable on the software events table. */
  | { readonly kind: 'table-describe' }
  /** Receive and delete messages of the software event queue (event source mapping). */
  | { readonly kind: 'queue-consume' }
  /** sqs:GetQueueAttributes on the software event queue. */
  | { readonly kind: 'queue-read-attributes' }
  /**
   * Log in to PostgreSQL as the role `user` with an IAM token: rds-db:connect on exactly that
   * database user, at the instance or, when there is one, at the RDS Proxy. Never the master user.
   */
  | { readonly kind: 'db-login'; readonly user: string }
  /** cloudwatch:PutMetricData, limited to one namespace by condition. */
  | { readonly kind: 'cloudwatch-put-metric'; readonly namespace: string };

/** What invokes a function. HTTP routes are listed in HTTP_ROUTES, used by the API. */
export type Trigger =
  | { readonly kind: 'http' }
  | { readonly kind: 'schedule'; readonly scheduleExpression: string }
  | {
      readonly kind: 'queue';
      readonly batchSize: number;
      readonly maximumBatchingWindowSeconds: number;
    }
  /** Invoked directly (by the deploy workflow after an apply). */
  | { readonly kind: 'manual' };

/**
 * Where an environment variable's value comes from. Literals are plain strings; everything
 * account-specific is a reference resolved by the stack. Never a secret: no function gets a
 * password, only IAM tokens it makes itself.
 */
export type EnvironmentSource =
  | 'db-host'
  | 'db-port'
  | 'db-name'
  /**
   * What the server certificate is verified against: the RDS CA bundle of the pg-driver layer for
   * the instance, `system` (the runtime's trust store) for an RDS Proxy, whose certificate is
   * issued by ACM under the Amazon Trust Services roots.
   */
  | 'db-ssl-root-cert'
  | 'bucket-name'
  | 'table-name'
  | 'queue-url'
  | 'presigned-url-expiry-seconds'
  | 'max-upload-bytes';

export type EnvironmentValue = string | { readonly from: EnvironmentSource };

/**
 * The harmless request the pre-traffic hook (lambda-functions/deployment-hooks) sends to a new
 * version before CodeDeploy moves any traffic to it. It exercises the new code (imports, parsing,
 * its own settings and, where it only reads, its data path) without changing data a caller would
 * see. The invocation passes when it raises nothing (no FunctionError), the response has every
 * field of `expect` with exactly that value and every key of `expectKeys`.
 */
export interface DryRun {
  readonly event: Readonly<Record<string, unknown>>;
  /** Fields the response must have with exactly these values. Default: none. */
  readonly expect?: Readonly<Record<string, unknown>>;
  /** Keys the response must have, whatever their values. Default: none. */
  readonly expectKeys?: readonly string[];
}


export interface FunctionSpec {
  readonly name: FunctionName;
  readonly description: string;
  /** module.function inside the zip. */
  readonly handler: string;
  readonly runtime: string;
  readonly architecture: Architecture;
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number;
  /** Runs in the private subnets with the Lambda security group (needed to reach RDS). */
  readonly vpc: boolean;
  readonly layers: readonly LayerName[];
  /** The shared modules handler.py imports; the zip holds exactly these besides the function's own files. */
  readonly sharedModules: readonly SharedModule[];
  readonly trigger: Trigger;
  /** Besides POWERTOOLS_SERVICE_NAME and LOG_LEVEL, which every function gets. */
  readonly environment: Readonly<Record<string, EnvironmentValue>>;
  readonly grants: readonly Grant[];
  /** What the pre-traffic hook sends a new version, and what it must answer. */
  readonly dryRun: DryRun;
}

export interface HttpRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly functionName: FunctionName;
  readonly operationId: string;
  readonly summary: string;
  readonly requestBodySchema?: Readonly<Record<string, unknown>>;
}

