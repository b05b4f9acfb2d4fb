import { Construct } from 'constructs';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import type { AccountConfig } from '../environments/schema';
import { stateBucketName } from '../environments/load';
import { policyDocument } from '../constructs/iam';
import { suppressRule } from '../constructs/rules/engine';
import { AccountStack } from './account-stack';
import { ciSubjects, GITHUB_OIDC_HOST, githubTrustPolicy } from './github-oidc';

export interface BootstrapStackProps {
  readonly config: AccountConfig;
}

/**
 * The permissions boundary every role of the workload stacks carries (stacks/main-stack.ts): an
 * AWS managed policy that allows every service but IAM, Organizations and Account. The apply role
 * may create and change roles only with this boundary attached, so nothing it creates, and
 * nothing a function it deploys does, can grant more than the apply role itself holds.
 */
export const WORKLOAD_PERMISSIONS_BOUNDARY_ARN = 'arn:aws:iam::aws:policy/PowerUserAccess';

/** Role changes allowed only on roles that carry the workload boundary (the condition key exists for these). */
const BOUNDED_ROLE_ACTIONS = [
  'iam:AttachRolePolicy', 'iam:CreateRole', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy',
];
/** Role reads and changes without a boundary condition key; the CI roles are denied below. */
const ROLE_MAINTENANCE_ACTIONS = [
  'iam:DeleteRole', 'iam:GetRole', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies',
  'iam:ListInstanceProfilesForRole', 'iam:ListRolePolicies', 'iam:TagRole', 'iam:UntagRole',
  'iam:UpdateAssumeRolePolicy', 'iam:UpdateRole', 'iam:UpdateRoleDescription',
];
/** Services the workload stacks hand roles to. */
const PASS_ROLE_SERVICES = [
  'lambda.amazonaws.com', 'monitoring.rds.amazonaws.com', 'rds.amazonaws.com', 'apigateway.amazonaws.com',
  'vpc-flow-logs.amazonaws.com', 'chatbot.amazonaws.com',
];
/**
 * Data the plan role must not read although ReadOnlyAccess would allow it: terraform refresh only
 * describes resources, it never reads items, messages, secrets or log events.
 */
const PLAN_DENIED_DATA_READS = [
  'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'logs:FilterLogEvents',
  'logs:GetLogEvents', 'logs:StartLiveTail', 'logs:StartQuery', 'secretsmanager:GetSecretValue',
  'sqs:ReceiveMessage', 'ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath',
];

/**
 * The account's CI identity: the GitHub OIDC provider and two roles. The plan role reads
 * everything and may only write lock objects in the state bucket; the apply role changes the
 * account and is admitted only from the apply branch or the approved GitHub environment.
 * Applied once by an administrator; every later change goes through CI.
 */
export class BootstrapStack extends AccountStack {
  readonly planRoleArn: string;
  readonly applyRoleArn: string;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id, { config: props.config, unit: 'bootstrap' });
    const { config } = props;
    const subjects = ciSubjects(config);
    const bucketArn = `arn:aws:s3:::${stateBucketName(config)}`;

    new IamOpenidConnectProvider(this, 'GithubOidc', {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdList: ['sts.amazonaws.com'],
      thumbprintList: config.ci.oidcThumbprints,
    });

    const planRole = new IamRole(this, 'PlanRole', {
      name: config.ci.planRoleName,
      description: `Read-only Terraform plan from pull requests of ${config.github.repository}`,
      maxSessionDuration: 3600,
      assumeRolePolicy: githubTrustPolicy(config.accountId, subjects.plan),
    });
    const planReadOnly = new IamRolePolicyAttachment(this, 'PlanReadOnly', {
      role: planRole.name,
      policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    });
    suppressRule(
      planReadOnly,
      'PLAT-IAM-5',
      'terraform plan refreshes every resource type the stacks manage, which needs Describe/Get/List across all services; an explicit deny in the same role blocks reading data (items, messages, secrets, log events, objects other than state), it cannot write (state lock objects aside), and only this repository\'s pull requests and main can assume it.',
    );
    new IamRolePolicy(this, 'PlanState', {
      name: 'terraform-state',
      role: planRole.id,
      policy: JSON.stringify(
        policyDocument(
          [
            { sid: 'StateRead', actions: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketVersioning'], resources: [bucketArn, `${bucketArn}/*`] },
            { sid: 'LockObjects', actions: ['s3:PutObject', 's3:DeleteObject'], resources: [`${bucketArn}/*.tflock`] },
          ],
          [
            { Sid: 'NoDataReads', Effect: 'Deny', Action: PLAN_DENIED_DATA_READS, Resource: '*' },
            { Sid: 'NoObjectReadsButState', Effect: 'Deny', Action: 's3:GetObject', NotResource: `${bucketArn}/*` },
          ],
        ),
      ),
    });

    const applyRole = new IamRole(this, 'ApplyRole', {
      name: config.ci.applyRoleName,
      description: `Terraform apply for ${config.name} from ${subjects.apply.join(', ')}`,
      maxSessionDuration: 3600,
      assumeRolePolicy: githubTrustPolicy(config.accountId, subjects.apply),
    });
    const applyPowerUser = new IamRolePolicyAttachment(this, 'ApplyPowerUser', {
      role: applyRole.name,
      policyArn: 'arn:aws:iam::aws:policy/PowerUserAccess',
    });
    suppressRule(
      applyPowerUser,
      'PLAT-IAM-6',
      'terraform apply creates and changes every resource type of this repository; PowerUserAccess excludes IAM, whose role actions are granted separately only for roles that carry the same PowerUserAccess permissions boundary (so nothing it creates can exceed it), never on the CI roles themselves, and only the apply branch or the approved environment can assume the role.',
    );
    const roles = `arn:aws:iam::${config.accountId}:role/*`;
    const ciRoles = [`arn:aws:iam::${config.accountId}:role/${config.ci.planRoleName}`, `arn:aws:iam::${config.accountId}:role/${config.ci.applyRoleName}`];
    new IamRolePolicy(this, 'ApplyIam', {
      name: 'manage-workload-roles',
      role: applyRole.id,
      policy: JSON.stringify(
        policyDocument(
          [
            {
              sid: 'ChangeBoundedRoles',
              actions: BOUNDED_ROLE_ACTIONS,
              resources: [roles],
              conditions: { StringEquals: { 'iam:PermissionsBoundary': WORKLOAD_PERMISSIONS_BOUNDARY_ARN } },
            },
            { sid: 'MaintainRoles', actions: ROLE_MAINTENANCE_ACTIONS, resources: [roles] },
            {
              sid: 'PassRolesToWorkloadServices',
              actions: ['iam:PassRole'],
              resources: [roles],
              conditions: { StringEquals: { 'iam:PassedToService': PASS_ROLE_SERVICES } },
            },
            { sid: 'StateWrite', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'], resources: [bucketArn, `${bucketArn}/*`] },
          ],
          [
            // The CI identity is changed only by an administrator applying this bootstrap stack.
            { Sid: 'NeverTouchCiRoles', Effect: 'Deny', Action: [...BOUNDED_ROLE_ACTIONS, ...ROLE_MAINTENANCE_ACTIONS.filter((a) => !/:(Get|List)/.test(a)), 'iam:DeleteRolePermissionsBoundary'], Resource: ciRoles },
            { Sid: 'NeverDropTheBoundary', Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary', Resource: roles },
          ],
        ),
      ),
    });
    this.planRoleArn = planRole.arn;
    this.applyRoleArn = applyRole.arn;
  }
}
