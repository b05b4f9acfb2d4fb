import { asStrings, block } from '../attributes';
import type { Rule } from '../rule';

export const lambdaDatabaseInVpc: Rule = {
  id: 'PLAT-LAMBDA-9',
  checkov: ['CKV_AWS_117'],
  resourceTypes: ['aws_lambda_function'],
  description: 'Functions that talk to the database (DB_HOST in their environment) run in the VPC\'s private subnets with a security group, since the database is reachable only from inside the VPC.',
  fix: 'set vpcConfig { subnetIds: network.privateSubnetIds, securityGroupIds: [network.lambdaSecurityGroupId] }',
  replacesCheckov: {
    CKV_AWS_117:
      'checkov asks for every function in a VPC; functions that only call AWS APIs (S3, DynamoDB, API documentation) gain nothing from it but NAT cost and ENI cold starts. PLAT-LAMBDA-9 requires the VPC where the function reaches VPC-only resources (the database).',
  },
  check: (resource) => {
    const variables = (block(resource.config.environment)?.variables ?? {}) as Record<string, unknown>;
    if (!('DB_HOST' in variables)) return undefined;
    const vpc = block(resource.config.vpc_config);
    if (asStrings(vpc?.subnet_ids).length === 0) return 'uses the database (DB_HOST) but has no vpc_config.subnet_ids';
    return asStrings(vpc?.security_group_ids).length > 0 ? undefined : 'vpc_config has no security_group_ids';
  },
};
