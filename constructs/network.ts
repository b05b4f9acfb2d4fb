import { Construct } from 'constructs';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { REGION_AZ_LETTERS } from '../aws/aws-facts';
import { cidrContains, cidrsOverlap, isIpv4Cidr } from '../aws/cidr';
import type { EncryptionKey } from './encryption-key';
import { LogGroup } from './log-group';
import { SecurityGroup } from './security-group';
import { ServiceRole } from './service-role';
import { ConstructPropsError } from './construct-props-error';

/** AWS services that can get an interface endpoint (the suffix of com.amazonaws.<region>.<service>). */
export type InterfaceEndpointService = 'secretsmanager' | 'logs' | 'sts' | 'monitoring' | 'sqs' | 'kms' | 'rds';

/** Retention values CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export const POSTGRES_PORT = 5432;
const HTTPS_PORT = 443;

export interface NetworkProps {
  /** Prefix of Name tags and group names, e.g. the account name. */
  readonly name: string;
  /** The account the VPC lives in: only its flow-log service may assume the flow-log role. */
  readonly accountId: string;
  readonly region: string;
  /** Exactly two zones of `region`, from configuration (no data source). */
  readonly availabilityZones: readonly string[];
  /** The VPC's IPv4 block. */
  readonly cidr: string;
  /** One public subnet per availability zone, in the same order. */
  readonly publicSubnetCidrs: readonly string[];
  /** One private subnet per availability zone, in the same order. */
  readonly privateSubnetCidrs: readonly string[];
  /**
   * NAT gateways, which cost an hourly charge each plus data processing, so only when something
   * needs internet egress: 'none' (no NAT, private subnets have no route to the internet),
   * 'single' (one for the VPC) or 'per-az' (one per zone, survives a zone outage).
   */
  readonly natGateways: 'none' | 'single' | 'per-az';
  /** Services reached through interface endpoints in the private subnets. */
  readonly interfaceEndpoints: readonly InterfaceEndpointService[];
  readonly flowLogRetentionDays: number;
  /** Encrypts the flow-log group. */
  readonly encryptionKey: EncryptionKey;
  /**
   * Let the Lambda group open HTTPS to any address through NAT. Only for an AWS API a VPC function
   * calls that has no endpoint in this VPC; add its interface endpoint instead where one exists
   * (every API the VPC functions call today has one). Needs a NAT gateway (natGateways not
   * 'none'). Default: false.
   */
  readonly lambdaHttpsToInternet?: boolean;
}

/**
 * The account's VPC: public and private subnets in two zones, NAT when configured, gateway endpoints for S3 and
 * DynamoDB, the configured interface endpoints, flow logs, a rule-less default security group, and
 * the role security groups (Lambda, database, endpoints) wired to each other group-to-group (the
 * path to the database is wired by PostgresDatabase, which knows whether a proxy sits in between).
 */
export class Network extends Construct {
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly privateSubnetIds: string[];
  readonly publicSubnetIds: string[];
  readonly availabilityZones: readonly string[];
  /** Group of the VPC-attached Lambda functions. */
  readonly lambdaSecurityGroup: SecurityGroup;
  readonly lambdaSecurityGroupId: string;
  /** Group of the PostgreSQL instance; the database construct admits its one client path (Lambda or its proxy). */
  readonly databaseSecurityGroup: SecurityGroup;
  readonly databaseSecurityGroupId: string;
  /** Group of the interface endpoints; admits HTTPS from the Lambda group. */
  readonly endpointSecurityGroup: SecurityGroup;
  /** Managed prefix lists of the S3 and DynamoDB gateway endpoints (for egress rules). */
  readonly s3PrefixListId: string;
  readonly dynamodbPrefixListId: string;
  readonly interfaceEndpointServices: readonly InterfaceEndpointService[];
  readonly flowLogGroupName: string;
  private readonly name: string;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    validateNetworkProps(props);
    this.name = props.name;
    this.availabilityZones = [...props.availabilityZones];
    this.interfaceEndpointServices = [...props.interfaceEndpoints];

