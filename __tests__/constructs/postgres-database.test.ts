import { PostgresDatabase, type PostgresDatabaseProps } from '../../constructs/postgres-database';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';
import { constructionError, ref, testNetwork, testRole } from '../helpers/data-fixtures';

type Overrides = Partial<Omit<PostgresDatabaseProps, 'network' | 'encryptionKey'>>;

const BASE: Omit<PostgresDatabaseProps, 'network' | 'encryptionKey'> = {
  identifier: 'ppu-postgres',
  accountId: '111122223333',
  region: 'eu-west-1',
  engineVersion: '16.4',
  instanceClass: 'db.t4g.micro',
  databaseName: 'ppu',
  masterUsername: 'ppu_admin',
};

function synthDatabase(overrides: Overrides = {}, after?: (db: PostgresDatabase) => void) {
  return synthWith((stack, key) => {
    const network = testNetwork(stack, key);
    const db = new PostgresDatabase(stack, 'Database', { ...BASE, network, encryptionKey: key, ...overrides });
    after?.(db);
  });
}

const defaults = synthDatabase();
const small = synthDatabase({ multiAz: false, deletionProtection: false, finalSnapshot: false, backupRetentionDays: 3 });
const USERS = ['ppu_migrator', 'app_writer', 'app_reader'];
const proxied = synthDatabase({ proxy: true, users: USERS });
/** The user secrets in USERS order (synthesized JSON sorts resources by id). */
const userSecrets = (json: Record<string, any>) =>
  USERS.map((user) => resourcesOf(json, 'aws_secretsmanager_secret').find(([, secret]) => secret.name.endsWith(`/${user}`))!);
const instanceOf = (json: Record<string, any>) => {
  const list = resourcesOf(json, 'aws_db_instance');
  expect(list).toHaveLength(1);
  return list[0];
};
const [instanceId, instance] = instanceOf(defaults);
const keyArn = (json: Record<string, any>) => ref('aws_kms_key', resourcesOf(json, 'aws_kms_key')[0][0], 'arn');
const groupRef = (json: Record<string, any>, name: string) =>
  ref('aws_security_group', resourcesOf(json, 'aws_security_group').find(([, g]) => g.tags.Name === name)![0], 'id');

test('runs PostgreSQL at the configured major version so automatic minor upgrades never show as drift', () => {
  expect(instance).toMatchObject({ engine: 'postgres', engine_version: '16', auto_minor_version_upgrade: true, instance_class: 'db.t4g.micro' });
});

test('is not publicly accessible and lives in a subnet group of the private subnets, behind the database group', () => {
  expect(instance.publicly_accessible).toBe(false);
  const [[subnetGroupId, subnetGroup]] = resourcesOf(defaults, 'aws_db_subnet_group');
  expect(instance.db_subnet_group_name).toBe(ref('aws_db_subnet_group', subnetGroupId, 'name'));
  expect(subnetGroup.subnet_ids).toHaveLength(2);
  expect(subnetGroup.subnet_ids.every((s: string) => s.includes('PrivateSubnet'))).toBe(true);
  expect(instance.vpc_security_group_ids).toEqual([groupRef(defaults, 'test-database')]);
});

test('storage is encrypted with the customer-managed key', () => {
  expect(instance).toMatchObject({ storage_encrypted: true, kms_key_id: keyArn(defaults), storage_type: 'gp3' });
});

test('RDS generates and keeps the master password in Secrets Manager, encrypted with the key; no password is configured', () => {
  expect(instance.manage_master_user_password).toBe(true);
  expect(instance.master_user_secret_kms_key_id).toBe(keyArn(defaults));
  expect(instance.password).toBeUndefined();
  expect(JSON.stringify(defaults)).not.toMatch(/"(master_)?password"\s*:/);
});

test('IAM database authentication is on and the current CA is used', () => {
  expect(instance.iam_database_authentication_enabled).toBe(true);
  expect(instance.ca_cert_identifier).toBe('rds-ca-rsa2048-g1');
});

