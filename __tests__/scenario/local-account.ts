import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { AccountConfig } from '../../environments/schema';
import { deliveryApplicationName } from '../../environments/deployment-strategies';
import { alarmsOf, CloudWatchModel } from './cloudwatch-alarms';
import { CodeDeployStandIn, type DeploymentGroup } from './codedeploy-stand-in';
import { LambdaStandIn } from './lambda-stand-in';
import { ScenarioClock } from './scenario-clock';

/**
 * One AWS account on 127.0.0.1 for the scenario: the data services (a Python process,
 * lambda-functions/testing/scenario_services.py: PostgreSQL as RDS creates it, Secrets Manager, SQS,
 * S3, DynamoDB, CloudWatch PutMetricData) and the delivery services (Lambda, CodeDeploy and
 * CloudWatch alarms, this folder), all built from the account's synthesized stack.
 *
 * `apply()` is what `cdktf deploy` does to the functions: every aws_lambda_function of the stack
 * gets its code (the build's staged folder of its zip), configuration and reserved concurrency, and
 * a new version when they changed (publish = true); the `live` alias is created on the first apply
 * and left to CodeDeploy afterwards (the stack's ignore_changes).
 */

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const BUILD = path.join(REPO_ROOT, '.build');
const LAYER_PYTHON = path.join(BUILD, 'layers', 'pg-driver', 'python');
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

interface ServicesDescription {
  readonly database: { host: string; port: number; proxyPort: number; name: string; caFile: string };
  readonly superuser: [string, string];
  readonly endpoints: Record<'secretsmanager' | 'sqs' | 'cloudwatch' | 's3' | 'dynamodb', string>;
}

/** The Python process holding the data services; commands are JSON lines. */
class DataServices {
  private readonly child: ChildProcess;
  private buffered = '';
  private counter = 0;
  private readonly pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  private readonly log: string[] = [];

  constructor(spec: Record<string, unknown>) {
    this.child = spawn(PYTHON, ['-m', 'testing.scenario_services'], {
      cwd: path.join(REPO_ROOT, 'lambda-functions'),
      env: { ...process.env, ...CREDENTIALS, PYTHONDONTWRITEBYTECODE: '1', AWS_DEFAULT_REGION: 'eu-west-1', PYTHONPATH: LAYER_PYTHON, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr?.on('data', (chunk: Buffer) => this.log.push(chunk.toString()));
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString();
      let newline: number;
      while ((newline = this.buffered.indexOf('\n')) >= 0) {
        const answer = JSON.parse(this.buffered.slice(0, newline));
        this.buffered = this.buffered.slice(newline + 1);
        const waiter = this.pending.get(answer.id);
        this.pending.delete(answer.id);
        if (answer.error) waiter?.reject(new Error(answer.error));
        else waiter?.resolve(answer.result);
      }
    });
    this.child.on('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`the data services exited (${code}): ${this.log.join('').slice(-3000)}`));
      this.pending.clear();
    });
    this.child.stdin?.write(`${JSON.stringify(spec)}\n`);
  }

  started(): Promise<ServicesDescription> {
    return new Promise((resolve, reject) => this.pending.set(0, { resolve, reject }));
  }

  call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.counter;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin?.write(`${JSON.stringify({ id, command, ...args })}\n`);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin?.end();
    });
  }
}

type Resources = Record<string, Record<string, Record<string, any>>>;

export class LocalAccount {
  readonly clock = new ScenarioClock();
  readonly cloudwatch: CloudWatchModel;
  readonly lambda: LambdaStandIn;
  readonly codedeploy: CodeDeployStandIn;
  /** The synthesized resources: type -> Terraform id -> arguments. */
  private readonly resources: Resources;
  private services?: DataServices;
  private described?: ServicesDescription;
  /** The Secrets Manager ARN of each aws_secretsmanager_secret (by resource id). */
  readonly secretArns: Record<string, string>;
  readonly masterSecretArn: string;
  readonly proxy: boolean;

  /** Every database login attempt of a function: [function, database user] (testing/rds_logins.py writes it). */
  private readonly loginLog: string;

