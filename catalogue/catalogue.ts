/**
 * The function catalogue: the one source of truth for every Lambda function of this repository.
 * Each entry says what the function is, how it is sized by default (the staging values of
 * shared/DESIGN.md; accounts turn them down in environments/accounts/<account>.ts under
 * `functions.<name>`), where it runs, what triggers it, which environment variables it gets and
 * exactly which permissions it needs. Stacks turn entries into resources; the build turns the
 * folder lambda-functions/<name>/ plus the shared modules it lists into a zip. Adding a function
 * is adding an entry here and a folder with handler.py (see the README).
 */

export const FUNCTION_NAMES = [
  'api-docs-generator',
  'generate-presigned-url',
  'insert-ppu-data',
  'lambda-test-runner',
  'presigned-url-s3-upload',
  'software-event-update-handler',
  'sync-clock',
] as const;

export type FunctionName = (typeof FUNCTION_NAMES)[number];

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

/** An API Gateway REST (payload 1.0) proxy request, as the API sends them. */
function apiRequest(httpMethod: 'GET' | 'POST', path: string, body?: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  return { httpMethod, path, headers: {}, body: body === undefined ? null : JSON.stringify(body), isBase64Encoded: false };
}

/** Object key the generate-presigned-url dry run asks for; it never exists, so the answer is S3's 404. */
export const DRY_RUN_MISSING_KEY = 'downloads/codedeploy-dry-run/absent';

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

/** The runtime every function uses unless it has a reason not to. */
export const DEFAULT_RUNTIME = 'python3.12';

const HANDLER = 'handler.handler';

/**
 * The PostgreSQL role the migrations run as: it owns the tables and creates the functions' roles
 * (lambda-functions/shared/platform_migrations.py MIGRATION_ROLE). Only database-admin logs in as it, and
 * its bootstrap creates it; no catalogue function may.
 */
export const DB_MIGRATION_USER = 'ppu_migrator';

/**
 * Connection settings of a database function that logs in as the PostgreSQL role `user`; the IAM
 * token is made at run time, never passed. Each role's privileges are platform_migrations.FUNCTION_ROLE_GRANTS.
 */
function databaseEnvironment(user: string): Readonly<Record<string, EnvironmentValue>> {
  return {
    DB_HOST: { from: 'db-host' },
    DB_PORT: { from: 'db-port' },
    DB_NAME: { from: 'db-name' },
    DB_USER: user,
    DB_SSL_ROOT_CERT: { from: 'db-ssl-root-cert' },
  };
}

/** Object keys the presigned URLs are confined to. */
export const DOWNLOAD_PREFIX = 'downloads/';
export const UPLOAD_PREFIX = 'uploads/';