    const vpc = new Vpc(this, 'Vpc', {
      cidrBlock: props.cidr,
      enableDnsSupport: true,
      // Private DNS of interface endpoints needs DNS hostnames.
      enableDnsHostnames: true,
      tags: { Name: props.name },
    });
    this.vpcId = vpc.id;
    this.vpcCidr = props.cidr;

    // No rules: anything that lands in the default group by accident can talk to nothing.
    new DefaultSecurityGroup(this, 'DefaultSecurityGroup', { vpcId: vpc.id, tags: { Name: `${props.name}-default-locked` } });

    const igw = new InternetGateway(this, 'InternetGateway', { vpcId: vpc.id, tags: { Name: props.name } });
    const publicRoutes = new RouteTable(this, 'PublicRouteTable', { vpcId: vpc.id, tags: { Name: `${props.name}-public` } });
    new Route(this, 'PublicDefaultRoute', { routeTableId: publicRoutes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });

    const publicSubnets = props.availabilityZones.map((az, i) => {
      const subnet = new Subnet(this, `PublicSubnet${i}`, {
        vpcId: vpc.id,
        cidrBlock: props.publicSubnetCidrs[i],
        availabilityZone: az,
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-public-${az}`, tier: 'public' },
      });
      new RouteTableAssociation(this, `PublicSubnet${i}Routes`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
      return subnet;
    });
    this.publicSubnetIds = publicSubnets.map((s) => s.id);

    const natCount = { none: 0, single: 1, 'per-az': props.availabilityZones.length }[props.natGateways];
    const nats = publicSubnets.slice(0, natCount).map((subnet, i) => {
      const eip = new Eip(this, `NatAddress${i}`, { domain: 'vpc', tags: { Name: `${props.name}-nat-${props.availabilityZones[i]}` } });
      return new NatGateway(this, `NatGateway${i}`, {
        allocationId: eip.allocationId,
        subnetId: subnet.id,
        tags: { Name: `${props.name}-${props.availabilityZones[i]}` },
        dependsOn: [igw],
      });
    });

    // One route table per zone, so switching NAT on or to per-AZ only changes routes. Without NAT
    // the private subnets reach AWS only through the endpoints below.
    const privateRouteTables = props.availabilityZones.map((az, i) => {
      const table = new RouteTable(this, `PrivateRouteTable${i}`, { vpcId: vpc.id, tags: { Name: `${props.name}-private-${az}` } });
      if (nats.length > 0) {
        new Route(this, `PrivateDefaultRoute${i}`, {
          routeTableId: table.id,
          destinationCidrBlock: '0.0.0.0/0',
          natGatewayId: nats[Math.min(i, nats.length - 1)].id,
        });
      }
      return table;
    });
    const privateSubnets = props.availabilityZones.map((az, i) => {
      const subnet = new Subnet(this, `PrivateSubnet${i}`, {
        vpcId: vpc.id,
        cidrBlock: props.privateSubnetCidrs[i],
        availabilityZone: az,
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-private-${az}`, tier: 'private' },
      });
      new RouteTableAssociation(this, `PrivateSubnet${i}Routes`, { subnetId: subnet.id, routeTableId: privateRouteTables[i].id });
      return subnet;
    });
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    const gateway = (service: 's3' | 'dynamodb', endpointId: string) =>
      new VpcEndpoint(this, endpointId, {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: 'Gateway',
        routeTableIds: privateRouteTables.map((t) => t.id),
        tags: { Name: `${props.name}-${service}` },
      });
    this.s3PrefixListId = gateway('s3', 'S3Endpoint').prefixListId;
    this.dynamodbPrefixListId = gateway('dynamodb', 'DynamoDbEndpoint').prefixListId;

    this.lambdaSecurityGroup = this.securityGroup('LambdaSecurityGroup', 'lambda', 'VPC-attached Lambda functions');
    this.databaseSecurityGroup = this.securityGroup('DatabaseSecurityGroup', 'database', 'PostgreSQL instance; admits only its clients group (Lambda, or the RDS Proxy)');
    this.endpointSecurityGroup = this.securityGroup('EndpointSecurityGroup', 'endpoints', 'Interface VPC endpoints; admit HTTPS from the Lambda group');
    this.lambdaSecurityGroupId = this.lambdaSecurityGroup.securityGroupId;
    this.databaseSecurityGroupId = this.databaseSecurityGroup.securityGroupId;

    props.interfaceEndpoints.forEach((service) => {
      new VpcEndpoint(this, `${service[0].toUpperCase()}${service.slice(1)}Endpoint`, {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: this.privateSubnetIds,
        securityGroupIds: [this.endpointSecurityGroup.securityGroupId],
        tags: { Name: `${props.name}-${service}` },
      });
    });

    const lambda = this.lambdaSecurityGroup;
    if (props.interfaceEndpoints.length > 0) {
      lambda.connectTo(this.endpointSecurityGroup, HTTPS_PORT, 'LambdaToEndpoints', 'HTTPS from the Lambda functions to the interface endpoints');
    }
    lambda.allowEgress({ id: 'S3Out', peer: { prefixListId: this.s3PrefixListId }, port: HTTPS_PORT, description: 'HTTPS to S3 through the gateway endpoint' });
    lambda.allowEgress({
      id: 'DynamoDbOut',
      peer: { prefixListId: this.dynamodbPrefixListId },
      port: HTTPS_PORT,
      description: 'HTTPS to DynamoDB through the gateway endpoint',
    });
    if (props.lambdaHttpsToInternet ?? false) {
      lambda.allowEgress({
        id: 'HttpsThroughNatOut',
        peer: { cidrIpv4: '0.0.0.0/0' },
        port: HTTPS_PORT,
        description: 'HTTPS through NAT to AWS APIs that have no endpoint in this VPC',
      });
    }

    const flowLogs = new LogGroup(this, 'FlowLogGroup', {
      logGroupName: `/aws/vpc/flow-logs/${props.name}`,
      retentionDays: props.flowLogRetentionDays,
      encryptionKey: props.encryptionKey,
    });
    this.flowLogGroupName = flowLogs.logGroupName;
    const flowLogRole = new ServiceRole(this, 'FlowLogRole', {
      roleName: `${props.name}-vpc-flow-logs`,
      servicePrincipal: 'vpc-flow-logs.amazonaws.com',
      description: 'Lets VPC flow logs write to their log group',
      conditions: { StringEquals: { 'aws:SourceAccount': props.accountId } },
    });
    flowLogRole.addToPrincipalPolicy({
      sid: 'WriteFlowLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [flowLogs.logGroupArn, `${flowLogs.logGroupArn}:*`],
    });
    new FlowLog(this, 'FlowLog', {
      vpcId: vpc.id,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: flowLogs.logGroupArn,
      iamRoleArn: flowLogRole.roleArn,
      maxAggregationInterval: 60,
      tags: { Name: props.name },
    });
  }

  /**
   * Lets `group` open HTTPS to the interface endpoints (and the endpoints admit it from `group`
   * only), for a client that must reach `service` inside the VPC, such as the RDS Proxy reading its
   * secret from Secrets Manager. Refuses when this VPC has no endpoint for `service`: without one
   * the client's calls would have no path.
   */
  allowInterfaceEndpoint(group: SecurityGroup, service: InterfaceEndpointService, idPrefix: string, description: string): void {
    if (!this.interfaceEndpointServices.includes(service)) {
      throw new ConstructPropsError(
        `Network ${this.name}: ${group.groupName} needs the ${service} endpoint (${description}) but network.interfaceEndpoints ` +
          `is [${this.interfaceEndpointServices.join(', ')}]; add '${service}'`,
      );
    }
    group.connectTo(this.endpointSecurityGroup, HTTPS_PORT, idPrefix, description);
  }

  /**
   * A security group in this VPC with no rules yet, named <network name>-<suffix>; callers add
   * described rules with allowIngress/allowEgress/connectTo. Asking again with the same id returns
   * the same group.
   */
  securityGroup(id: string, nameSuffix: string, description: string): SecurityGroup {
    const existing = this.node.tryFindChild(id);
    if (existing instanceof SecurityGroup) return existing;
    if (existing) throw new ConstructPropsError(`Network ${this.name}: id '${id}' is taken by something that is not a security group; pick another id`);
    return new SecurityGroup(this, id, { vpcId: this.vpcId, groupName: `${this.name}-${nameSuffix}`, description });
  }
}

