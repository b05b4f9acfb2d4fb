import type { Network, NetworkProps } from '../../constructs/network';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';
import { constructionError, NETWORK_PROPS, ref, testNetwork } from '../helpers/data-fixtures';

function synthNetwork(overrides: Partial<NetworkProps> = {}, after?: (network: Network) => void) {
  return synthWith((stack, key) => {
    const network = testNetwork(stack, key, overrides);
    after?.(network);
  });
}

const single = synthNetwork();
const perAz = synthNetwork({ natGateways: 'per-az' });
const one = (json: Record<string, any>, type: string) => {
  const list = resourcesOf(json, type);
  expect(list).toHaveLength(1);
  return list[0];
};
const idOf = (json: Record<string, any>, type: string, match: (r: Record<string, any>) => boolean) => {
  const found = resourcesOf(json, type).find(([, r]) => match(r));
  if (!found) throw new Error(`no ${type} matches`);
  return found[0];
};
const groupId = (json: Record<string, any>, nameSuffix: string) => idOf(json, 'aws_security_group', (g) => g.tags.Name === `test-${nameSuffix}`);
const rulesOf = (json: Record<string, any>, direction: 'ingress' | 'egress', nameSuffix: string) =>
  resourcesOf(json, `aws_vpc_security_group_${direction}_rule`)
    .map(([, rule]) => rule)
    .filter((rule) => rule.security_group_id === ref('aws_security_group', groupId(json, nameSuffix), 'id'));

test('the VPC uses the configured CIDR with DNS hostnames for private endpoint DNS', () => {
  const [, vpc] = one(single, 'aws_vpc');
  expect(vpc).toMatchObject({ cidr_block: '10.10.0.0/16', enable_dns_support: true, enable_dns_hostnames: true });
});

test('one public and one private subnet per configured zone, none assigning public IPs', () => {
  const subnets = resourcesOf(single, 'aws_subnet').map(([, s]) => [s.cidr_block, s.availability_zone, s.map_public_ip_on_launch, s.tags.tier]);
  expect(subnets).toEqual([
    ['10.10.16.0/20', 'eu-west-1a', false, 'private'],
    ['10.10.32.0/20', 'eu-west-1b', false, 'private'],
    ['10.10.0.0/24', 'eu-west-1a', false, 'public'],
    ['10.10.1.0/24', 'eu-west-1b', false, 'public'],
  ]);
});

test('public subnets route to the internet gateway', () => {
  const [igwId] = one(single, 'aws_internet_gateway');
  const publicTable = idOf(single, 'aws_route_table', (t) => t.tags.Name === 'test-public');
  const routes = resourcesOf(single, 'aws_route').map(([, r]) => r);
  expect(routes).toContainEqual(
    expect.objectContaining({ route_table_id: ref('aws_route_table', publicTable, 'id'), destination_cidr_block: '0.0.0.0/0', gateway_id: ref('aws_internet_gateway', igwId, 'id') }),
  );
});

test('single NAT: one gateway in the first public subnet serves both private route tables', () => {
  const [natId, nat] = one(single, 'aws_nat_gateway');
  expect(nat.subnet_id).toBe(ref('aws_subnet', idOf(single, 'aws_subnet', (s) => s.cidr_block === '10.10.0.0/24'), 'id'));
  const natRoutes = resourcesOf(single, 'aws_route').filter(([, r]) => r.nat_gateway_id);
  expect(natRoutes.map(([, r]) => r.nat_gateway_id)).toEqual([ref('aws_nat_gateway', natId, 'id'), ref('aws_nat_gateway', natId, 'id')]);
});