export const SYNC_CLOCK_METRIC_NAMESPACE = 'PPU/SyncClock';

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'api-docs-generator',
    description: "Serves the API's OpenAPI document",
    handler: HANDLER,
    runtime: DEFAULT_RUNTIME,
    architecture: 'arm64',
    memoryMiB: 512,
    // The design's 30 s is more than API Gateway waits (29 s; catalogue-schema.ts).
    timeoutSeconds: 29,
    reservedConcurrency: 5,
    vpc: false,
    layers: [],
    sharedModules: ['platform_log', 'platform_http'],
    trigger: { kind: 'http' },
    environment: {},
    grants: [],
    // Serving the bundled document reads nothing else.
    dryRun: { event: apiRequest('GET', '/openapi'), expect: { statusCode: 200 } },
  },
  {
    name: 'generate-presigned-url',
    description: 'Returns a presigned S3 download URL',
    handler: HANDLER,
    runtime: DEFAULT_RUNTIME,
    architecture: 'arm64',
    memoryMiB: 128,
    timeoutSeconds: 10,
    reservedConcurrency: 20,
    vpc: false,
    layers: [],
    sharedModules: ['platform_log', 'platform_http'],
    trigger: { kind: 'http' },
    environment: {
      BUCKET_NAME: { from: 'bucket-name' },
      URL_EXPIRY_SECONDS: { from: 'presigned-url-expiry-seconds' },
    },
    // A presigned URL carries the signer's permissions, so the role may read only downloads/. Listing
    // downloads/ lets S3 answer HeadObject of a missing key with 404 (without it: 403, no telling).
    grants: [
      { kind: 'bucket-read', prefix: DOWNLOAD_PREFIX },
      { kind: 'bucket-list', prefix: DOWNLOAD_PREFIX },
    ],
    // HeadObject of a key that never exists: proves the role and bucket path, presigns nothing.
    dryRun: { event: apiRequest('POST', '/files/download-url', { key: DRY_RUN_MISSING_KEY }), expect: { statusCode: 404 } },
  },
  {
    name: 'insert-ppu-data',
    description: 'Validates and inserts PPU records into PostgreSQL',
    handler: HANDLER,
    runtime: DEFAULT_RUNTIME,
    architecture: 'arm64',
    memoryMiB: 1024,
    timeoutSeconds: 6,
    // Bounded so a burst cannot exhaust the database's connections.
    reservedConcurrency: 10,
    vpc: true,
    layers: ['pg-driver'],
    sharedModules: ['platform_log', 'platform_db', 'platform_http'],
    trigger: { kind: 'http' },
    environment: databaseEnvironment('insert_ppu_data'),
    grants: [{ kind: 'db-login', user: 'insert_ppu_data' }],
    // Refused by validation before the database is touched: nothing is stored.
    dryRun: { event: apiRequest('POST', '/ppu-data', { records: [] }), expect: { statusCode: 400 } },
  },
  {
    name: 'lambda-test-runner',
    description: 'Post-deploy checks of the database, bucket, table and queue',
    handler: HANDLER,
    runtime: DEFAULT_RUNTIME,
    architecture: 'arm64',
    memoryMiB: 1024,
    timeoutSeconds: 300,
    reservedConcurrency: 1,
    vpc: true,
    layers: ['pg-driver'],
    sharedModules: ['platform_log', 'platform_db', 'platform_migrations'],
    trigger: { kind: 'manual' },
    environment: {
      ...databaseEnvironment('lambda_test_runner'),
      BUCKET_NAME: { from: 'bucket-name' },
      TABLE_NAME: { from: 'table-name' },
      QUEUE_URL: { from: 'queue-url' },
    },
    // Checks only look: they read schema_migrations as its own role, list the bucket, describe the
    // table and read queue attributes. Every release's post-traffic hook runs them, so the role may
    // neither migrate nor touch a secret: that is database-admin's (catalogue/database-admin.ts).
    grants: [
      { kind: 'db-login', user: 'lambda_test_runner' },
      { kind: 'bucket-list' },
      { kind: 'table-describe' },
      { kind: 'queue-read-attributes' },
    ],
    // Its checks only read.
    dryRun: { event: {}, expect: { passed: true } },
  },
  {
    name: 'presigned-url-s3-upload',
    description: 'Returns a presigned S3 upload URL',
    handler: HANDLER,
    runtime: DEFAULT_RUNTIME,
    architecture: 'arm64',
    memoryMiB: 128,
    timeoutSeconds: 10,
    reservedConcurrency: 20,
    vpc: false,
    layers: [],
    sharedModules: ['platform_log', 'platform_http'],
    trigger: { kind: 'http' },
    environment: {
      BUCKET_NAME: { from: 'bucket-name' },
      URL_EXPIRY_SECONDS: { from: 'presigned-url-expiry-seconds' },
      MAX_UPLOAD_BYTES: { from: 'max-upload-bytes' },
      ALLOWED_CONTENT_TYPES: 'application/json,application/octet-stream,application/zip,text/csv',
    },
    grants: [{ kind: 'bucket-put', prefix: UPLOAD_PREFIX }],
    // Signing is local: a URL nobody uses, no object written.
    dryRun: { event: apiRequest('POST', '/files/upload-url', { fileName: 'codedeploy-dry-run.csv', contentType: 'text/csv' }), expect: { statusCode: 200 } },
  },
  {
    name: 'software-event-update-handler',
    description: 'Consumes software update events from SQS into DynamoDB',
    handler: HANDLER,
    runtime: DEFAULT_RUNTIME,
    architecture: 'arm64',
    memoryMiB: 128,
    timeoutSeconds: 10,
    reservedConcurrency: 5,
    vpc: false,
    layers: [],
    sharedModules: ['platform_log'],
    trigger: { kind: 'queue', batchSize: 10, maximumBatchingWindowSeconds: 5 },
    environment: { TABLE_NAME: { from: 'table-name' } },
    grants: [{ kind: 'queue-consume' }, { kind: 'table-read-write' }],
    // An empty batch: nothing to write, nothing failed.
    dryRun: { event: { Records: [] }, expect: { batchItemFailures: [] } },
  },
  {
    name: 'sync-clock',
    description: 'Scheduled check of the database clock against the Lambda clock',
    handler: HANDLER,
    runtime: DEFAULT_RUNTIME,
    architecture: 'arm64',
    memoryMiB: 128,
    timeoutSeconds: 3,
    // One run at a time: overlapping checks would only measure each other.
    reservedConcurrency: 1,
    vpc: true,
    layers: ['pg-driver'],
    sharedModules: ['platform_log', 'platform_db'],
    trigger: { kind: 'schedule', scheduleExpression: 'rate(5 minutes)' },
    environment: { ...databaseEnvironment('sync_clock'), METRIC_NAMESPACE: SYNC_CLOCK_METRIC_NAMESPACE },
    grants: [{ kind: 'db-login', user: 'sync_clock' }, { kind: 'cloudwatch-put-metric', namespace: SYNC_CLOCK_METRIC_NAMESPACE }],
    // One extra clock measurement: a read of the database clock and one metric data point.
    dryRun: { event: { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, expectKeys: ['driftMilliseconds'] },
  },
];