function validateNetworkProps(props: NetworkProps): void {
  const where = `Network ${props.name}`;
  const zones = REGION_AZ_LETTERS[props.region];
  if (!zones) {
    throw new ConstructPropsError(`${where}: region '${props.region}' is not in aws/aws-facts.ts; add it there or use one of ${Object.keys(REGION_AZ_LETTERS).join(', ')}`);
  }
  if (props.availabilityZones.length !== 2) {
    throw new ConstructPropsError(`${where}: availabilityZones has ${props.availabilityZones.length} entries [${props.availabilityZones.join(', ')}]; give exactly two zones of ${props.region}`);
  }
  props.availabilityZones.forEach((az) => {
    if (!az.startsWith(props.region) || !zones.includes(az.slice(props.region.length))) {
      throw new ConstructPropsError(`${where}: availability zone '${az}' is not in ${props.region}; use one of ${zones.map((l) => props.region + l).join(', ')}`);
    }
  });
  if (new Set(props.availabilityZones).size !== props.availabilityZones.length) {
    throw new ConstructPropsError(`${where}: availabilityZones [${props.availabilityZones.join(', ')}] repeat a zone; give two different zones`);
  }
  if (!isIpv4Cidr(props.cidr)) {
    throw new ConstructPropsError(`${where}: VPC CIDR '${props.cidr}' is not an IPv4 block; write it like 10.10.0.0/16`);
  }
  const subnets = [
    ...props.publicSubnetCidrs.map((block) => ({ kind: 'public', block })),
    ...props.privateSubnetCidrs.map((block) => ({ kind: 'private', block })),
  ];
  for (const [kind, list] of [['public', props.publicSubnetCidrs], ['private', props.privateSubnetCidrs]] as const) {
    if (list.length !== props.availabilityZones.length) {
      throw new ConstructPropsError(`${where}: ${list.length} ${kind} subnets for ${props.availabilityZones.length} zones; give one ${kind} subnet per zone`);
    }
  }
  subnets.forEach(({ kind, block }, i) => {
    if (!cidrContains(props.cidr, block)) {
      throw new ConstructPropsError(`${where}: ${kind} subnet ${block} does not fit in the VPC CIDR ${props.cidr}; choose a block inside ${props.cidr}`);
    }
    const clash = subnets.slice(i + 1).find((other) => cidrsOverlap(block, other.block));
    if (clash) {
      throw new ConstructPropsError(`${where}: ${kind} subnet ${block} overlaps ${clash.kind} subnet ${clash.block}; subnets must not overlap`);
    }
  });
  if (props.lambdaHttpsToInternet && props.natGateways === 'none') {
    throw new ConstructPropsError(`${where}: lambdaHttpsToInternet needs a NAT gateway but natGateways is 'none'; set natGateways to 'single' or 'per-az', or turn lambdaHttpsToInternet off`);
  }
  if (new Set(props.interfaceEndpoints).size !== props.interfaceEndpoints.length) {
    throw new ConstructPropsError(`${where}: interfaceEndpoints [${props.interfaceEndpoints.join(', ')}] lists a service twice; list each once`);
  }
  if (!LOG_RETENTION_DAYS.includes(props.flowLogRetentionDays)) {
    throw new ConstructPropsError(`${where}: flowLogRetentionDays ${props.flowLogRetentionDays} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
}
