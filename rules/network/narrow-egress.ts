import type { Rule } from '../rule';
import { isAllTraffic, type Permission, permissions, SECURITY_GROUP_RULE_TYPES } from './security-group-rules';

/** Internet egress is HTTPS only: any other port to the world is an exfiltration or C2 channel. */
function isHttps(p: Permission): boolean {
  return (p.protocol.toLowerCase() === 'tcp' || p.protocol === '6') && p.fromPort === 443 && p.toPort === 443;
}

function describe(p: Permission): string {
  if (isAllTraffic(p)) return `${p.label} (all traffic${p.toWorld ? ' to the internet' : ''})`;
  const ports = p.fromPort === p.toPort ? `port ${p.fromPort}` : `ports ${p.fromPort}-${p.toPort}`;
  return `${p.label} (${p.protocol} ${ports}${p.toWorld ? ' to the internet' : ''})`;
}

export const securityGroupNarrowEgress: Rule = {
  id: 'PLAT-SG-3',
  checkov: ['CKV_AWS_382'],
  trivy: ['AVD-AWS-0104'],
  resourceTypes: SECURITY_GROUP_RULE_TYPES,
  description: 'Egress names a protocol and port: no all-traffic egress, and egress to the internet (0.0.0.0/0, ::/0) only on TCP 443 (HTTPS).',
  fix: 'replace all-traffic egress with rules per protocol/port, e.g. TCP 443 to 0.0.0.0/0 and TCP 5432 to the database security group; other ports go to a security group or VPC CIDR, not the internet',
  check: (resource) => {
    const wide = permissions(resource)
      .filter((p) => p.direction === 'egress')
      .filter((p) => isAllTraffic(p) || (p.toWorld && !isHttps(p)))
      .map(describe);
    return wide.length > 0 ? `wide egress: ${wide.join(', ')}` : undefined;
  },
};