const PPU_RECORD_SCHEMA = {
  type: 'object',
  required: ['deviceId', 'recordedAt', 'units'],
  additionalProperties: false,
  properties: {
    deviceId: { type: 'string', minLength: 1, maxLength: 128 },
    recordedAt: { type: 'string', format: 'date-time' },
    units: { type: 'number', minimum: 0 },
    softwareVersion: { type: 'string', minLength: 1, maxLength: 64 },
  },
};

export const HTTP_ROUTES: readonly HttpRoute[] = [
  {
    method: 'GET',
    path: '/openapi',
    functionName: 'api-docs-generator',
    operationId: 'getOpenApiDocument',
    summary: "Returns this API's OpenAPI document",
  },
  {
    method: 'POST',
    path: '/files/download-url',
    functionName: 'generate-presigned-url',
    operationId: 'createDownloadUrl',
    summary: 'Returns a presigned URL to download a file',
    requestBodySchema: {
      type: 'object',
      required: ['key'],
      additionalProperties: false,
      properties: { key: { type: 'string', minLength: 1, maxLength: 1024 } },
    },
  },
  {
    method: 'POST',
    path: '/files/upload-url',
    functionName: 'presigned-url-s3-upload',
    operationId: 'createUploadUrl',
    summary: 'Returns a presigned URL to upload a file',
    requestBodySchema: {
      type: 'object',
      required: ['fileName', 'contentType'],
      additionalProperties: false,
      properties: {
        fileName: { type: 'string', minLength: 1, maxLength: 255 },
        contentType: { type: 'string' },
        contentLength: { type: 'integer', minimum: 1 },
      },
    },
  },
  {
    method: 'POST',
    path: '/ppu-data',
    functionName: 'insert-ppu-data',
    operationId: 'insertPpuData',
    summary: 'Validates and stores PPU records',
    requestBodySchema: {
      type: 'object',
      required: ['records'],
      additionalProperties: false,
      properties: { records: { type: 'array', minItems: 1, maxItems: 500, items: PPU_RECORD_SCHEMA } },
    },
  },
];

/** The PostgreSQL roles these functions log in as (db-login grants), each once, in catalogue order. */
export function databaseUsers(functions: readonly Pick<FunctionSpec, 'grants'>[]): string[] {
  return [...new Set(functions.flatMap((fn) => fn.grants.flatMap((grant) => (grant.kind === 'db-login' ? [grant.user] : []))))];
}

export function isFunctionName(value: string): value is FunctionName {
  return (FUNCTION_NAMES as readonly string[]).includes(value);
}
