import type { Rule } from '../rule';
import { isAllTraffic, permissions, SECURITY_GROUP_RULE_TYPES } from './security-group-rules';

export const securityGroupNarrowEgress: Rule = {
  id: 'PLAT-SG-3',
  checkov: ['CKV_AWS_382'],
  trivy: ['AVD-AWS-0104'],
  resourceTypes: SECURITY_GROUP_RULE_TYPES,
  description: 'Egress names a protocol and port: no all-traffic egress, and egress to the internet only on a single port (HTTPS).',
  fix: 'replace all-traffic egress with rules per protocol/port, e.g. TCP 443 to 0.0.0.0/0 and TCP 5432 to the database security group',
  check: (resource) => {
    const wide = permissions(resource)
      .filter((p) => p.direction === 'egress')
      .filter((p) => isAllTraffic(p) || (p.toWorld && p.fromPort !== p.toPort))
      .map((p) => `${p.label} (${isAllTraffic(p) ? 'all traffic' : `ports ${p.fromPort}-${p.toPort}`}${p.toWorld ? ' to the internet' : ''})`);
    return wide.length > 0 ? `wide egress: ${wide.join(', ')}` : undefined;
  },
};