// NAT gateways are billed per hour each plus per GB processed (https://aws.amazon.com/vpc/pricing/);
// with no internet egress nothing in the VPC can use one, so 'none' builds no gateway, address or route.
test("NAT 'none': no gateway, no Elastic IP, and the private route tables have no default route", () => {
  const none = synthNetwork({ natGateways: 'none' });
  expect(resourcesOf(none, 'aws_nat_gateway')).toEqual([]);
  expect(resourcesOf(none, 'aws_eip')).toEqual([]);
  const privateTables = resourcesOf(none, 'aws_route_table').filter(([, t]) => String(t.tags.Name).startsWith('test-private-'));
  expect(privateTables).toHaveLength(2);
  const routesFrom = (id: string) => resourcesOf(none, 'aws_route').filter(([, r]) => r.route_table_id === ref('aws_route_table', id, 'id'));
  for (const [id] of privateTables) expect(routesFrom(id)).toEqual([]);
  // The gateway endpoints still serve the private route tables.
  const s3 = resourcesOf(none, 'aws_vpc_endpoint').find(([, e]) => e.service_name.endsWith('.s3'))![1];
  expect(s3.route_table_ids).toEqual(privateTables.map(([id]) => ref('aws_route_table', id, 'id')));
});

test("internet egress with NAT 'none' is refused naming both settings and the fix", () => {
  expect(constructionError((stack, key) => testNetwork(stack, key, { natGateways: 'none', lambdaHttpsToInternet: true }))).toMatch(
    /lambdaHttpsToInternet needs a NAT gateway but natGateways is 'none'; set natGateways to 'single' or 'per-az', or turn lambdaHttpsToInternet off/,
  );
});

test('per-AZ NAT: each zone has its own gateway and its private subnets route through it', () => {
  const nats = resourcesOf(perAz, 'aws_nat_gateway');
  expect(nats).toHaveLength(2);
  expect(resourcesOf(perAz, 'aws_eip')).toHaveLength(2);
  const natRoutes = resourcesOf(perAz, 'aws_route')
    .filter(([, r]) => r.nat_gateway_id)
    .map(([, r]) => r.nat_gateway_id);
  expect(natRoutes).toEqual(nats.map(([id]) => ref('aws_nat_gateway', id, 'id')));
});

test('S3 and DynamoDB gateway endpoints serve the private route tables', () => {
  const privateTables = resourcesOf(single, 'aws_route_table')
    .filter(([, t]) => t.tags.Name.startsWith('test-private'))
    .map(([id]) => ref('aws_route_table', id, 'id'));
  const gateways = resourcesOf(single, 'aws_vpc_endpoint').filter(([, e]) => e.vpc_endpoint_type === 'Gateway');
  expect(gateways.map(([, e]) => [e.service_name, e.route_table_ids])).toEqual([
    ['com.amazonaws.eu-west-1.dynamodb', privateTables],
    ['com.amazonaws.eu-west-1.s3', privateTables],
  ]);
});

test('interface endpoints are exactly the configured services, with private DNS, in the private subnets', () => {
  const interfaces = resourcesOf(single, 'aws_vpc_endpoint')
    .filter(([, e]) => e.vpc_endpoint_type === 'Interface')
    .map(([, e]) => e);
  expect(interfaces.map((e) => e.service_name).sort()).toEqual(['com.amazonaws.eu-west-1.logs', 'com.amazonaws.eu-west-1.secretsmanager', 'com.amazonaws.eu-west-1.sts']);
  const endpointGroup = ref('aws_security_group', groupId(single, 'endpoints'), 'id');
  for (const endpoint of interfaces) {
    expect(endpoint.private_dns_enabled).toBe(true);
    expect(endpoint.security_group_ids).toEqual([endpointGroup]);
    expect(endpoint.subnet_ids).toHaveLength(2);
    expect(endpoint.subnet_ids.every((s: string) => s.includes('PrivateSubnet'))).toBe(true);
  }
  const fewer = synthNetwork({ interfaceEndpoints: ['sts'] });
  expect(resourcesOf(fewer, 'aws_vpc_endpoint').filter(([, e]) => e.vpc_endpoint_type === 'Interface')).toHaveLength(1);
});

test('flow logs record all traffic into a KMS-encrypted log group with the configured retention', () => {
  const [groupIdValue, group] = one(single, 'aws_cloudwatch_log_group');
  expect(group).toMatchObject({ name: '/aws/vpc/flow-logs/test', retention_in_days: 30 });
  expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\.Key_[A-Z0-9]+\.arn\}$/);
  const [, flowLog] = one(single, 'aws_flow_log');
  expect(flowLog).toMatchObject({ traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs', log_destination: ref('aws_cloudwatch_log_group', groupIdValue, 'arn') });
});

