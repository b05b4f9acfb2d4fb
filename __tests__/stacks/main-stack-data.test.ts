import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironments } from '../../environments/load';
import { FUNCTIONS } from '../../catalogue';
import { REPO_ROOT } from '../../build/build-manifest';
import { expectedMaxConnections } from '../helpers/rds';
import { readStack, readWorkload, sharedSynth } from '../helpers/terraform';

// The real app, synthesized once: what CI plans for each account.
const outdir = sharedSynth();
const accounts = loadEnvironments({ overrides: {} });
const mainStacks = accounts.map((config) => [config.name, readWorkload(outdir, config), config] as const);

/** Every boto3 client the VPC functions create (in the handler or a shared module in its zip), with the call made on it. */
const VPC_FUNCTION_CLIENTS = FUNCTIONS.filter((fn) => fn.vpc).flatMap((fn) =>
  [path.join(REPO_ROOT, 'lambda-functions', fn.name, 'handler.py'), ...fn.sharedModules.map((m) => path.join(REPO_ROOT, 'lambda-functions', 'shared', `${m}.py`))].flatMap((file) =>
    [...fs.readFileSync(file, 'utf8').matchAll(/\.(?:client|resource)\(\s*["']([a-z0-9-]+)["'][^)]*\)(\.\w+)?/g)].map(([, service, call]) => ({ function: fn.name, service, call })),
  ),
);
/** Endpoint service names that differ from the boto3 client name. */
const ENDPOINT_OF_CLIENT: Record<string, string> = { cloudwatch: 'monitoring' };

const resources = (json: Record<string, any>, type: string): Record<string, any>[] => Object.values(json.resource?.[type] ?? {});
const single = (json: Record<string, any>, type: string) => {
  const list = resources(json, type);
  expect(list).toHaveLength(1);
  return list[0];
};
const platformKeyArn = (json: Record<string, any>) => {
  const [id] = Object.keys(json.resource.aws_kms_key).filter((k) => k.startsWith('PlatformKey'));
  return `\${aws_kms_key.${id}.arn}`;
};

describe.each(mainStacks)('%s main stack', (name, json, config) => {

  test('the VPC takes the account CIDR and its subnets the configured zones and blocks', () => {
    expect(single(json, 'aws_vpc').cidr_block).toBe(config.network.cidr);
    const subnets = resources(json, 'aws_subnet').map((s) => [s.availability_zone, s.cidr_block]);
    expect(subnets).toEqual(
      expect.arrayContaining([
        ...config.availabilityZones.map((az, i) => [az, config.network.publicSubnetCidrs[i]]),
        ...config.availabilityZones.map((az, i) => [az, config.network.privateSubnetCidrs[i]]),
      ]),
    );
    expect(subnets).toHaveLength(config.availabilityZones.length * 2);
  });

  test('the database, its proxy and the functions use the private subnets only', () => {
    const [subnetGroup] = resources(json, 'aws_db_subnet_group');
    expect(subnetGroup.subnet_ids.every((s: string) => s.includes('PrivateSubnet'))).toBe(true);
    expect(single(json, 'aws_db_instance').publicly_accessible).toBe(false);
  });

  test('everything stored at rest is encrypted with the platform key', () => {
    const key = platformKeyArn(json);
    const db = single(json, 'aws_db_instance');
    expect([db.kms_key_id, db.performance_insights_kms_key_id, db.master_user_secret_kms_key_id]).toEqual([key, key, key]);
    expect(single(json, 'aws_s3_bucket_server_side_encryption_configuration').rule[0].apply_server_side_encryption_by_default.kms_master_key_id).toBe(key);
    expect(single(json, 'aws_dynamodb_table').server_side_encryption.kms_key_arn).toBe(key);
    const queues = resources(json, 'aws_sqs_queue');
    expect(queues.map((q) => q.name)).toEqual(expect.arrayContaining(['software-update-events', 'software-update-events-dlq']));
    for (const queue of queues) expect(queue.kms_master_key_id).toBe(key);
    const logGroups = resources(json, 'aws_cloudwatch_log_group');
    expect(logGroups.length).toBeGreaterThanOrEqual(3);
    for (const group of logGroups) expect(group.kms_key_id).toBe(key);
  });

  test('the platform key lets CloudWatch Logs encrypt only this account\'s log groups', () => {
    const policy = JSON.parse(resources(json, 'aws_kms_key')[0].policy);
    const logs = policy.Statement.find((s: { Sid: string }) => s.Sid === 'CloudWatchLogs');
    expect(logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toBe(`arn:aws:logs:${config.region}:${config.accountId}:log-group:*`);
  });

  // CloudWatch alarms: AWS's documented statement has no condition (repost.aws/knowledge-center/cloudwatch-configure-alarm-sns).
  test('the platform key admits exactly two services: CloudWatch Logs for this account\'s log groups, and CloudWatch alarms in the documented form', () => {
    const policy = JSON.parse(resources(json, 'aws_kms_key')[0].policy);
    const services = policy.Statement.filter((s: { Principal: { Service?: string } }) => s.Principal.Service);
    expect(services.map((s: { Sid: string; Principal: { Service: string } }) => [s.Sid, s.Principal.Service])).toEqual([
      ['CloudWatchLogs', `logs.${config.region}.amazonaws.com`],
      ['CloudWatchAlarmsPublish', 'cloudwatch.amazonaws.com'],
    ]);
    expect(services[1].Condition).toBeUndefined();
    expect(services[1].Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
  });

  test('every security group and rule says why it exists, and nothing is admitted by CIDR', () => {
    for (const group of resources(json, 'aws_security_group')) expect(group.description).toMatch(/\w{3,}/);
    const ingress = resources(json, 'aws_vpc_security_group_ingress_rule');
    const egress = resources(json, 'aws_vpc_security_group_egress_rule');
    for (const rule of [...ingress, ...egress]) expect(rule.description).toMatch(/\w{3,}/);
    expect(ingress.filter((rule) => rule.cidr_ipv4 || rule.cidr_ipv6 || rule.prefix_list_id)).toEqual([]);
    expect(egress.filter((rule) => rule.cidr_ipv4 || rule.cidr_ipv6)).toEqual([]);
  });

  test('every AWS API the VPC functions call has an endpoint in the VPC (Lambda has no route to the internet)', () => {
    const endpoints = resources(json, 'aws_vpc_endpoint').map((e) => String(e.service_name).replace(`com.amazonaws.${config.region}.`, ''));
    // The rds client only signs IAM auth tokens, which needs no network.
    const rds = VPC_FUNCTION_CLIENTS.filter(({ service }) => service === 'rds');
    expect(rds.filter(({ call }) => call !== '.generate_db_auth_token')).toEqual([]);
    const called = VPC_FUNCTION_CLIENTS.filter(({ service }) => service !== 'rds');
    expect(called.map(({ service }) => service)).toEqual(expect.arrayContaining(['secretsmanager', 'cloudwatch', 'sqs', 's3', 'dynamodb']));
    expect(called.filter(({ service }) => !endpoints.includes(ENDPOINT_OF_CLIENT[service] ?? service))).toEqual([]);
  });

  // Interface endpoints bill per hour per zone (https://aws.amazon.com/privatelink/pricing/): the
  // VPC has exactly those its functions' code calls, plus Secrets Manager for the RDS Proxy, which
  // reads its secret from inside the VPC (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-secrets-arns.html).
  test('every interface endpoint is one the VPC functions call (or the proxy needs): nothing idle', () => {
    const interfaceEndpoints = resources(json, 'aws_vpc_endpoint')
      .filter((e) => e.vpc_endpoint_type === 'Interface')
      .map((e) => String(e.service_name).replace(`com.amazonaws.${config.region}.`, ''));
    const needed = new Set(VPC_FUNCTION_CLIENTS.filter(({ service }) => service !== 'rds').map(({ service }) => ENDPOINT_OF_CLIENT[service] ?? service));
    if (config.database.proxy) needed.add('secretsmanager');
    expect(interfaceEndpoints.filter((service) => !needed.has(service))).toEqual([]);
    expect(interfaceEndpoints.sort()).toEqual([...config.network.interfaceEndpoints].sort());
  });

  // NAT gateways bill per hour each (https://aws.amazon.com/vpc/pricing/): only when internet egress is on.
  test('NAT gateways exist only when the account lets the VPC functions reach the internet', () => {
    const nats = resources(json, 'aws_nat_gateway');
    const expected = { none: 0, single: 1, 'per-az': config.availabilityZones.length }[config.network.natGateways];
    expect(nats).toHaveLength(expected);
    if (!config.network.lambdaHttpsToInternet) expect(nats).toEqual([]);
    const internetEgress = resources(json, 'aws_vpc_security_group_egress_rule').filter((rule) => rule.cidr_ipv4 === '0.0.0.0/0');
    expect(internetEgress).toHaveLength(config.network.lambdaHttpsToInternet ? 1 : 0);
  });

  test('the parameter group forces TLS, logs statements slower than the configured threshold and sets max_connections for the class', () => {
    const group = single(json, 'aws_db_parameter_group');
    expect(group.family).toBe(`postgres${config.database.engineVersion.split('.')[0]}`);
    expect(group.parameter).toEqual([
      { name: 'rds.force_ssl', value: '1' },
      { name: 'log_min_duration_statement', value: String(config.database.slowStatementMs) },
      { name: 'max_connections', value: String(expectedMaxConnections(config.database.instanceClass)), apply_method: 'pending-reboot' },
    ]);
  });

  test('the connections alarm fires at the configured share of the max_connections the parameter group sets', () => {
    const maxConnections = Number(single(json, 'aws_db_parameter_group').parameter.find((p: { name: string }) => p.name === 'max_connections').value);
    const alarm = resources(json, 'aws_cloudwatch_metric_alarm').find((a) => a.alarm_name === 'rds-postgres-connections')!;
    expect(alarm.threshold).toBe(Math.floor((maxConnections * config.alarms.dbConnectionsPercentOfMax) / 100));
  });

  test('Lambda reaches PostgreSQL through the proxy when there is one, else directly; never both; database-admin reaches the instance', () => {
    const groupId = (suffix: string) => {
      const [id] = Object.entries(json.resource.aws_security_group).find(([, g]) => (g as { tags: { Name: string } }).tags.Name === `${name}-${suffix}`)!;
      return `\${aws_security_group.${id}.id}`;
    };
    const postgresIngress = resources(json, 'aws_vpc_security_group_ingress_rule')
      .filter((rule) => rule.from_port === 5432)
      .map((rule) => [rule.security_group_id, rule.referenced_security_group_id]);
    const [lambda, database, admin] = [groupId('lambda'), groupId('database'), groupId('database-admin')];
    if (config.database.proxy) {
      const proxy = groupId('database-proxy');
      expect(postgresIngress.sort()).toEqual([[proxy, lambda], [database, proxy], [database, admin]].sort());
    } else {
      expect(postgresIngress.sort()).toEqual([[database, lambda], [database, admin]].sort());
    }
  });

  test('the queue retention and redrive follow the account configuration', () => {
    const queue = resources(json, 'aws_sqs_queue').find((q) => q.name === 'software-update-events')!;
    expect(queue.message_retention_seconds).toBe(config.queue.messageRetentionSeconds);
    expect(JSON.parse(queue.redrive_policy).maxReceiveCount).toBe(config.queue.maxReceiveCount);
  });
});

describe.each(mainStacks)('%s differs from other accounts where its configuration says so', (_name, json, config) => {
  test('the database has the configured class, zones, storage, backups, deletion protection and final snapshot', () => {
    const db = single(json, 'aws_db_instance');
    expect(db).toMatchObject({
      instance_class: config.database.instanceClass,
      multi_az: config.database.multiAz,
      deletion_protection: config.database.deletionProtection,
      skip_final_snapshot: !config.database.finalSnapshot,
      max_allocated_storage: config.database.maxAllocatedStorageGiB,
      backup_retention_period: config.database.backupRetentionDays,
    });
    expect(db.final_snapshot_identifier).toBe(config.database.finalSnapshot ? 'ppu-postgres-final' : undefined);
  });

  test('an RDS Proxy (TLS, IAM auth required) stands in front of the database exactly when database.proxy is on', () => {
    if (config.database.proxy) {
      const proxy = single(json, 'aws_db_proxy');
      expect(proxy).toMatchObject({ require_tls: true });
      // One auth entry per database user, each requiring the client's IAM token.
      expect(proxy.auth.map((auth: { iam_auth: string }) => auth.iam_auth)).toEqual(proxy.auth.map(() => 'REQUIRED'));
      expect(proxy.auth.length).toBeGreaterThan(0);
    } else {
      expect(resources(json, 'aws_db_proxy')).toEqual([]);
    }
  });

  test('the uploads bucket admits exactly the configured CORS origins, and has no CORS rule without any', () => {
    const cors = resources(json, 'aws_s3_bucket_cors_configuration');
    if (config.storage.corsAllowedOrigins.length === 0) expect(cors).toEqual([]);
    else expect(single(json, 'aws_s3_bucket_cors_configuration').cors_rule[0].allowed_origins).toEqual(config.storage.corsAllowedOrigins);
  });

  test('the events table follows the account switch for deletion protection', () => {
    expect(single(json, 'aws_dynamodb_table').deletion_protection_enabled).toBe(config.database.deletionProtection);
  });

  test('the uploads bucket is named after the organisation, the account id and the region', () => {
    expect(single(json, 'aws_s3_bucket').bucket).toBe(`${config.organisation}-uploads-${config.accountId}-${config.region}`);
  });
});

test('bucket names are unique across accounts', () => {
  const names = mainStacks.map(([, json]) => single(json, 'aws_s3_bucket').bucket);
  expect(new Set(names).size).toBe(accounts.length);
});

describe('no password anywhere in the synthesized JSON', () => {
  const stacks = fs.readdirSync(path.join(outdir, 'stacks')).sort();

  /** Every [path, value] whose key mentions a password, anywhere in the document. */
  function passwordFields(node: unknown, at = ''): [string, unknown][] {
    if (Array.isArray(node)) return node.flatMap((item, i) => passwordFields(item, `${at}[${i}]`));
    if (node === null || typeof node !== 'object') return [];
    return Object.entries(node).flatMap(([key, value]) => [
      ...(/passw(or)?d|passwd|secret_string/i.test(key) ? [[`${at}.${key}`, value] as [string, unknown]] : []),
      ...passwordFields(value, `${at}.${key}`),
    ]);
  }

  test.each(stacks)('%s sets no password; the database password is managed by RDS', (stack) => {
    const json = readStack(outdir, stack);
    const fields = passwordFields(json);
    // The only password-related field allowed is the switch that hands the password to RDS.
    expect(fields.every(([field, value]) => field.endsWith('.manage_master_user_password') && value === true)).toBe(true);
    if (json.resource?.aws_db_instance) expect(fields).toHaveLength(1);
  });

  test('the database password cannot be in state either: no resource generates or stores one', () => {
    for (const [, json] of mainStacks) {
      expect(Object.keys(json.resource)).not.toEqual(expect.arrayContaining(['random_password']));
      expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
    }
  });
});
