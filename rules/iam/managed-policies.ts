import { asStrings } from '../attributes';
import type { ResourceView } from '../rule';

export const MANAGED_POLICY_HOLDERS = [
  'aws_iam_role_policy_attachment',
  'aws_iam_policy_attachment',
  'aws_iam_user_policy_attachment',
  'aws_iam_group_policy_attachment',
  'aws_iam_role',
];

/** AWS managed policy ARNs a resource attaches (attachment resources or a role's managed_policy_arns). */
export function attachedManagedPolicies(resource: ResourceView): string[] {
  const arns = resource.type === 'aws_iam_role' ? asStrings(resource.config.managed_policy_arns) : asStrings(resource.config.policy_arn);
  return arns.filter((arn) => /^arn:aws[\w-]*:iam::aws:policy\//.test(arn));
}

export function managedPolicyName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
