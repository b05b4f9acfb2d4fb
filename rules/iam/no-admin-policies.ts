import type { Rule } from '../rule';
import { attachedManagedPolicies, MANAGED_POLICY_HOLDERS, managedPolicyName } from './managed-policies';

/** AWS managed policies equivalent to administering the account (IAMFullAccess can grant itself the rest). */
const ADMIN_POLICIES = new Set(['AdministratorAccess', 'IAMFullAccess']);

export const iamNoAdminPolicies: Rule = {
  id: 'PLAT-IAM-3',
  checkov: ['CKV_AWS_274'],
  resourceTypes: MANAGED_POLICY_HOLDERS,
  description: 'No principal gets an administrator AWS managed policy (AdministratorAccess, IAMFullAccess).',
  fix: 'grant the actions the principal needs on its own resources instead (grantXxx() methods)',
  check: (resource) => {
    const admin = attachedManagedPolicies(resource).map(managedPolicyName).filter((name) => ADMIN_POLICIES.has(name));
    return admin.length > 0 ? `attaches ${admin.join(', ')}` : undefined;
  },
};
