import { actionReference, resourceTypes } from './iam-reference';
import type { Placement } from './terraform-values';

/**
 * The IAM actions the Terraform AWS provider (5.100.0) calls for each resource type of these
 * stacks: `read` on refresh (what `terraform plan` needs), `write` on create/update (what
 * `terraform apply` needs). Taken from each resource's documented API calls (the provider's
 * resource documentation and the service's API reference); the CI role simulations run them, and
 * a test fails when a stack uses a resource type missing here, so a new type must be added with
 * its calls before its roles can be judged.
 */
export interface ResourceTypeActions {
  readonly read: readonly string[];
  readonly write: readonly string[];
}

const apigateway: ResourceTypeActions = { read: ['apigateway:GET'], write: ['apigateway:POST', 'apigateway:PUT', 'apigateway:PATCH', 'apigateway:DELETE'] };
const s3 = (read: string, write: string): ResourceTypeActions => ({ read: [`s3:${read}`], write: [`s3:${write}`] });

export const TERRAFORM_ACTIONS: Readonly<Record<string, ResourceTypeActions>> = {
  aws_api_gateway_account: { read: ['apigateway:GET'], write: ['apigateway:PATCH'] },
  aws_api_gateway_deployment: apigateway,
  aws_api_gateway_integration: apigateway,
  aws_api_gateway_method: apigateway,
  aws_api_gateway_method_settings: apigateway,
  aws_api_gateway_model: apigateway,
  aws_api_gateway_request_validator: apigateway,
  aws_api_gateway_resource: apigateway,
  aws_api_gateway_rest_api: apigateway,
  aws_api_gateway_stage: apigateway,
  aws_chatbot_slack_channel_configuration: { read: ['chatbot:DescribeSlackChannelConfigurations'], write: ['chatbot:CreateSlackChannelConfiguration', 'chatbot:UpdateSlackChannelConfiguration'] },
  aws_cloudwatch_dashboard: { read: ['cloudwatch:GetDashboard'], write: ['cloudwatch:PutDashboard'] },
  aws_cloudwatch_event_rule: { read: ['events:DescribeRule', 'events:ListTagsForResource'], write: ['events:PutRule', 'events:TagResource'] },
  aws_cloudwatch_event_target: { read: ['events:ListTargetsByRule'], write: ['events:PutTargets', 'events:RemoveTargets'] },
  aws_cloudwatch_log_group: { read: ['logs:DescribeLogGroups', 'logs:ListTagsForResource'], write: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:AssociateKmsKey'] },
  aws_cloudwatch_log_resource_policy: { read: ['logs:DescribeResourcePolicies'], write: ['logs:PutResourcePolicy'] },
  aws_cloudwatch_metric_alarm: { read: ['cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource'], write: ['cloudwatch:PutMetricAlarm'] },
  aws_codedeploy_app: { read: ['codedeploy:GetApplication'], write: ['codedeploy:CreateApplication'] },
  aws_codedeploy_deployment_config: { read: ['codedeploy:GetDeploymentConfig'], write: ['codedeploy:CreateDeploymentConfig'] },
  aws_codedeploy_deployment_group: { read: ['codedeploy:GetDeploymentGroup'], write: ['codedeploy:CreateDeploymentGroup', 'codedeploy:UpdateDeploymentGroup'] },
  aws_db_instance: { read: ['rds:DescribeDBInstances', 'rds:ListTagsForResource'], write: ['rds:CreateDBInstance', 'rds:ModifyDBInstance'] },
  aws_db_parameter_group: { read: ['rds:DescribeDBParameterGroups', 'rds:DescribeDBParameters'], write: ['rds:CreateDBParameterGroup', 'rds:ModifyDBParameterGroup'] },
  aws_db_proxy: { read: ['rds:DescribeDBProxies'], write: ['rds:CreateDBProxy', 'rds:ModifyDBProxy'] },
  aws_db_proxy_default_target_group: { read: ['rds:DescribeDBProxyTargetGroups'], write: ['rds:ModifyDBProxyTargetGroup'] },
  aws_db_proxy_target: { read: ['rds:DescribeDBProxyTargets'], write: ['rds:RegisterDBProxyTargets'] },
  aws_db_subnet_group: { read: ['rds:DescribeDBSubnetGroups'], write: ['rds:CreateDBSubnetGroup'] },
  aws_default_security_group: { read: ['ec2:DescribeSecurityGroups'], write: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'] },
  aws_dynamodb_table: {
    read: ['dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:DescribeTimeToLive', 'dynamodb:ListTagsOfResource'],
    write: ['dynamodb:CreateTable', 'dynamodb:UpdateTable', 'dynamodb:UpdateContinuousBackups'],
  },
  aws_eip: { read: ['ec2:DescribeAddresses'], write: ['ec2:AllocateAddress'] },
  aws_flow_log: { read: ['ec2:DescribeFlowLogs'], write: ['ec2:CreateFlowLogs'] },
  aws_iam_openid_connect_provider: { read: ['iam:GetOpenIDConnectProvider'], write: [] },
  aws_iam_policy: { read: ['iam:GetPolicy', 'iam:GetPolicyVersion'], write: [] },
  aws_iam_role: { read: ['iam:GetRole', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'], write: ['iam:CreateRole', 'iam:TagRole', 'iam:UpdateAssumeRolePolicy'] },
  aws_iam_role_policy: { read: ['iam:GetRolePolicy'], write: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'] },
  aws_iam_role_policy_attachment: { read: ['iam:ListAttachedRolePolicies'], write: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'] },
  aws_internet_gateway: { read: ['ec2:DescribeInternetGateways'], write: ['ec2:CreateInternetGateway', 'ec2:AttachInternetGateway'] },
  aws_kms_alias: { read: ['kms:ListAliases'], write: ['kms:CreateAlias'] },
  aws_kms_key: { read: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'], write: ['kms:CreateKey', 'kms:PutKeyPolicy', 'kms:EnableKeyRotation'] },
  aws_lambda_alias: { read: ['lambda:GetAlias'], write: ['lambda:CreateAlias', 'lambda:UpdateAlias'] },
  aws_lambda_event_source_mapping: { read: ['lambda:GetEventSourceMapping'], write: ['lambda:CreateEventSourceMapping', 'lambda:UpdateEventSourceMapping'] },
  aws_lambda_function: {
    read: ['lambda:GetFunction', 'lambda:GetFunctionCodeSigningConfig', 'lambda:ListVersionsByFunction', 'lambda:GetFunctionConcurrency'],
    write: ['lambda:CreateFunction', 'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:PublishVersion', 'lambda:PutFunctionConcurrency'],
  },
  aws_lambda_function_event_invoke_config: { read: ['lambda:GetFunctionEventInvokeConfig'], write: ['lambda:PutFunctionEventInvokeConfig'] },
  aws_lambda_layer_version: { read: ['lambda:GetLayerVersion'], write: ['lambda:PublishLayerVersion'] },
  aws_lambda_permission: { read: ['lambda:GetPolicy'], write: ['lambda:AddPermission', 'lambda:RemovePermission'] },
  aws_nat_gateway: { read: ['ec2:DescribeNatGateways'], write: ['ec2:CreateNatGateway'] },
  aws_route: { read: ['ec2:DescribeRouteTables'], write: ['ec2:CreateRoute'] },
  aws_route_table: { read: ['ec2:DescribeRouteTables'], write: ['ec2:CreateRouteTable'] },
  aws_route_table_association: { read: ['ec2:DescribeRouteTables'], write: ['ec2:AssociateRouteTable'] },
  aws_s3_bucket: { read: ['s3:ListBucket', 's3:GetBucketTagging', 's3:GetBucketPolicy'], write: ['s3:CreateBucket', 's3:PutBucketTagging'] },
  aws_s3_bucket_cors_configuration: s3('GetBucketCORS', 'PutBucketCORS'),
  aws_s3_bucket_lifecycle_configuration: s3('GetLifecycleConfiguration', 'PutLifecycleConfiguration'),
  aws_s3_bucket_ownership_controls: s3('GetBucketOwnershipControls', 'PutBucketOwnershipControls'),
  aws_s3_bucket_policy: s3('GetBucketPolicy', 'PutBucketPolicy'),
  aws_s3_bucket_public_access_block: s3('GetBucketPublicAccessBlock', 'PutBucketPublicAccessBlock'),
  aws_s3_bucket_server_side_encryption_configuration: s3('GetEncryptionConfiguration', 'PutEncryptionConfiguration'),
  aws_s3_bucket_versioning: s3('GetBucketVersioning', 'PutBucketVersioning'),
  // The provider reads a secret's metadata and resource policy, never its value (no version resource here).
  aws_secretsmanager_secret: { read: ['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy'], write: ['secretsmanager:CreateSecret', 'secretsmanager:UpdateSecret', 'secretsmanager:TagResource'] },
  aws_security_group: { read: ['ec2:DescribeSecurityGroups'], write: ['ec2:CreateSecurityGroup'] },
  aws_sns_topic: { read: ['sns:GetTopicAttributes', 'sns:ListTagsForResource'], write: ['sns:CreateTopic', 'sns:SetTopicAttributes'] },
  aws_sns_topic_policy: { read: ['sns:GetTopicAttributes'], write: ['sns:SetTopicAttributes'] },
  aws_sns_topic_subscription: { read: ['sns:GetSubscriptionAttributes'], write: ['sns:Subscribe'] },
  aws_sqs_queue: { read: ['sqs:GetQueueAttributes', 'sqs:ListQueueTags'], write: ['sqs:CreateQueue', 'sqs:SetQueueAttributes'] },
  aws_sqs_queue_policy: { read: ['sqs:GetQueueAttributes'], write: ['sqs:SetQueueAttributes'] },
  aws_sqs_queue_redrive_allow_policy: { read: ['sqs:GetQueueAttributes'], write: ['sqs:SetQueueAttributes'] },
  aws_sqs_queue_redrive_policy: { read: ['sqs:GetQueueAttributes'], write: ['sqs:SetQueueAttributes'] },
  aws_subnet: { read: ['ec2:DescribeSubnets'], write: ['ec2:CreateSubnet'] },
  aws_vpc: { read: ['ec2:DescribeVpcs', 'ec2:DescribeVpcAttribute'], write: ['ec2:CreateVpc', 'ec2:ModifyVpcAttribute'] },
  aws_vpc_endpoint: { read: ['ec2:DescribeVpcEndpoints'], write: ['ec2:CreateVpcEndpoint'] },
  aws_vpc_security_group_egress_rule: { read: ['ec2:DescribeSecurityGroupRules'], write: ['ec2:AuthorizeSecurityGroupEgress'] },
  aws_vpc_security_group_ingress_rule: { read: ['ec2:DescribeSecurityGroupRules'], write: ['ec2:AuthorizeSecurityGroupIngress'] },
  aws_wafv2_web_acl: { read: ['wafv2:GetWebACL', 'wafv2:ListTagsForResource'], write: ['wafv2:CreateWebACL', 'wafv2:UpdateWebACL'] },
  aws_wafv2_web_acl_association: { read: ['wafv2:GetWebACLForResource'], write: ['wafv2:AssociateWebACL'] },
  aws_wafv2_web_acl_logging_configuration: { read: ['wafv2:GetLoggingConfiguration'], write: ['wafv2:PutLoggingConfiguration'] },
};

/**
 * A resource ARN the action accepts, in the stack's account and region, built from the first
 * resource type's ARN format (names filled with `name`), or "*" for actions that take only "*".
 */
export function sampleArn(action: string, at: Placement, name = 'sample'): string {
  const reference = actionReference(action);
  if (!reference) throw new Error(`${action} is not an IAM action`);
  const [first] = reference.resourceTypes;
  if (!first) return '*';
  const format = resourceTypes(reference.service).get(first.name.toLowerCase())?.arn;
  if (!format) return '*';
  return format.replace(/\$\{([^}]+)\}/g, (_whole, variable: string) => {
    switch (variable.toLowerCase()) {
      case 'partition':
        return 'aws';
      case 'region':
        return at.region;
      case 'account':
        return at.accountId;
      default:
        return name;
    }
  });
}
