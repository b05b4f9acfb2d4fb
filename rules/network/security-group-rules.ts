import { asStrings, blocks, isWorld } from '../attributes';
import type { ResourceView } from '../rule';

/** One ingress or egress permission, whichever of the four Terraform shapes declared it. */
export interface Permission {
  readonly direction: 'ingress' | 'egress';
  /** Where in the resource it was declared, for messages. */
  readonly label: string;
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly toWorld: boolean;
  readonly description: unknown;
}

export const SECURITY_GROUP_RULE_TYPES = [
  'aws_security_group',
  'aws_security_group_rule',
  'aws_vpc_security_group_ingress_rule',
  'aws_vpc_security_group_egress_rule',
];

function permission(direction: Permission['direction'], label: string, rule: Readonly<Record<string, unknown>>, cidrs: string[]): Permission {
  return {
    direction,
    label,
    protocol: String(rule.protocol ?? rule.ip_protocol ?? ''),
    fromPort: Number(rule.from_port ?? -1),
    toPort: Number(rule.to_port ?? -1),
    toWorld: cidrs.some(isWorld),
    description: rule.description,
  };
}

/** The permissions a security-group-related resource declares. */
export function permissions(resource: ResourceView): Permission[] {
  const { config } = resource;
  switch (resource.type) {
    case 'aws_security_group':
      return (['ingress', 'egress'] as const).flatMap((direction) =>
        blocks(config[direction]).map((rule, index) =>
          permission(direction, `${direction}[${index}]`, rule, [...asStrings(rule.cidr_blocks), ...asStrings(rule.ipv6_cidr_blocks)]),
        ),
      );
    case 'aws_security_group_rule':
      return [permission(config.type === 'egress' ? 'egress' : 'ingress', String(config.type), config, [...asStrings(config.cidr_blocks), ...asStrings(config.ipv6_cidr_blocks)])];
    case 'aws_vpc_security_group_ingress_rule':
      return [permission('ingress', 'ingress rule', config, [...asStrings(config.cidr_ipv4), ...asStrings(config.cidr_ipv6)])];
    case 'aws_vpc_security_group_egress_rule':
      return [permission('egress', 'egress rule', config, [...asStrings(config.cidr_ipv4), ...asStrings(config.cidr_ipv6)])];
    default:
      return [];
  }
}

export function isAllTraffic(p: Permission): boolean {
  return p.protocol === '-1' || p.protocol.toLowerCase() === 'all';
}
