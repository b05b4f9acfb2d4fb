import type { Rule } from '../rule';
import { attachedManagedPolicies, MANAGED_POLICY_HOLDERS, managedPolicyName } from './managed-policies';

/** PowerUserAccess (everything but IAM) and the per-service *FullAccess policies. */
function isServiceWide(name: string): boolean {
  return name === 'PowerUserAccess' || (name.endsWith('FullAccess') && name !== 'IAMFullAccess');
}

export const iamNoServiceWidePolicies: Rule = {
  id: 'PLAT-IAM-6',
  resourceTypes: MANAGED_POLICY_HOLDERS,
  description: 'No principal gets an AWS managed policy that administers whole services (PowerUserAccess, *FullAccess).',
  fix: 'grant the actions the principal needs on its own resources instead (grantXxx() methods)',
  check: (resource) => {
    const broad = attachedManagedPolicies(resource).map(managedPolicyName).filter(isServiceWide);
    return broad.length > 0 ? `attaches ${broad.join(', ')}` : undefined;
  },
};
