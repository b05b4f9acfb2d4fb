import type { RoleModel } from './model';

export type Context = Readonly<Record<string, string | string[]>>;

export interface EscalationCheck {
  /** The method's number in the catalogue below and what the step does. */
  readonly method: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Context;
}

/** A role that an organisation typically keeps in every account, trusted by the account or the organisation. */
export const ADMIN_ROLE = (accountId: string) => `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`;

/**
 * The commonly catalogued IAM privilege-escalation methods (Rhino Security Labs, "AWS IAM
 * Privilege Escalation - Methods and Mitigation",
 * https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/; numbers are the
 * article's), each as the step that would take the apply role past its fence. Methods whose first
 * step the role needs for its job (lambda:CreateFunction, lambda:UpdateFunctionCode ...) are
 * closed by the only roles it can pass, the workload roles, whose boundary denies IAM and STS.
 * The tests (and `npm run iam:report`) require every one to be denied. The workload role path is
 * passed in (the bootstrap stack owns it) so the IAM model never imports a stack.
 */
export function escalationChecks({
  accountId,
  applyRole,
  planRole,
  boundaryArn,
  workloadRolePath,
}: {
  accountId: string;
  applyRole: RoleModel;
  planRole: RoleModel;
  boundaryArn: string;
  workloadRolePath: string;
}): EscalationCheck[] {
  return [
    { method: '1 new version of a managed policy', action: 'iam:CreatePolicyVersion', resource: `arn:aws:iam::${accountId}:policy/any-policy` },
    { method: '2 switch a managed policy to an older version', action: 'iam:SetDefaultPolicyVersion', resource: `arn:aws:iam::${accountId}:policy/any-policy` },
    { method: '3 pass an admin role to EC2 (RunInstances)', action: 'iam:PassRole', resource: ADMIN_ROLE(accountId), context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    { method: '4 access key for another user', action: 'iam:CreateAccessKey', resource: `arn:aws:iam::${accountId}:user/admin` },
    { method: '5 console password for a user', action: 'iam:CreateLoginProfile', resource: `arn:aws:iam::${accountId}:user/admin` },
    { method: '6 change a user\'s console password', action: 'iam:UpdateLoginProfile', resource: `arn:aws:iam::${accountId}:user/admin` },
    { method: '7 attach a policy to a user', action: 'iam:AttachUserPolicy', resource: `arn:aws:iam::${accountId}:user/admin` },
    { method: '8 attach a policy to a group', action: 'iam:AttachGroupPolicy', resource: `arn:aws:iam::${accountId}:group/admins` },
    { method: '9 attach AdministratorAccess to a workload role', action: 'iam:AttachRolePolicy', resource: `arn:aws:iam::${accountId}:role${workloadRolePath}sample`, context: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' } },
    { method: '9 attach a policy to its own role', action: 'iam:AttachRolePolicy', resource: applyRole.arn, context: { 'iam:PermissionsBoundary': boundaryArn } },
    { method: '10 inline policy on a user', action: 'iam:PutUserPolicy', resource: `arn:aws:iam::${accountId}:user/admin` },
    { method: '11 inline policy on a group', action: 'iam:PutGroupPolicy', resource: `arn:aws:iam::${accountId}:group/admins` },
    { method: '12 inline policy on its own role', action: 'iam:PutRolePolicy', resource: applyRole.arn, context: { 'iam:PermissionsBoundary': boundaryArn } },
    { method: '13 add a user to an admin group', action: 'iam:AddUserToGroup', resource: `arn:aws:iam::${accountId}:group/admins` },
    { method: '14 re-trust an admin role, then assume it', action: 'iam:UpdateAssumeRolePolicy', resource: ADMIN_ROLE(accountId), context: { 'iam:PermissionsBoundary': boundaryArn } },
    { method: '14 assume a role that trusts the account', action: 'sts:AssumeRole', resource: ADMIN_ROLE(accountId) },
    { method: '15/16 pass an admin role to Lambda', action: 'iam:PassRole', resource: ADMIN_ROLE(accountId), context: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    { method: '15/16 pass a CI role to Lambda', action: 'iam:PassRole', resource: planRole.arn, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    { method: '18 pass an admin role to Glue', action: 'iam:PassRole', resource: ADMIN_ROLE(accountId), context: { 'iam:PassedToService': 'glue.amazonaws.com' } },
    { method: '20 pass an admin role to CloudFormation', action: 'iam:PassRole', resource: ADMIN_ROLE(accountId), context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    { method: '21 pass an admin role to Data Pipeline', action: 'iam:PassRole', resource: ADMIN_ROLE(accountId), context: { 'iam:PassedToService': 'datapipeline.amazonaws.com' } },
    { method: 'instance profile carrying an admin role', action: 'iam:AddRoleToInstanceProfile', resource: `arn:aws:iam::${accountId}:instance-profile/admin` },
    { method: 'new managed policy to attach later', action: 'iam:CreatePolicy', resource: `arn:aws:iam::${accountId}:policy/escalate` },
    { method: 'new user', action: 'iam:CreateUser', resource: `arn:aws:iam::${accountId}:user/escalate` },
    { method: '1 new version of the workload boundary itself', action: 'iam:CreatePolicyVersion', resource: boundaryArn },
    { method: '2 older version of the workload boundary', action: 'iam:SetDefaultPolicyVersion', resource: boundaryArn },
    { method: 'workload role with PowerUserAccess as boundary (allows sts:*)', action: 'iam:CreateRole', resource: `arn:aws:iam::${accountId}:role${workloadRolePath}sample`, context: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/PowerUserAccess' } },
      ];
}