test('the flow-log role may write only to its own log group', () => {
  const [, role] = one(single, 'aws_iam_role');
  expect(JSON.parse(role.assume_role_policy).Statement[0].Principal).toEqual({ Service: 'vpc-flow-logs.amazonaws.com' });
  const [, policy] = one(single, 'aws_iam_role_policy');
  const [logGroup] = one(single, 'aws_cloudwatch_log_group');
  const arn = ref('aws_cloudwatch_log_group', logGroup, 'arn');
  expect(JSON.parse(policy.policy).Statement).toEqual([
    { Sid: 'WriteFlowLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: [arn, `${arn}:*`] },
  ]);
});

test("only this account's flow-log service may assume the flow-log role", () => {
  const [, role] = one(single, 'aws_iam_role');
  expect(JSON.parse(role.assume_role_policy).Statement[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '111122223333' } });
});

test('the default security group is managed with no rules at all', () => {
  const [, group] = one(single, 'aws_default_security_group');
  expect(group.ingress).toBeUndefined();
  expect(group.egress).toBeUndefined();
  expect(Object.keys(group).filter((k) => k !== '//').sort()).toEqual(['tags', 'vpc_id']);
});

test('security groups carry descriptions and no inline rules', () => {
  const groups = resourcesOf(single, 'aws_security_group').map(([, g]) => g);
  expect(groups.map((g) => [g.name_prefix, g.tags.Name]).sort()).toEqual([
    ['test-database-', 'test-database'],
    ['test-endpoints-', 'test-endpoints'],
    ['test-lambda-', 'test-lambda'],
  ]);
  for (const group of groups) {
    expect(group.description.length).toBeGreaterThan(10);
    expect(group.ingress).toBeUndefined();
    expect(group.egress).toBeUndefined();
  }
});

test('every rule is a separate resource with a description', () => {
  const rules = [...resourcesOf(single, 'aws_vpc_security_group_ingress_rule'), ...resourcesOf(single, 'aws_vpc_security_group_egress_rule')];
  expect(rules.length).toBeGreaterThan(0);
  for (const [, rule] of rules) expect(rule.description).toMatch(/\w{3,}/);
});

test('the network leaves the database group closed: the database construct wires its one client path', () => {
  expect(rulesOf(single, 'ingress', 'database')).toEqual([]);
  expect(rulesOf(single, 'egress', 'database')).toEqual([]);
});

test('the interface endpoints admit HTTPS from the Lambda group only', () => {
  const lambda = ref('aws_security_group', groupId(single, 'lambda'), 'id');
  expect(rulesOf(single, 'ingress', 'endpoints').map((r) => [r.from_port, r.referenced_security_group_id])).toEqual([[443, lambda]]);
});

test('Lambda egress by default: HTTPS to the interface endpoints and the S3 and DynamoDB prefix lists, nothing to the internet', () => {
  const egress = rulesOf(single, 'egress', 'lambda').map((r) => [r.from_port, r.to_port, r.referenced_security_group_id ?? r.prefix_list_id ?? r.cidr_ipv4]);
  const s3 = idOf(single, 'aws_vpc_endpoint', (e) => e.service_name.endsWith('.s3'));
  const dynamodb = idOf(single, 'aws_vpc_endpoint', (e) => e.service_name.endsWith('.dynamodb'));
  const byTarget = (a: unknown[], b: unknown[]) => String(a[2]).localeCompare(String(b[2]));
  expect(egress.sort(byTarget)).toEqual([
    [443, 443, ref('aws_security_group', groupId(single, 'endpoints'), 'id')],
    [443, 443, ref('aws_vpc_endpoint', s3, 'prefix_list_id')],
    [443, 443, ref('aws_vpc_endpoint', dynamodb, 'prefix_list_id')],
  ].sort(byTarget));
});

