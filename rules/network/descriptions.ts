import type { Rule } from '../rule';
import { permissions, SECURITY_GROUP_RULE_TYPES } from './security-group-rules';

/** Terraform's placeholder when no description is given. */
const PLACEHOLDER = 'Managed by Terraform';

function described(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '' && value !== PLACEHOLDER;
}

export const securityGroupDescriptions: Rule = {
  id: 'PLAT-SG-2',
  checkov: ['CKV_AWS_23'],
  trivy: ['AVD-AWS-0099', 'AVD-AWS-0124'],
  resourceTypes: SECURITY_GROUP_RULE_TYPES,
  description: 'Security groups and each of their rules say what they are for.',
  fix: 'give the group and every rule a description naming the peer and purpose (e.g. "PostgreSQL from Lambda")',
  check: (resource) => {
    const missing = permissions(resource).filter((p) => !described(p.description)).map((p) => p.label);
    if (resource.type === 'aws_security_group' && !described(resource.config.description)) missing.unshift('the group');
    return missing.length > 0 ? `no description on ${missing.join(', ')}` : undefined;
  },
};
