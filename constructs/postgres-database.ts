import { Construct } from 'constructs';
import { Fn, TerraformLocal } from 'cdktf';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { DbProxy } from '@cdktf/provider-aws/lib/db-proxy';
import { DbProxyDefaultTargetGroup } from '@cdktf/provider-aws/lib/db-proxy-default-target-group';
import { DbProxyTarget } from '@cdktf/provider-aws/lib/db-proxy-target';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { DB_INSTANCE_FAMILIES, dbMaxConnections } from '../aws/aws-facts';
import type { EncryptionKey } from './encryption-key';
import type { IGrantee } from './iam';
import { LogGroup } from './log-group';
import type { Metric, MetricOptions } from './metric';
import { type Network, POSTGRES_PORT } from './network';
import { suppressRule } from '../rules/engine';
import type { SecurityGroup } from './security-group';
import { ServiceRole } from './service-role';
import { nameAcrossStacks } from './cross-stack';
import { ConstructPropsError } from './construct-props-error';

/** The CA every client verifies against (RSA 2048, valid to 2061). */
export const RDS_CA_IDENTIFIER = 'rds-ca-rsa2048-g1';

const ENHANCED_MONITORING_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole';
const LOG_EXPORTS = ['postgresql', 'upgrade'];
const PERFORMANCE_INSIGHTS_RETENTION_DAYS = [7, 31, 93, 731];
const MONITORING_INTERVALS_SECONDS = [1, 5, 10, 15, 30, 60];

export interface PostgresDatabaseProps {
  /** RDS instance identifier, unique in the account and region. */
  readonly identifier: string;
  readonly accountId: string;
  readonly region: string;
  /** VPC, private subnets and the database / Lambda security groups. */
  readonly network: Network;
  /** Encrypts storage, Performance Insights, the master secret and the exported logs. */
  readonly encryptionKey: EncryptionKey;
  /**
   * PostgreSQL version, `16` or `16.4`, 15 or newer. Only the major is sent to RDS: minors are
   * upgraded automatically, and pinning one would make every such upgrade show as drift.
   */
  readonly engineVersion: string;
  /** Instance class, e.g. db.t4g.micro; the family must be in aws/aws-facts.ts. */
  readonly instanceClass: string;
  readonly databaseName: string;
  readonly masterUsername: string;
  /** Default: 20. */
  readonly allocatedStorageGiB?: number;
  /** Storage autoscaling ceiling. Default: 100. */
  readonly maxAllocatedStorageGiB?: number;
  /** 1-35. Default: 7. */
  readonly backupRetentionDays?: number;
  /** Standby in the second zone. Default: true. */
  readonly multiAz?: boolean;
  /** Default: true. */
  readonly deletionProtection?: boolean;
  /**
   * Snapshot the instance when it is destroyed, as `<identifier>-final`. The name is fixed so synth
   * stays deterministic (a timestamp would show as a change on every plan); a second destroy
   * therefore fails with DBSnapshotAlreadyExists until the earlier snapshot is copied elsewhere
   * and deleted, which is the point at which someone decides whether that data is still needed.
   * Default: true.
   */
  readonly finalSnapshot?: boolean;
  /**
   * Put an RDS Proxy (IAM auth and TLS required) in front of the instance; Lambda then reaches the
   * database only through it (network path and rds-db:connect). Default: false.
   */
  readonly proxy?: boolean;
  /**
   * The PostgreSQL roles clients log in as (never the master user). With a proxy each gets a
   * Secrets Manager secret the proxy logs in to the database with; the value is written at run
   * time (database-admin's migrate action), never by Terraform, so no password is in state or the
   * synthesized JSON. Default: none.
   */
  readonly users?: readonly string[];
  /**
   * Roles that log in at the instance itself, never through the proxy (the migration role of
   * database-admin). With a proxy each gets a secret for its password too, which the proxy may not
   * read and offers no login with. Default: none.
   */
  readonly instanceUsers?: readonly string[];
  /** 7, 31, 93 or 731. Default: 7 (the free tier). */
  readonly performanceInsightsRetentionDays?: number;
  /** Enhanced monitoring granularity: 1, 5, 10, 15, 30 or 60. Default: 60. */
  readonly monitoringIntervalSeconds?: number;
  /** Statements running longer than this are logged. Default: 1000. */
  readonly slowStatementMs?: number;
  /** Retention of the exported PostgreSQL logs. Default: 90. */
  readonly logRetentionDays?: number;
  /** Daily backup window (UTC), must not overlap the maintenance window. Default: 02:00-03:00. */
  readonly backupWindow?: string;
  /** Weekly maintenance window (UTC). Default: sun:03:30-sun:04:30. */
  readonly maintenanceWindow?: string;
}