test('the parameter group matches the major version, forces TLS, logs slow statements and sets max_connections', () => {
  const [[groupId, group]] = resourcesOf(defaults, 'aws_db_parameter_group');
  expect(instance.parameter_group_name).toBe(ref('aws_db_parameter_group', groupId, 'name'));
  expect(group.family).toBe('postgres16');
  expect(group.parameter).toEqual([
    { name: 'rds.force_ssl', value: '1' },
    { name: 'log_min_duration_statement', value: '1000' },
    // Static parameter: RDS refuses apply_method immediate for it.
    { name: 'max_connections', value: '78', apply_method: 'pending-reboot' },
  ]);
  const [[, slower]] = resourcesOf(synthDatabase({ slowStatementMs: 250, engineVersion: '17' }), 'aws_db_parameter_group');
  expect(slower.family).toBe('postgres17');
  expect(slower.parameter[1]).toEqual({ name: 'log_min_duration_statement', value: '250' });
});

test('backups are kept, tags are copied to snapshots, and safety is on by default', () => {
  expect(instance).toMatchObject({
    backup_retention_period: 7,
    copy_tags_to_snapshot: true,
    multi_az: true,
    deletion_protection: true,
    skip_final_snapshot: false,
    final_snapshot_identifier: 'ppu-postgres-final',
  });
});

test('a small account turns Multi-AZ, deletion protection and the final snapshot off', () => {
  const [, dev] = instanceOf(small);
  expect(dev).toMatchObject({ multi_az: false, deletion_protection: false, skip_final_snapshot: true, backup_retention_period: 3 });
  expect(dev.final_snapshot_identifier).toBeUndefined();
});

test('Performance Insights is encrypted with the key', () => {
  expect(instance).toMatchObject({ performance_insights_enabled: true, performance_insights_kms_key_id: keyArn(defaults), performance_insights_retention_period: 7 });
});

test("enhanced monitoring uses its own role, assumable only on this account's behalf, with the AWS managed monitoring policy", () => {
  const [[roleId, role]] = resourcesOf(defaults, 'aws_iam_role');
  expect(JSON.parse(role.assume_role_policy).Statement[0].Principal).toEqual({ Service: 'monitoring.rds.amazonaws.com' });
  expect(JSON.parse(role.assume_role_policy).Statement[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '111122223333' } });
  expect(instance).toMatchObject({ monitoring_interval: 60, monitoring_role_arn: ref('aws_iam_role', roleId, 'arn') });
  const [[, attachment]] = resourcesOf(defaults, 'aws_iam_role_policy_attachment');
  expect(attachment.policy_arn).toBe('arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole');
});

test('PostgreSQL and upgrade logs are exported into encrypted log groups created before the instance', () => {
  expect(instance.enabled_cloudwatch_logs_exports).toEqual(['postgresql', 'upgrade']);
  const groups = resourcesOf(defaults, 'aws_cloudwatch_log_group').filter(([, g]) => g.name.startsWith('/aws/rds/instance/'));
  expect(groups.map(([, g]) => [g.name, g.retention_in_days, g.kms_key_id])).toEqual([
    ['/aws/rds/instance/ppu-postgres/postgresql', 90, keyArn(defaults)],
    ['/aws/rds/instance/ppu-postgres/upgrade', 90, keyArn(defaults)],
  ]);
  expect(instance.depends_on).toEqual(groups.map(([id]) => `aws_cloudwatch_log_group.${id}`));
});

test('exposes endpoint, port, names, secret ARN and the max_connections its parameter group sets', () => {
  synthDatabase({}, (db) => {
    expect(db.port).toBe(5432);
    expect(db.databaseName).toBe('ppu');
    expect(db.masterUsername).toBe('ppu_admin');
    expect(db.instanceClass).toBe('db.t4g.micro');
    expect(db.maxConnections).toBe(78);
    expect(db.proxyEndpoint).toBeUndefined();
    expect(db.connectHost).toBe(db.endpointAddress);
  });
  expect(resourcesOf(defaults, 'aws_db_proxy')).toEqual([]);
});