  constructor(
    readonly account: AccountConfig,
    readonly stack: Record<string, any>,
    workDir: string,
  ) {
    this.loginLog = path.join(workDir, 'logins.tsv');
    this.resources = stack.resource as Resources;
    this.proxy = Object.keys(this.resources.aws_db_proxy ?? {}).length > 0;
    this.secretArns = Object.fromEntries(
      Object.entries(this.resources.aws_secretsmanager_secret ?? {}).map(([id, secret]) => [id, `arn:aws:secretsmanager:${account.region}:${account.accountId}:secret:${secret.name}-Ab12Cd`]),
    );
    this.masterSecretArn = `arn:aws:secretsmanager:${account.region}:${account.accountId}:secret:rds!db-scenario-Ab12Cd`;
    this.cloudwatch = new CloudWatchModel();
    this.clock.everyMinute((now) => this.cloudwatch.evaluate(now));
    this.lambda = new LambdaStandIn({
      python: PYTHON,
      clock: this.clock,
      cloudwatch: this.cloudwatch,
      region: account.region,
      accountId: account.accountId,
    });
    const groups = new Map<string, DeploymentGroup>();
    for (const group of Object.values(this.resources.aws_codedeploy_deployment_group ?? {})) {
      groups.set(group.deployment_group_name, {
        name: group.deployment_group_name,
        configName: group.deployment_config_name,
        alarms: { enabled: group.alarm_configuration?.enabled ?? false, alarms: group.alarm_configuration?.alarms ?? [] },
        autoRollbackEvents: group.auto_rollback_configuration?.enabled ? group.auto_rollback_configuration.events : [],
      });
    }
    this.codedeploy = new CodeDeployStandIn(deliveryApplicationName(account), groups, this.lambda, this.cloudwatch, this.clock);
  }

  private get database(): ServicesDescription['database'] {
    if (!this.described) throw new Error('the data services are not started');
    return this.described.database;
  }