/**
 * RDS PostgreSQL in the private subnets: encrypted with the account key, TLS forced, IAM
 * authentication on, the master password generated and kept by RDS in Secrets Manager (never in
 * code or state), backups, Performance Insights, enhanced monitoring and log exports; optionally an
 * RDS Proxy so bursts of Lambda invocations share a pool of connections.
 */
export class PostgresDatabase extends Construct {
  readonly endpointAddress: string;
  readonly port = POSTGRES_PORT;
  readonly databaseName: string;
  readonly masterUsername: string;
  /** ARN of the RDS-managed master secret: read only by the role given grantReadMasterSecret (database-admin). */
  readonly secretArn: string;
  /** Behind a proxy: each of `users`' and `instanceUsers`' secret ARN (their passwords); else empty. */
  readonly userSecretArns: Readonly<Record<string, string>>;
  readonly instanceIdentifier: string;
  readonly instanceArn: string;
  readonly instanceClass: string;
  /** max_connections set in the parameter group (dbMaxConnections of the class); the connections alarm's base. */
  readonly maxConnections: number;
  readonly proxyEndpoint?: string;
  readonly proxyName?: string;
  /** Where clients connect: the proxy when there is one, else the instance. */
  readonly connectHost: string;
  readonly securityGroup: SecurityGroup;
  readonly securityGroupId: string;
  readonly parameterGroupFamily: string;
  private readonly encryptionKey: EncryptionKey;
  private readonly userSecrets = new Map<string, SecretsmanagerSecret>();
  /** rds-db:connect resource prefix of whatever clients log in to: the proxy if any, else the instance. */
  private readonly dbUserArnPrefix: string;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    const major = validatePostgresProps(props);
    const key = props.encryptionKey;
    this.encryptionKey = key;
    this.parameterGroupFamily = `postgres${major}`;
    this.securityGroup = props.network.databaseSecurityGroup;
    this.securityGroupId = this.securityGroup.securityGroupId;
    this.maxConnections = dbMaxConnections(props.instanceClass);

    const subnets = new DbSubnetGroup(this, 'SubnetGroup', {
      name: props.identifier,
      description: `Private subnets of ${props.identifier}`,
      subnetIds: props.network.privateSubnetIds,
    });
    const parameters = new DbParameterGroup(this, 'ParameterGroup', {
      namePrefix: `${props.identifier}-`,
      family: this.parameterGroupFamily,
      description: `TLS-only, slow statements logged (${props.identifier})`,
      parameter: [
        { name: 'rds.force_ssl', value: '1' },
        { name: 'log_min_duration_statement', value: String(props.slowStatementMs ?? 1000) },
        // Explicit so the alarm knows the real limit. Static: a new instance starts with it, an
        // existing one after its next reboot (until then RDS's own default, which is higher, applies).
        { name: 'max_connections', value: String(this.maxConnections), applyMethod: 'pending-reboot' },
      ],
      // A major upgrade needs a group of the new family before the old one can go.
      lifecycle: { createBeforeDestroy: true },
    });
    const monitoringRole = new ServiceRole(this, 'MonitoringRole', {
      roleName: `${props.identifier}-monitoring`,
      servicePrincipal: 'monitoring.rds.amazonaws.com',
      description: `Enhanced monitoring of ${props.identifier}`,
      managedPolicyArns: [ENHANCED_MONITORING_POLICY_ARN],
      conditions: { StringEquals: { 'aws:SourceAccount': props.accountId } },
    });
    // Created here so they are encrypted and expire; RDS would otherwise create them unencrypted, kept forever.
    const logGroups = LOG_EXPORTS.map(
      (log) =>
        new LogGroup(this, `${log[0].toUpperCase()}${log.slice(1)}Logs`, {
          logGroupName: `/aws/rds/instance/${props.identifier}/${log}`,
          retentionDays: props.logRetentionDays ?? 90,
          encryptionKey: key,
        }),
    );