test('max_connections is a conservative share of the class memory, the same number in the parameter group and maxConnections', () => {
  const cases: [string, number][] = [
    ['db.t4g.micro', 78],
    ['db.t4g.medium', 315],
    ['db.r6g.large', 1261],
    ['db.r6g.4xlarge', 5000],
  ];
  for (const [instanceClass, expected] of cases) {
    let exposed = 0;
    const json = synthDatabase({ instanceClass }, (db) => {
      exposed = db.maxConnections;
    });
    const [[, group]] = resourcesOf(json, 'aws_db_parameter_group');
    const parameter = group.parameter.find((p: { name: string }) => p.name === 'max_connections');
    expect([instanceClass, exposed, parameter]).toEqual([instanceClass, expected, { name: 'max_connections', value: String(expected), apply_method: 'pending-reboot' }]);
  }
});

test('without a proxy the Lambda group reaches the database directly, group to group on 5432', () => {
  const rules = (direction: string) =>
    resourcesOf(defaults, `aws_vpc_security_group_${direction}_rule`)
      .map(([, r]) => r)
      .filter((r) => r.from_port === 5432)
      .map((r) => [r.security_group_id, r.referenced_security_group_id]);
  const lambda = groupRef(defaults, 'test-lambda');
  const database = groupRef(defaults, 'test-database');
  expect(rules('ingress')).toEqual([[database, lambda]]);
  expect(rules('egress')).toEqual([[lambda, database]]);
});

test('grantConnect allows rds-db:connect as one database user on this instance, once however often it is called', () => {
  let statements: unknown;
  synthDatabase({}, (db) => {
    const role = testRole(db);
    db.grantConnect(role, 'ppu_app');
    db.grantConnect(role, 'ppu_app');
    statements = role.grantedStatements;
  });
  expect(statements).toEqual([
    {
      sid: 'DbConnectDatabasePpuApp',
      actions: ['rds-db:connect'],
      resources: [expect.stringMatching(/^arn:aws:rds-db:eu-west-1:111122223333:dbuser:\$\{TfToken\[TOKEN\.\d+\]\}\/ppu_app$/)],
    },
  ]);
  const json = synthDatabase({}, (db) => db.grantConnect(testRole(db), 'ppu_app'));
  const policy = JSON.parse(resourcesOf(json, 'aws_iam_role_policy')[0][1].policy);
  expect(policy.Statement[0].Resource).toBe(`arn:aws:rds-db:eu-west-1:111122223333:dbuser:${ref('aws_db_instance', instanceId, 'resource_id')}/ppu_app`);
});

test('grantConnect refuses a user name that is not a plain role name', () => {
  expect(
    constructionError((stack, key) => {
      const db = new PostgresDatabase(stack, 'Database', { ...BASE, network: testNetwork(stack, key), encryptionKey: key });
      db.grantConnect(testRole(stack), 'app*');
    }),
  ).toMatch(/database user 'app\*' is not a plain PostgreSQL role name/);
});

// "No function logs in as the database master user" (issue #10): the master secret stays with RDS.
test('no role may read the master secret, and nobody may be granted a login as the master user', () => {
  const json = synthDatabase({ proxy: true, users: USERS }, (db) => db.grantConnect(testRole(db), 'app_writer'));
  const masterSecret = ref('aws_db_instance', instanceOf(json)[0], 'master_user_secret[0].secret_arn');
  const policies = resourcesOf(json, 'aws_iam_role_policy').map(([, p]) => p.policy as string);
  expect(policies.filter((policy) => policy.includes(masterSecret))).toEqual([]);
  expect(
    constructionError((stack, key) => {
      const db = new PostgresDatabase(stack, 'Database', { ...BASE, network: testNetwork(stack, key), encryptionKey: key });
      db.grantConnect(testRole(stack), BASE.masterUsername);
    }),
  ).toMatch(/no grantee may log in as the master user 'ppu_admin'/);
  expect(
    constructionError((stack, key) => new PostgresDatabase(stack, 'Database', { ...BASE, network: testNetwork(stack, key), encryptionKey: key, users: ['ppu_admin'] })),
  ).toMatch(/must not include the master user 'ppu_admin'/);
});

test('without a proxy the users get no secrets: they log in with IAM tokens at the instance (rds_iam)', () => {
  const json = synthDatabase({ users: USERS }, (db) => expect(db.userSecretArns).toEqual({}));
  expect(resourcesOf(json, 'aws_secretsmanager_secret')).toEqual([]);
});

