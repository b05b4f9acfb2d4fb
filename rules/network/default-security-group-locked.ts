import { isSet } from '../attributes';
import type { Rule } from '../rule';

export const vpcDefaultSecurityGroupLocked: Rule = {
  id: 'PLAT-VPC-2',
  checkov: ['CKV2_AWS_12'],
  resourceTypes: ['aws_vpc'],
  description: "Every VPC's default security group is taken under management with no rules, so nothing placed in it by mistake can talk.",
  fix: 'add an aws_default_security_group with vpcId = the VPC and no ingress/egress blocks',
  check: (resource, context) => {
    const managed = context.referencing('aws_default_security_group', resource);
    if (managed.length === 0) return 'the default security group is not managed (AWS leaves it allowing all traffic within the group)';
    const open = managed.filter((group) => isSet(group.config.ingress) || isSet(group.config.egress));
    return open.length > 0 ? `the default security group ${open[0].address} has rules` : undefined;
  },
};