    const finalSnapshot = props.finalSnapshot ?? true;
    const instance = new DbInstance(this, 'Instance', {
      identifier: props.identifier,
      engine: 'postgres',
      engineVersion: major,
      instanceClass: props.instanceClass,
      allocatedStorage: props.allocatedStorageGiB ?? 20,
      maxAllocatedStorage: props.maxAllocatedStorageGiB ?? 100,
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyId: key.keyArn,
      dbName: props.databaseName,
      username: props.masterUsername,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: key.keyArn,
      iamDatabaseAuthenticationEnabled: true,
      port: POSTGRES_PORT,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [this.securityGroupId],
      publiclyAccessible: false,
      parameterGroupName: parameters.name,
      caCertIdentifier: RDS_CA_IDENTIFIER,
      multiAz: props.multiAz ?? true,
      backupRetentionPeriod: props.backupRetentionDays ?? 7,
      backupWindow: props.backupWindow ?? '02:00-03:00',
      maintenanceWindow: props.maintenanceWindow ?? 'sun:03:30-sun:04:30',
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      deletionProtection: props.deletionProtection ?? true,
      skipFinalSnapshot: !finalSnapshot,
      finalSnapshotIdentifier: finalSnapshot ? `${props.identifier}-final` : undefined,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: key.keyArn,
      performanceInsightsRetentionPeriod: props.performanceInsightsRetentionDays ?? 7,
      monitoringInterval: props.monitoringIntervalSeconds ?? 60,
      monitoringRoleArn: monitoringRole.roleArn,
      enabledCloudwatchLogsExports: LOG_EXPORTS,
      dependsOn: logGroups,
    });

    this.endpointAddress = instance.address;
    this.databaseName = props.databaseName;
    this.masterUsername = props.masterUsername;
    this.secretArn = instance.masterUserSecret.get(0).secretArn;
    this.instanceIdentifier = nameAcrossStacks(this, instance.identifier, props.identifier);
    this.instanceArn = instance.arn;
    this.instanceClass = props.instanceClass;

