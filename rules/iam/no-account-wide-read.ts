import type { Rule } from '../rule';
import { attachedManagedPolicies, MANAGED_POLICY_HOLDERS, managedPolicyName } from './managed-policies';

/** AWS managed policies that read the data (objects, items, messages) of every resource. */
const DATA_READ_POLICIES = new Set(['ReadOnlyAccess', 'AmazonS3ReadOnlyAccess', 'AmazonDynamoDBReadOnlyAccess', 'AmazonSQSReadOnlyAccess']);

export const iamNoAccountWideRead: Rule = {
  id: 'PLAT-IAM-5',
  resourceTypes: MANAGED_POLICY_HOLDERS,
  description: 'No principal gets an AWS managed policy that reads the data of every bucket, table or queue in the account.',
  fix: 'grant reads on the resources the principal uses (grantRead()), or ViewOnlyAccess for metadata only',
  check: (resource) => {
    const broad = attachedManagedPolicies(resource).map(managedPolicyName).filter((name) => DATA_READ_POLICIES.has(name));
    return broad.length > 0 ? `attaches ${broad.join(', ')}` : undefined;
  },
};
