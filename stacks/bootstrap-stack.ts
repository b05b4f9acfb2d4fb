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

/** IAM actions the apply role needs beyond PowerUserAccess: managing this repo's roles only. */
const APPLY_IAM_ACTIONS = [
  'iam:AttachRolePolicy', 'iam:CreateRole', 'iam:CreateServiceLinkedRole', 'iam:DeleteRole',
  'iam:DeleteRolePolicy', 'iam:DetachRolePolicy', 'iam:GetRole', 'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies', 'iam:ListInstanceProfilesForRole', 'iam:ListRolePolicies',
  'iam:PassRole', 'iam:PutRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:UpdateAssumeRolePolicy',
  'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:CreateOpenIDConnectProvider',
  'iam:DeleteOpenIDConnectProvider', 'iam:GetOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider',
  'iam:UpdateOpenIDConnectProviderThumbprint',
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
      'terraform plan refreshes every resource type the stacks manage, which needs Describe/Get/List across all services; the plan role cannot write (state lock objects aside) and only this repository\'s pull requests and main can assume it.',
    );
    new IamRolePolicy(this, 'PlanState', {
      name: 'terraform-state',
      role: planRole.id,
      policy: JSON.stringify(
        policyDocument([
          { sid: 'StateRead', actions: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketVersioning'], resources: [bucketArn, `${bucketArn}/*`] },
          { sid: 'LockObjects', actions: ['s3:PutObject', 's3:DeleteObject'], resources: [`${bucketArn}/*.tflock`] },
        ]),
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
      'terraform apply creates and changes every resource type of this repository; PowerUserAccess excludes IAM, whose actions are granted separately on this account\'s roles and OIDC provider only, and only the apply branch or the approved environment can assume the role.',
    );
    new IamRolePolicy(this, 'ApplyIam', {
      name: 'manage-roles',
      role: applyRole.id,
      policy: JSON.stringify(
        policyDocument([
          {
            sid: 'ManageRolesOfThisAccount',
            actions: APPLY_IAM_ACTIONS,
            resources: [`arn:aws:iam::${config.accountId}:role/*`, `arn:aws:iam::${config.accountId}:oidc-provider/*`],
          },
          { sid: 'StateWrite', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'], resources: [bucketArn, `${bucketArn}/*`] },
        ]),
      ),
    });
    this.planRoleArn = planRole.arn;
    this.applyRoleArn = applyRole.arn;
  }
}