    const users = props.users ?? [];
    const instanceUsers = props.instanceUsers ?? [];
    const everyUser = [...users, ...instanceUsers];
    for (const user of everyUser) validateUser(this, user);
    if (new Set(everyUser).size !== everyUser.length || everyUser.includes(props.masterUsername)) {
      throw new ConstructPropsError(
        `PostgresDatabase ${props.identifier}: users and instanceUsers [${everyUser.join(', ')}] must be distinct and must not include the master user '${props.masterUsername}'`,
      );
    }
    const lambda = props.network.lambdaSecurityGroup;
    if (props.proxy ?? false) {
      for (const user of everyUser) this.userSecrets.set(user, this.createUserSecret(props, user));
      const proxy = this.createProxy(props, instance, users);
      this.proxyEndpoint = proxy.endpoint;
      this.proxyName = proxy.name;
      // IAM auth through the proxy is authorised on the proxy's resource id (prx-...), the last part
      // of its ARN. A local keeps the expression's quoted ':' out of policy JSON built from it.
      const proxyResourceId = new TerraformLocal(this, 'ProxyResourceId', Fn.element(Fn.split(':', proxy.arn), 6));
      // Only the proxy: a direct login would bypass its pool and its TLS and IAM requirements.
      this.dbUserArnPrefix = `arn:aws:rds-db:${props.region}:${props.accountId}:dbuser:${proxyResourceId.asString}`;
    } else {
      lambda.connectTo(this.securityGroup, POSTGRES_PORT, 'LambdaToDatabase', 'PostgreSQL from the Lambda functions to the database');
      this.dbUserArnPrefix = `arn:aws:rds-db:${props.region}:${props.accountId}:dbuser:${instance.resourceId}`;
    }
    this.connectHost = this.proxyEndpoint ?? this.endpointAddress;
    this.userSecretArns = Object.fromEntries([...this.userSecrets].map(([user, secret]) => [user, secret.arn]));
  }

  /** Percent of the instance's CPU in use (Average). */
  metricCPUUtilization(options: MetricOptions = {}): Metric {
    return this.rdsMetric('CPUUtilization', 'Average', options);
  }

  /** Open connections (Maximum: the peak is what meets max_connections). */
  metricDatabaseConnections(options: MetricOptions = {}): Metric {
    return this.rdsMetric('DatabaseConnections', 'Maximum', options);
  }

  /** Bytes of storage left (Minimum: the low point is what runs out). */
  metricFreeStorageSpace(options: MetricOptions = {}): Metric {
    return this.rdsMetric('FreeStorageSpace', 'Minimum', options);
  }

  private rdsMetric(metricName: string, defaultStatistic: string, options: MetricOptions): Metric {
    return { namespace: 'AWS/RDS', metricName, dimensions: { DBInstanceIdentifier: this.instanceIdentifier }, statistic: options.statistic ?? defaultStatistic };
  }

  /** rds-db:connect as `dbUser` (IAM database authentication) on connectHost: the proxy if there is one, else the instance. */
  grantConnect(grantee: IGrantee, dbUser: string): void {
    validateUser(this, dbUser);
    if (dbUser === this.masterUsername) {
      throw new ConstructPropsError(`PostgresDatabase ${this.node.id}: no grantee may log in as the master user '${dbUser}'; give it a role of its own (lambda-functions/shared/platform_migrations.py)`);
    }
    grantee.addToPrincipalPolicy({
      sid: `DbConnect${pascal(this.node.id)}${pascal(dbUser)}`,
      actions: ['rds-db:connect'],
      resources: [`${this.dbUserArnPrefix}/${dbUser}`],
    });
  }

  /**
   * Read the RDS-managed master secret (decrypting through Secrets Manager only). For the one role
   * that bootstraps the database (database-admin); no function of the catalogue may.
   */
  grantReadMasterSecret(grantee: IGrantee): void {
    const name = pascal(this.node.id);
    grantee.addToPrincipalPolicy({ sid: `ReadMasterSecret${name}`, actions: ['secretsmanager:GetSecretValue'], resources: [this.secretArn] });
    this.encryptionKey.grantViaService(grantee, `DecryptMasterSecret${name}`, ['kms:Decrypt'], 'secretsmanager');
  }

  /**
   * Read and set these users' proxy secrets (the migrations keep each role's password equal to its
   * secret), decrypting and encrypting through Secrets Manager only. Nothing without a proxy.
   */
  grantManageUserSecrets(grantee: IGrantee, users: readonly string[]): void {
    const secrets = users.map((user) => {
      const secret = this.userSecrets.get(user);
      if (!secret) throw new ConstructPropsError(`PostgresDatabase ${this.node.id}: '${user}' is not one of its users (${[...this.userSecrets.keys()].join(', ')})`);
      return secret;
    });
    if (secrets.length === 0) return;
    const name = pascal(this.node.id);
    grantee.addToPrincipalPolicy({
      sid: `ManageUserSecrets${name}`,
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret'],
      resources: secrets.map((secret) => secret.arn),
    });
    this.encryptionKey.grantViaService(grantee, `EncryptUserSecrets${name}`, ['kms:Decrypt', 'kms:GenerateDataKey'], 'secretsmanager');
  }

  /**
   * A secret per user, without a value: Terraform never holds the password. Deleted at once, with no
   * recovery window: a deleted secret keeps its name for its recovery window (30 days by default,
   * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html), so turning
   * the proxy off and on or rebuilding the account would fail in CreateSecret. Nothing is lost: the
   * value is a password the next migrate run sets again (docs/runbook.md, "Rotate database credentials", the restore step).
   */
  private createUserSecret(props: PostgresDatabaseProps, user: string): SecretsmanagerSecret {
    const secret = new SecretsmanagerSecret(this, `UserSecret${pascal(user)}`, {
      name: `${props.identifier}/db-users/${user}`,
      description: `Password of PostgreSQL role ${user}, set by database-admin (never by Terraform); ${props.identifier}-proxy logs in with it`,
      kmsKeyId: props.encryptionKey.keyArn,
      recoveryWindowInDays: 0,
    });
    suppressRule(
      secret,
      'PLAT-SECRETS-2',
      'database-admin (after every apply) sets the role password from this secret; rotating is writing a new value ' +
        'and running its migrate action, as the README says; a rotation Lambda would need a login that may change passwords, which only the migrator has',
    );
    return secret;
  }

  /** The proxy, offering a login to `users` only (never the instanceUsers or the master user). */
  private createProxy(props: PostgresDatabaseProps, instance: DbInstance, users: readonly string[]): DbProxy {
    const proxyName = `${props.identifier}-proxy`;
    const proxyGroup = props.network.securityGroup('DatabaseProxySecurityGroup', 'database-proxy', `RDS Proxy of ${props.identifier}`);
    props.network.lambdaSecurityGroup.connectTo(proxyGroup, POSTGRES_PORT, 'LambdaToProxy', 'PostgreSQL from the Lambda functions to the RDS Proxy');
    proxyGroup.connectTo(this.securityGroup, POSTGRES_PORT, 'ProxyToDatabase', 'PostgreSQL from the RDS Proxy to the database');
    // The proxy fetches the Secrets Manager secret it logs in with
    // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-secrets-arns.html) from its
    // own network interfaces in the VPC: without a path to Secrets Manager its target never reports
    // AVAILABLE in describe-db-proxy-targets
    // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html).
    props.network.allowInterfaceEndpoint(proxyGroup, 'secretsmanager', 'ProxyToEndpoints', 'HTTPS from the RDS Proxy to Secrets Manager for the secret it logs in with');

    const role = new ServiceRole(this, 'ProxyRole', {
      roleName: proxyName,
      servicePrincipal: 'rds.amazonaws.com',
      // No aws:SourceAccount condition: AWS documents that guard for enhanced monitoring, not for
      // the proxy's role, and a condition the service does not send would break the proxy.
      description: `Lets ${proxyName} read the secrets of the database users it logs in as`,
    });
    const proxySecrets = users.map((user) => [user, this.userSecrets.get(user) as SecretsmanagerSecret] as const);
    const userSecretArns = proxySecrets.map(([, secret]) => secret.arn);
    if (userSecretArns.length === 0) {
      throw new ConstructPropsError(`PostgresDatabase ${props.identifier}: a proxy needs at least one entry in users; the master user is never one`);
    }
    role.addToPrincipalPolicy({
      sid: 'ReadUserSecrets',
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: userSecretArns,
    });
    this.encryptionKey.grantViaService(role, 'DecryptUserSecrets', ['kms:Decrypt'], 'secretsmanager');
    const logs = new LogGroup(this, 'ProxyLogs', {
      logGroupName: `/aws/rds/proxy/${proxyName}`,
      retentionDays: props.logRetentionDays ?? 90,
      encryptionKey: props.encryptionKey,
    });
    const proxy = new DbProxy(this, 'Proxy', {
      name: proxyName,
      engineFamily: 'POSTGRESQL',
      roleArn: role.roleArn,
      vpcSubnetIds: props.network.privateSubnetIds,
      vpcSecurityGroupIds: [proxyGroup.securityGroupId],
      requireTls: true,
      debugLogging: false,
      idleClientTimeout: 1800,
      // One entry per user: clients present an IAM token for that user (iam_auth REQUIRED), the
      // proxy logs in to PostgreSQL with the user's secret. Provider 5.100.0 has no end-to-end IAM
      // scheme for the proxy's own login, so secrets they are; never the master secret.
      auth: proxySecrets.map(([user, secret]) => ({
        authScheme: 'SECRETS',
        iamAuth: 'REQUIRED',
        secretArn: secret.arn,
        description: `PostgreSQL role ${user}; clients authenticate with IAM`,
      })),
      dependsOn: [logs],
    });
    const targets = new DbProxyDefaultTargetGroup(this, 'ProxyTargetGroup', {
      dbProxyName: proxy.name,
      connectionPoolConfig: {
        // Leave headroom for direct admin sessions and RDS's own connections.
        maxConnectionsPercent: 90,
        maxIdleConnectionsPercent: 50,
        connectionBorrowTimeout: 120,
      },
    });
    new DbProxyTarget(this, 'ProxyTarget', {
      dbProxyName: proxy.name,
      targetGroupName: targets.name,
      dbInstanceIdentifier: instance.identifier,
    });
    return proxy;
  }
}