test('lambdaHttpsToInternet adds exactly one HTTPS rule to 0.0.0.0/0, described as AWS APIs without an endpoint', () => {
  const open = synthNetwork({ lambdaHttpsToInternet: true });
  const internet = rulesOf(open, 'egress', 'lambda').filter((r) => r.cidr_ipv4);
  expect(internet.map((r) => [r.cidr_ipv4, r.ip_protocol, r.from_port, r.to_port, r.description])).toEqual([
    ['0.0.0.0/0', 'tcp', 443, 443, 'HTTPS through NAT to AWS APIs that have no endpoint in this VPC'],
  ]);
});

test('others ask the network for a security group; asking twice returns the same group', () => {
  let same = false;
  const json = synthNetwork({}, (network) => {
    const group = network.securityGroup('Cache', 'cache', 'Cache nodes');
    same = network.securityGroup('Cache', 'cache', 'Cache nodes') === group;
    group.allowIngress({ id: 'FromLambda', peer: { securityGroup: network.lambdaSecurityGroup }, port: 6379, description: 'Redis from Lambda' });
    group.allowIngress({ id: 'FromLambda', peer: { securityGroup: network.lambdaSecurityGroup }, port: 6379, description: 'Redis from Lambda' });
  });
  expect(same).toBe(true);
  expect(resourcesOf(json, 'aws_security_group').filter(([, g]) => g.tags.Name === 'test-cache')).toHaveLength(1);
  expect(rulesOf(json, 'ingress', 'cache')).toHaveLength(1);
});

test('exposes the private and public subnet ids and the role group ids', () => {
  synthWith((stack, key) => {
    const network = testNetwork(stack, key);
    expect(network.privateSubnetIds).toHaveLength(2);
    expect(network.publicSubnetIds).toHaveLength(2);
    expect(network.lambdaSecurityGroupId).toBe(network.lambdaSecurityGroup.securityGroupId);
    expect(network.databaseSecurityGroupId).toBe(network.databaseSecurityGroup.securityGroupId);
  });
});

describe('rejects bad props before anything is synthesized', () => {
  const errorWith = (overrides: Partial<NetworkProps>) => constructionError((stack, key) => testNetwork(stack, key, overrides));

  test('an availability zone outside the region', () => {
    expect(errorWith({ availabilityZones: ['eu-west-1a', 'us-east-1b'] })).toBe(
      "Network test: availability zone 'us-east-1b' is not in eu-west-1; use one of eu-west-1a, eu-west-1b, eu-west-1c",
    );
  });

  test('a zone letter the region does not have', () => {
    expect(errorWith({ availabilityZones: ['eu-west-1a', 'eu-west-1d'] })).toMatch(/'eu-west-1d' is not in eu-west-1/);
  });

  test('other than two zones', () => {
    expect(errorWith({ availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] })).toMatch(/give exactly two zones of eu-west-1/);
  });

  test('a subnet that does not fit the VPC CIDR', () => {
    expect(errorWith({ privateSubnetCidrs: ['10.10.16.0/20', '10.11.32.0/20'] })).toBe(
      'Network test: private subnet 10.11.32.0/20 does not fit in the VPC CIDR 10.10.0.0/16; choose a block inside 10.10.0.0/16',
    );
  });

  test('overlapping subnets', () => {
    expect(errorWith({ publicSubnetCidrs: ['10.10.16.0/24', '10.10.1.0/24'] })).toMatch(/public subnet 10.10.16.0\/24 overlaps private subnet 10.10.16.0\/20/);
  });

  test('a subnet count that does not match the zones', () => {
    expect(errorWith({ publicSubnetCidrs: ['10.10.0.0/24'] })).toMatch(/1 public subnets for 2 zones/);
  });

  test('a VPC CIDR that is not a block', () => {
    expect(errorWith({ cidr: '10.10.0.1/16' })).toMatch(/VPC CIDR '10.10.0.1\/16' is not an IPv4 block/);
  });

  test('a flow-log retention CloudWatch does not offer', () => {
    expect(errorWith({ flowLogRetentionDays: 45 })).toMatch(/flowLogRetentionDays 45 is not a CloudWatch Logs retention/);
  });

  test('the valid props build without error', () => {
    expect(errorWith({})).toBe('');
    expect(NETWORK_PROPS.availabilityZones).toHaveLength(2);
  });
});
