import type { Rule } from '../rule';
import { permissions, SECURITY_GROUP_RULE_TYPES } from './security-group-rules';

export const securityGroupNoWorldIngress: Rule = {
  id: 'PLAT-SG-1',
  checkov: ['CKV_AWS_24', 'CKV_AWS_25', 'CKV_AWS_260'],
  trivy: ['AVD-AWS-0107'],
  resourceTypes: SECURITY_GROUP_RULE_TYPES,
  description: 'No security group admits traffic from 0.0.0.0/0 or ::/0; public traffic enters only through API Gateway.',
  fix: 'allow ingress from the calling security group (referencedSecurityGroupId) or a VPC CIDR instead of the internet',
  check: (resource) => {
    const open = permissions(resource).filter((p) => p.direction === 'ingress' && p.toWorld);
    return open.length > 0 ? `${open.map((p) => p.label).join(', ')} admit(s) the internet` : undefined;
  },
};
