import type { Rule } from '../rule';
import { attachedManagedPolicies, MANAGED_POLICY_HOLDERS, managedPolicyName } from './managed-policies';

/** AWS managed policies that administer the account or a whole service. */
function isAdministrative(name: string): boolean {
  return name === 'AdministratorAccess' || name === 'PowerUserAccess' || name === 'IAMFullAccess' || name.endsWith('FullAccess');
}

export const iamNoAdminPolicies: Rule = {
  id: 'PLAT-IAM-3',
  checkov: ['CKV_AWS_274'],
  resourceTypes: MANAGED_POLICY_HOLDERS,
  description: 'No principal gets an administrative AWS managed policy (AdministratorAccess, PowerUserAccess, IAMFullAccess, *FullAccess).',
  fix: 'grant the actions the principal needs on its own resources instead (grantXxx() methods)',
  check: (resource) => {
    const admin = attachedManagedPolicies(resource).map(managedPolicyName).filter(isAdministrative);
    return admin.length > 0 ? `attaches ${admin.join(', ')}` : undefined;
  },
};