function validateUser(scope: Construct, user: string): void {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(user)) {
    throw new ConstructPropsError(`PostgresDatabase ${scope.node.id}: database user '${user}' is not a plain PostgreSQL role name; use lower-case letters, digits and _`);
  }
}

function pascal(value: string): string {
  return value
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

/** Validates the props and returns the PostgreSQL major version. */
function validatePostgresProps(props: PostgresDatabaseProps): string {
  const where = `PostgresDatabase ${props.identifier}`;
  if (!/^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$/.test(props.identifier)) {
    throw new ConstructPropsError(`${where}: identifier '${props.identifier}' must be 2-63 lower-case letters, digits and single hyphens, starting with a letter`);
  }
  const version = /^(\d+)(\.\d+)?$/.exec(props.engineVersion);
  if (!version || Number(version[1]) < 15) {
    throw new ConstructPropsError(`${where}: engineVersion '${props.engineVersion}' is not a current PostgreSQL version; use 15 or newer, e.g. 16.4`);
  }
  const classMatch = /^(db\.[a-z0-9]+)\.([a-z0-9]+)$/.exec(props.instanceClass);
  const family = classMatch ? DB_INSTANCE_FAMILIES[classMatch[1]] : undefined;
  if (!classMatch || !family) {
    throw new ConstructPropsError(
      `${where}: instance class '${props.instanceClass}' is not of a known family; use <family>.<size> with family one of ${Object.keys(DB_INSTANCE_FAMILIES).join(', ')}`,
    );
  }
  if (family[classMatch[2]] === undefined) {
    throw new ConstructPropsError(`${where}: instance class '${props.instanceClass}' has an unknown size; ${classMatch[1]} comes in ${Object.keys(family).join(', ')}`);
  }
  const retention = props.backupRetentionDays ?? 7;
  if (!Number.isInteger(retention) || retention < 1 || retention > 35) {
    throw new ConstructPropsError(`${where}: backupRetentionDays ${retention} is outside 1-35; RDS keeps automated backups for 1 to 35 days`);
  }
  const allocated = props.allocatedStorageGiB ?? 20;
  const ceiling = props.maxAllocatedStorageGiB ?? 100;
  if (!Number.isInteger(allocated) || allocated < 20 || allocated > 65536) {
    throw new ConstructPropsError(`${where}: allocatedStorageGiB ${allocated} is outside 20-65536 (gp3 limits)`);
  }
  if (!Number.isInteger(ceiling) || ceiling < allocated || ceiling > 65536) {
    throw new ConstructPropsError(`${where}: maxAllocatedStorageGiB ${ceiling} must be an integer between allocatedStorageGiB (${allocated}) and 65536`);
  }
  const insights = props.performanceInsightsRetentionDays ?? 7;
  if (!PERFORMANCE_INSIGHTS_RETENTION_DAYS.includes(insights)) {
    throw new ConstructPropsError(`${where}: performanceInsightsRetentionDays ${insights} is not offered; use one of ${PERFORMANCE_INSIGHTS_RETENTION_DAYS.join(', ')}`);
  }
  const monitoring = props.monitoringIntervalSeconds ?? 60;
  if (!MONITORING_INTERVALS_SECONDS.includes(monitoring)) {
    throw new ConstructPropsError(`${where}: monitoringIntervalSeconds ${monitoring} is not offered; use one of ${MONITORING_INTERVALS_SECONDS.join(', ')}`);
  }
  const slow = props.slowStatementMs ?? 1000;
  if (!Number.isInteger(slow) || slow < 1) {
    throw new ConstructPropsError(`${where}: slowStatementMs ${slow} must be a positive whole number of milliseconds`);
  }
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(props.databaseName)) {
    throw new ConstructPropsError(`${where}: databaseName '${props.databaseName}' must start with a letter and hold only lower-case letters, digits and _`);
  }
  if (!/^[a-z][a-z0-9_]{0,15}$/.test(props.masterUsername)) {
    throw new ConstructPropsError(`${where}: masterUsername '${props.masterUsername}' must be 1-16 lower-case letters, digits and _, starting with a letter`);
  }
  return version[1];
}