  /** A Terraform reference (${type.id.attribute}) of the stack as its value in this local account. */
  resolve(value: string, where: string, strict = true): string {
    return value.replace(/\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)(\[0\]\.([a-z_]+))?\}/g, (whole, type: string, id: string, attribute: string, _index, nested: string | undefined) => {
      const resource = this.resources[type]?.[id];
      const key = nested ? `${attribute}.${nested}` : attribute;
      if (!resource) throw new Error(`${where}: ${whole} names no resource of the stack`);
      const value = this.attribute(type, id, resource, key) ?? (typeof resource[key] === 'string' ? resource[key] : undefined) ?? (strict ? undefined : whole);
      if (value === undefined) throw new Error(`${where}: the scenario does not model ${whole}; add it to LocalAccount.attribute`);
      return value;
    });
  }

  /**
   * A queue's URL as SQS gives it (and Terraform's aws_sqs_queue.url holds it):
   * https://sqs.<region>.amazonaws.com/<account id>/<queue name>
   * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-queue-message-identifiers.html).
   * The units outside the data unit build it from the name (constructs/event-queue.ts), so the
   * SQS stand-in knows each queue by this URL; requests reach it at AWS_ENDPOINT_URL_SQS, as an
   * SDK sends the queue URL to whatever endpoint it is configured with.
   */
  private queueUrl(name: string): string {
    return `https://sqs.${this.account.region}.amazonaws.com/${this.account.accountId}/${name}`;
  }

  private attribute(type: string, id: string, resource: Record<string, any>, key: string): string | undefined {
    switch (`${type}.${key}`) {
      case 'aws_db_instance.address':
      case 'aws_db_proxy.endpoint':
        return this.database.host;
      case 'aws_db_instance.port':
        return String(this.database.port);
      case 'aws_db_instance.master_user_secret.secret_arn':
        return this.masterSecretArn;
      case 'aws_s3_bucket.bucket':
        return resource.bucket;
      case 'aws_dynamodb_table.name':
        return resource.name;
      case 'aws_sqs_queue.url':
        return this.queueUrl(resource.name);
      case 'aws_sqs_queue.arn':
        return `arn:aws:sqs:${this.account.region}:${this.account.accountId}:${resource.name}`;
      case 'aws_secretsmanager_secret.arn':
        return this.secretArns[id];
      case 'aws_lambda_function.function_name':
        return resource.function_name;
      case 'aws_lambda_function.arn':
        return this.lambda.arn(resource.function_name);
      case 'aws_lambda_function.version':
        return this.lambda.functions.has(resource.function_name) ? this.lambda.versions(resource.function_name).at(-1) : undefined;
      default:
        return undefined;
    }
  }

  /** Starts the data services as a new account has them before its first apply creates the functions. */
  async start(): Promise<void> {
    const table = Object.values(this.resources.aws_dynamodb_table ?? {})[0];
    const queues = Object.values(this.resources.aws_sqs_queue ?? {});
    const [bucket] = Object.values(this.resources.aws_s3_bucket ?? {});
    const instance = Object.values(this.resources.aws_db_instance ?? {})[0];
    this.services = new DataServices({
      databaseName: instance.db_name,
      masterUser: instance.username ?? 'postgres_admin',
      masterSecretArn: this.masterSecretArn,
      // Terraform creates each per-user secret without a value (no aws_secretsmanager_secret_version).
      secretArns: Object.values(this.secretArns),
      bucket: bucket.bucket,
      table: {
        TableName: table.name,
        AttributeDefinitions: table.attribute.map((a: { name: string; type: string }) => ({ AttributeName: a.name, AttributeType: a.type })),
        KeySchema: [{ AttributeName: table.hash_key, KeyType: 'HASH' }, ...(table.range_key ? [{ AttributeName: table.range_key, KeyType: 'RANGE' }] : [])],
        GlobalSecondaryIndexes: (table.global_secondary_index ?? []).map((index: Record<string, string>) => ({
          IndexName: index.name,
          KeySchema: [{ AttributeName: index.hash_key, KeyType: 'HASH' }, ...(index.range_key ? [{ AttributeName: index.range_key, KeyType: 'RANGE' }] : [])],
          Projection: { ProjectionType: index.projection_type },
        })),
        BillingMode: 'PAY_PER_REQUEST',
      },
    });
    this.described = await this.services.started();
    await this.services.call('set-queues', {
      queues: Object.fromEntries(queues.map((queue) => [this.queueUrl(queue.name), `arn:aws:sqs:${this.account.region}:${this.account.accountId}:${queue.name}`])),
    });
    await Promise.all([this.lambda.start(), this.codedeploy.start()]);
    Object.assign(this.lambda.runtimeEnv, this.runtimeEnv());
  }

  /** What every execution environment has besides its function's variables: the account's endpoints, and how logins reach the database. */
  private runtimeEnv(): NodeJS.ProcessEnv {
    const described = this.described!;
    const login = {
      host: described.database.host,
      port: described.database.port,
      proxyPort: described.database.proxyPort,
      database: described.database.name,
      caFile: described.database.caFile,
      superuser: described.superuser,
      proxySecrets: this.proxySecrets(),
      loginLog: this.loginLog,
    };
    return {
      PATH: process.env.PATH,
      TMPDIR: process.env.TMPDIR,
      // Lambda's task root is read-only: no bytecode written next to the build's code.
      PYTHONDONTWRITEBYTECODE: '1',
      ...CREDENTIALS,
      AWS_REGION: this.account.region,
      AWS_DEFAULT_REGION: this.account.region,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_LAMBDA: this.lambda.url,
      AWS_ENDPOINT_URL_CODEDEPLOY: this.codedeploy.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: described.endpoints.secretsmanager,
      AWS_ENDPOINT_URL_SQS: described.endpoints.sqs,
      AWS_ENDPOINT_URL_S3: described.endpoints.s3,
      AWS_ENDPOINT_URL_DYNAMODB: described.endpoints.dynamodb,
      AWS_ENDPOINT_URL_CLOUDWATCH: described.endpoints.cloudwatch,
      // The proxy's certificate chains to the runtime's trust store ("system"); here that store is the local CA.
      SSL_CERT_FILE: described.database.caFile,
      SCENARIO_LAYERS: LAYER_PYTHON,
      SCENARIO_DATABASE_LOGIN: JSON.stringify(login),
    };
  }

  /** {database user: secret ARN} of the proxy's auth blocks (the proxy logs in with these secrets). */
  private proxySecrets(): Record<string, string> {
    const proxies = Object.values(this.resources.aws_db_proxy ?? {});
    const users: Record<string, string> = {};
    for (const proxy of proxies) {
      for (const auth of proxy.auth ?? []) {
        const arn = this.resolve(auth.secret_arn, 'aws_db_proxy.auth');
        const id = Object.entries(this.secretArns).find(([, value]) => value === arn)?.[0];
        const secret = id ? this.resources.aws_secretsmanager_secret[id] : undefined;
        const user = String(secret?.name ?? '').split('/').pop();
        if (user) users[user] = arn;
      }
    }
    return users;
  }

  /** The environment the project's commands (release, rollback, the AWS CLI stand-in) run with: the account's endpoints. */
  commandEnv(): NodeJS.ProcessEnv {
    return {
      ...CREDENTIALS,
      AWS_REGION: this.account.region,
      AWS_ENDPOINT_URL_LAMBDA: this.lambda.url,
      AWS_ENDPOINT_URL_CODEDEPLOY: this.codedeploy.url,
    };
  }

  /**
   * `cdktf deploy` of the stack, for the functions: configuration and code per aws_lambda_function,
   * a new version where they changed. `codeOverrides` replaces a function's staged folder (a
   * merge that changed its code). Returns {function: new version}.
   */
  apply(codeOverrides: Readonly<Record<string, string>> = {}): Record<string, string> {
    const published: Record<string, string> = {};
    const database = this.database;
    for (const fn of Object.values(this.resources.aws_lambda_function ?? {})) {
      const name: string = fn.function_name;
      const folder = path.basename(fn.filename, '.zip');
      const codeDir = codeOverrides[name] ?? path.join(BUILD, 'functions', folder);
      if (!fs.existsSync(path.join(codeDir, `${fn.handler.split('.')[0]}.py`))) throw new Error(`${name}: no staged code in ${codeDir}; run the build`);
      const environment: Record<string, string> = {};
      for (const [key, raw] of Object.entries<string>(fn.environment?.variables ?? {})) environment[key] = this.resolve(raw, `${name}.environment.${key}`);
      // The instance's and proxy's ports, and the CA bundle the layer carries, are the local ones.
      const dbHost = String(fn.environment?.variables?.DB_HOST ?? '');
      if (dbHost) {
        environment.DB_PORT = String(dbHost.includes('${aws_db_proxy.') ? database.proxyPort : database.port);
        if (environment.DB_SSL_ROOT_CERT && environment.DB_SSL_ROOT_CERT !== 'system') environment.DB_SSL_ROOT_CERT = database.caFile;
      }
      const codeHash = codeOverrides[name] ? hashFolder(codeDir) : fn.source_code_hash;
      const fingerprint = createHash('sha256').update(JSON.stringify([codeHash, fn.handler, fn.environment, fn.timeout, fn.memory_size, fn.layers])).digest('hex');
      const reserved = typeof fn.reserved_concurrent_executions === 'number' && fn.reserved_concurrent_executions >= 0 ? fn.reserved_concurrent_executions : undefined;
      const version = this.lambda.applyFunction(name, { codeDir, handler: fn.handler, environment, fingerprint }, reserved);
      if (version) published[name] = version;
      if (version) this.lambda.ensureAlias(name, version);
    }
    // The alarms as this apply leaves them (a per-version alarm follows the version just published).
    this.cloudwatch.putAlarms(alarmsOf(this.stack, (value) => this.resolve(value, 'an alarm', false)));
    return published;
  }

  /** The database logins since the last call: [function, database user]. */
  takeLogins(): [string, string][] {
    if (!fs.existsSync(this.loginLog)) return [];
    const lines = fs.readFileSync(this.loginLog, 'utf8').split('\n').filter(Boolean);
    fs.rmSync(this.loginLog);
    return lines.map((line) => line.split('\t') as [string, string]);
  }

  sql<T = unknown[]>(statement: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return this.services!.call('sql', { sql: statement, params });
  }

  secretValues(): Promise<Record<string, string | null>> {
    return this.services!.call('secrets');
  }

  /** RDS replaces the instance (a dev rebuild): a new, empty database at the same endpoint; the functions keep running. */
  async rebuildDatabase(): Promise<void> {
    this.described = await this.services!.call('rebuild-database');
    // Only the harness's view changes (the server's superuser for the IAM-token model); the functions' settings do not.
    Object.assign(this.lambda.runtimeEnv, this.runtimeEnv());
    await this.lambda.recycle();
  }

  async close(): Promise<void> {
    await this.codedeploy.close();
    await this.lambda.close();
    await this.services?.stop();
  }
}

function hashFolder(folder: string): string {
  const hash = createHash('sha256');
  for (const file of (fs.readdirSync(folder, { recursive: true }) as string[]).sort()) {
    const full = path.join(folder, file);
    if (fs.statSync(full).isFile()) hash.update(file).update(fs.readFileSync(full));
  }
  return hash.digest('base64');
}
