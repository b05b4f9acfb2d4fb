import * as path from 'node:path';
import { Construct } from 'constructs';
import { DATABASE_ADMIN } from '../catalogue/database-admin';
import { RDS_CA_BUNDLE_RUNTIME_PATH } from '../catalogue';
import type { ArtifactRecord } from '../build/build-manifest';
import type { EncryptionKey } from './encryption-key';
import type { IGrantee } from './iam';
import { POSTGRES_PORT } from './network';
import { PythonFunction } from './python-function';
import type { PythonLayer } from './python-layer';
import type { SecurityGroup } from './security-group';
import { ConstructPropsError } from './construct-props-error';

/** What the admin function needs of the network (Network satisfies it). */
export interface AdminNetwork {
  readonly privateSubnetIds: readonly string[];
  securityGroup(id: string, nameSuffix: string, description: string): SecurityGroup;
  allowInterfaceEndpoint(group: SecurityGroup, service: 'secretsmanager', idPrefix: string, description: string): void;
}

/** What the admin function needs of the database (PostgresDatabase satisfies it). */
export interface AdminDatabase {
  /** The instance itself: the master user logs in only there, and the proxy has no secret for it. */
  readonly endpointAddress: string;
  readonly port: number;
  readonly databaseName: string;
  /** The RDS-managed master secret. */
  readonly secretArn: string;
  readonly securityGroup: SecurityGroup;
  readonly proxyEndpoint?: string;
  readonly userSecretArns: Readonly<Record<string, string>>;
  grantConnect(grantee: IGrantee, dbUser: string): void;
  grantReadMasterSecret(grantee: IGrantee): void;
  grantManageUserSecrets(grantee: IGrantee, users: readonly string[]): void;
}

export interface DatabaseAdminProps {
  readonly network: AdminNetwork;
  readonly database: AdminDatabase;
  /** The database roles of the account's functions, whose logins the migrations set. */
  readonly functionRoles: readonly string[];
  /** The pg-driver layer (pg8000 and the RDS CA bundle). */
  readonly driverLayer: PythonLayer;
  /** The built zip (build manifest databaseAdmin) and the folder its path is relative to. */
  readonly artifact: ArtifactRecord;
  readonly artifactRoot: string;
  readonly encryptionKey: EncryptionKey;
  readonly logRetentionDays: number;
  readonly accountId: string;
  readonly region: string;
}

/**
 * The database's schema owner as a one-shot VPC function (catalogue/database-admin.ts): its
 * role alone may read the RDS master secret and log in as the migration role, and only its
 * security group reaches the instance besides the database's clients group. It reaches Secrets
 * Manager through the VPC endpoint, so it needs no NAT; IAM tokens are signed locally.
 */
export class DatabaseAdmin extends Construct {
  readonly fn: PythonFunction;
  readonly functionName: string;
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: DatabaseAdminProps) {
    super(scope, id);
    const db = props.database;
    const proxy = db.proxyEndpoint !== undefined;
    const migrator = DATABASE_ADMIN.migrationUser;
    const missing = proxy ? [migrator, ...props.functionRoles].filter((user) => !db.userSecretArns[user]) : [];
    if (missing.length) {
      throw new ConstructPropsError(`DatabaseAdmin: the database has no secret for ${missing.join(', ')}; pass them in PostgresDatabaseProps users (functions) or instanceUsers (${migrator})`);
    }
    // Its own group: at an account with a proxy the database admits only the proxy's group, and the
    // master user cannot log in through the proxy (it holds no master secret).
    this.securityGroup = props.network.securityGroup('DatabaseAdminSecurityGroup', 'database-admin', 'database-admin function: PostgreSQL to the instance, HTTPS to Secrets Manager');
    this.securityGroup.connectTo(db.securityGroup, POSTGRES_PORT, 'DatabaseAdminToDatabase', 'PostgreSQL from database-admin to the database instance');
    props.network.allowInterfaceEndpoint(this.securityGroup, 'secretsmanager', 'DatabaseAdminToEndpoints', 'HTTPS from database-admin to Secrets Manager (master and user secrets)');

    const environment: Record<string, string> = {
      DB_HOST: db.endpointAddress,
      DB_PORT: String(db.port),
      DB_NAME: db.databaseName,
      // The instance's certificate chains to an RDS CA, in the pg-driver layer.
      DB_SSL_ROOT_CERT: RDS_CA_BUNDLE_RUNTIME_PATH,
      DB_MASTER_SECRET_ARN: db.secretArn,
      DB_MIGRATION_USER: migrator,
      // Behind the proxy the roles log in with passwords from their secrets (the proxy's login); at
      // the instance with IAM tokens, as members of rds_iam, which refuses passwords.
      DB_ROLE_LOGIN: proxy ? 'password' : 'rds_iam',
    };
    if (proxy) {
      environment.DB_MIGRATOR_SECRET_ARN = db.userSecretArns[migrator];
      environment.DB_PROXY_USER_ARNS = JSON.stringify(Object.fromEntries(props.functionRoles.map((user) => [user, db.userSecretArns[user]])));
    }
    this.fn = new PythonFunction(this, 'Function', {
      functionName: DATABASE_ADMIN.functionName,
      description: DATABASE_ADMIN.description,
      handler: DATABASE_ADMIN.handler,
      runtime: 'python3.12',
      memoryMiB: 256,
      timeoutSeconds: 120,
      reservedConcurrency: DATABASE_ADMIN.reservedConcurrency,
      zipPath: path.resolve(props.artifactRoot, props.artifact.zip),
      zipSha256: props.artifact.sha256,
      environment,
      layers: [props.driverLayer],
      vpc: { subnetIds: props.network.privateSubnetIds, securityGroupIds: [this.securityGroup.securityGroupId] },
      encryptionKey: props.encryptionKey,
      logRetentionDays: props.logRetentionDays,
      accountId: props.accountId,
      region: props.region,
    });
    this.functionName = DATABASE_ADMIN.functionName;
    db.grantReadMasterSecret(this.fn);
    if (proxy) {
      db.grantManageUserSecrets(this.fn, [migrator, ...props.functionRoles]);
    } else {
      db.grantConnect(this.fn, migrator);
    }
  }
}
