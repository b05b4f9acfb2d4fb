import { Construct, type IConstruct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account';
import { ServiceRole } from './service-role';

export interface ApiGatewayLoggingProps {
  /** Name of the role API Gateway assumes to write execution logs. Default: api-gateway-cloudwatch-logs. */
  readonly roleName?: string;
}

/**
 * The account-and-region-wide API Gateway setting that lets stages write execution logs and
 * metrics to CloudWatch. There is one per account and region, so create it once per stack and
 * hand it to every RestApi (their stages depend on it).
 */
export class ApiGatewayLogging extends Construct {
  readonly roleArn: string;
  /** The account setting; stages with execution logging must be created after it. */
  readonly accountSetting: ITerraformDependable & IConstruct;

  constructor(scope: Construct, id: string, props: ApiGatewayLoggingProps = {}) {
    super(scope, id);
    const role = new ServiceRole(this, 'Role', {
      roleName: props.roleName ?? 'api-gateway-cloudwatch-logs',
      servicePrincipal: 'apigateway.amazonaws.com',
      description: 'Lets API Gateway write execution logs and metrics of this account to CloudWatch',
      managedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
    });
    this.accountSetting = new ApiGatewayAccount(this, 'Account', {
      cloudwatchRoleArn: role.roleArn,
      // API Gateway checks that the role can write logs when the setting is saved.
      dependsOn: [...role.managedPolicyAttachments],
    });
    this.roleArn = role.roleArn;
  }
}