describe('with an RDS Proxy', () => {
  const [[proxyId, proxy]] = resourcesOf(proxied, 'aws_db_proxy');
  const [proxiedInstanceId] = instanceOf(proxied);

  // RDS Proxy with client IAM auth logs in to PostgreSQL with one Secrets Manager secret per
  // database user (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-setup.html);
  // provider 5.100.0's aws_db_proxy takes one auth block per secret.
  test('the proxy requires IAM authentication and TLS, and logs in as each user with that user\'s own secret', () => {
    expect(proxy).toMatchObject({ engine_family: 'POSTGRESQL', require_tls: true, debug_logging: false });
    const secrets = userSecrets(proxied);
    expect(secrets.map(([, secret]) => secret.name)).toEqual(USERS.map((user) => `ppu-postgres/db-users/${user}`));
    expect(proxy.auth).toEqual(
      secrets.map(([id]) => expect.objectContaining({ auth_scheme: 'SECRETS', iam_auth: 'REQUIRED', secret_arn: ref('aws_secretsmanager_secret', id, 'arn') })),
    );
    expect(JSON.stringify(proxy.auth)).not.toContain('master_user_secret');
    expect(proxy.vpc_subnet_ids.every((s: string) => s.includes('PrivateSubnet'))).toBe(true);
  });

  // A deleted secret keeps its name for its recovery window (30 days by default), so turning the proxy
  // off and on, or rebuilding the account, would fail in CreateSecret with the name still taken
  // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html). The
  // value is a password database-admin sets again, so nothing needs recovering.
  test('the user secrets are deleted at once (no recovery window), so the proxy can be turned off and on and staging rebuilt', () => {
    const secrets = resourcesOf(proxied, 'aws_secretsmanager_secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const [, secret] of secrets) expect([secret.name, secret.recovery_window_in_days]).toEqual([secret.name, 0]);
  });

  test('an instance user (the migrator) gets a secret the proxy neither reads nor offers a login with', () => {
    const json = synthDatabase({ proxy: true, users: ['app_writer'], instanceUsers: ['ppu_migrator'] });
    const secrets = resourcesOf(json, 'aws_secretsmanager_secret');
    expect(secrets.map(([, s]) => s.name).sort()).toEqual(['ppu-postgres/db-users/app_writer', 'ppu-postgres/db-users/ppu_migrator']);
    const migrator = ref('aws_secretsmanager_secret', secrets.find(([, s]) => s.name.endsWith('/ppu_migrator'))![0], 'arn');
    const [[, proxyOfJson]] = resourcesOf(json, 'aws_db_proxy');
    expect(JSON.stringify(proxyOfJson.auth)).not.toContain(migrator);
    const proxyRole = resourcesOf(json, 'aws_iam_role').find(([, r]) => r.name === 'ppu-postgres-proxy')!;
    const proxyPolicy = resourcesOf(json, 'aws_iam_role_policy').find(([, p]) => p.role.includes(proxyRole[0]))!;
    expect(proxyPolicy[1].policy).not.toContain(migrator);
  });

  test('grantReadMasterSecret lets one grantee read the master secret, decrypting through Secrets Manager only', () => {
    const json = synthDatabase({ proxy: true, users: USERS }, (db) => db.grantReadMasterSecret(testRole(db)));
    const masterSecret = ref('aws_db_instance', instanceOf(json)[0], 'master_user_secret[0].secret_arn');
    const statements = resourcesOf(json, 'aws_iam_role_policy')
      .filter(([, p]) => p.role.includes('Database_Role'))
      .flatMap(([, p]) => JSON.parse(p.policy).Statement);
    expect(statements.map((s: { Action: unknown; Resource: unknown; Condition?: unknown }) => [s.Action, s.Resource, s.Condition])).toEqual([
      ['secretsmanager:GetSecretValue', masterSecret, undefined],
      ['kms:Decrypt', keyArn(json), { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } }],
    ]);
  });

  test('the user secrets are encrypted with the key and hold no value: no password in the synthesized JSON or state', () => {
    for (const [, secret] of resourcesOf(proxied, 'aws_secretsmanager_secret')) expect(secret.kms_key_id).toBe(keyArn(proxied));
    expect(resourcesOf(proxied, 'aws_secretsmanager_secret_version')).toEqual([]);
    expect(proxied.ephemeral).toBeUndefined();
  });

  test('the proxy role may read only the user secrets and decrypt them through Secrets Manager', () => {
    const role = resourcesOf(proxied, 'aws_iam_role').find(([, r]) => r.name === 'ppu-postgres-proxy')!;
    expect(proxy.role_arn).toBe(ref('aws_iam_role', role[0], 'arn'));
    expect(JSON.parse(role[1].assume_role_policy).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'rds.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    const policy = resourcesOf(proxied, 'aws_iam_role_policy').find(([, p]) => p.role.includes(role[0]))!;
    const secretArns = userSecrets(proxied).map(([id]) => ref('aws_secretsmanager_secret', id, 'arn'));
    expect(JSON.parse(policy[1].policy).Statement.map((s: { Action: unknown; Resource: unknown; Condition?: unknown }) => [s.Action, s.Resource, s.Condition])).toEqual([
      [['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], secretArns, undefined],
      ['kms:Decrypt', keyArn(proxied), { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } }],
    ]);
  });

  test('grantManageUserSecrets lets a grantee read and write the named users\' secrets only, through Secrets Manager', () => {
    const json = synthDatabase({ proxy: true, users: USERS }, (db) => db.grantManageUserSecrets(testRole(db), ['app_writer', 'app_reader']));
    const arnOf = (user: string) => ref('aws_secretsmanager_secret', resourcesOf(json, 'aws_secretsmanager_secret').find(([, s]) => s.name.endsWith(`/${user}`))![0], 'arn');
    const statements = resourcesOf(json, 'aws_iam_role_policy')
      .filter(([, p]) => p.role.includes('Database_Role'))
      .flatMap(([, p]) => JSON.parse(p.policy).Statement);
    expect(statements.map((s: { Action: unknown; Resource: unknown }) => [s.Action, s.Resource])).toEqual([
      [['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret'], [arnOf('app_writer'), arnOf('app_reader')]],
      [['kms:Decrypt', 'kms:GenerateDataKey'], keyArn(json)],
    ]);
  });

  test('a proxy needs users to log in as', () => {
    expect(constructionError((stack, key) => new PostgresDatabase(stack, 'Database', { ...BASE, network: testNetwork(stack, key), encryptionKey: key, proxy: true }))).toMatch(
      /a proxy needs at least one entry in users; the master user is never one/,
    );
  });

  test('the proxy targets the instance through its default target group', () => {
    const [[groupId, group]] = resourcesOf(proxied, 'aws_db_proxy_default_target_group');
    const [[, target]] = resourcesOf(proxied, 'aws_db_proxy_target');
    expect(group.db_proxy_name).toBe(ref('aws_db_proxy', proxyId, 'name'));
    expect(target).toMatchObject({ target_group_name: ref('aws_db_proxy_default_target_group', groupId, 'name'), db_instance_identifier: ref('aws_db_instance', proxiedInstanceId, 'identifier') });
  });

  test('Lambda reaches only the proxy and only the proxy reaches the database, group to group on 5432', () => {
    const rules = (direction: string) =>
      resourcesOf(proxied, `aws_vpc_security_group_${direction}_rule`)
        .map(([, r]) => r)
        .filter((r) => r.from_port === 5432)
        .map((r) => [r.security_group_id, r.referenced_security_group_id]);
    const lambda = groupRef(proxied, 'test-lambda');
    const proxyGroup = groupRef(proxied, 'test-database-proxy');
    const database = groupRef(proxied, 'test-database');
    expect(rules('ingress').sort()).toEqual([
      [proxyGroup, lambda],
      [database, proxyGroup],
    ].sort());
    expect(rules('egress').sort()).toEqual([
      [lambda, proxyGroup],
      [proxyGroup, database],
    ].sort());
    expect(proxy.vpc_security_group_ids).toEqual([proxyGroup]);
  });

  test('clients connect to the proxy endpoint, and grantConnect covers the proxy resource id only (never the instance)', () => {
    const json = synthDatabase({ proxy: true, users: USERS }, (db) => {
      expect(db.connectHost).toBe(db.proxyEndpoint);
      db.grantConnect(testRole(db), 'ppu_app');
    });
    const [localId] = Object.keys(json.locals);
    const policy = resourcesOf(json, 'aws_iam_role_policy')
      .map(([, p]) => JSON.parse(p.policy))
      .find((p) => p.Statement[0].Sid === 'DbConnectDatabasePpuApp');
    expect(policy.Statement[0].Resource).toBe(`arn:aws:rds-db:eu-west-1:111122223333:dbuser:\${local.${localId}}/ppu_app`);
    expect(json.locals[localId]).toBe(`\${element(split(":", ${ref('aws_db_proxy', proxyId, 'arn').slice(2, -1)}), 6)}`);
  });
});

describe('rejects bad props before anything is synthesized', () => {
  const errorWith = (overrides: Overrides) =>
    constructionError((stack, key) => new PostgresDatabase(stack, 'Database', { ...BASE, network: testNetwork(stack, key), encryptionKey: key, ...overrides }));

  test('an unknown instance class family', () => {
    expect(errorWith({ instanceClass: 'db.x9.large' })).toMatch(/^PostgresDatabase ppu-postgres: instance class 'db.x9.large' is not of a known family; use <family>.<size> with family one of db.t3, db.t4g/);
  });

  test('an unknown size of a known family', () => {
    expect(errorWith({ instanceClass: 'db.r6g.micro' })).toMatch(/instance class 'db.r6g.micro' has an unknown size; db.r6g comes in large, xlarge/);
  });

  test.each([0, 36])('a backup retention of %i days', (days) => {
    expect(errorWith({ backupRetentionDays: days })).toBe(`PostgresDatabase ppu-postgres: backupRetentionDays ${days} is outside 1-35; RDS keeps automated backups for 1 to 35 days`);
  });

  test('an old PostgreSQL major version', () => {
    expect(errorWith({ engineVersion: '13.7' })).toMatch(/engineVersion '13.7' is not a current PostgreSQL version; use 15 or newer/);
  });

  test('a storage ceiling below the allocated storage', () => {
    expect(errorWith({ allocatedStorageGiB: 50, maxAllocatedStorageGiB: 40 })).toMatch(/maxAllocatedStorageGiB 40 must be an integer between allocatedStorageGiB \(50\) and 65536/);
  });

  test('a Performance Insights retention RDS does not offer', () => {
    expect(errorWith({ performanceInsightsRetentionDays: 30 })).toMatch(/performanceInsightsRetentionDays 30 is not offered; use one of 7, 31, 93, 731/);
  });

  test('an identifier RDS refuses', () => {
    expect(errorWith({ identifier: 'PPU_db' })).toMatch(/identifier 'PPU_db' must be 2-63 lower-case letters/);
  });

  test('the valid props build without error', () => {
    expect(errorWith({})).toBe('');
  });
});

test("metricXxx() are the instance's AWS/RDS metrics, each with the statistic that pages (peak connections, lowest free storage)", () => {
  let metrics: unknown[] = [];
  let identifier = '';
  synthDatabase({}, (db) => {
    identifier = db.instanceIdentifier;
    metrics = [db.metricCPUUtilization(), db.metricDatabaseConnections(), db.metricFreeStorageSpace(), db.metricCPUUtilization({ statistic: 'Maximum' })];
  });
  // The instance's identifier attribute, so the alarm follows the instance.
  const dimensions = { DBInstanceIdentifier: identifier };
  expect(identifier).not.toBe('');
  expect(metrics).toEqual([
    { namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions, statistic: 'Average' },
    { namespace: 'AWS/RDS', metricName: 'DatabaseConnections', dimensions, statistic: 'Maximum' },
    { namespace: 'AWS/RDS', metricName: 'FreeStorageSpace', dimensions, statistic: 'Minimum' },
    { namespace: 'AWS/RDS', metricName: 'CPUUtilization', dimensions, statistic: 'Maximum' },
  ]);
});
