import { Construct } from 'constructs';
import { SecurityGroup as AwsSecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { ConstructPropsError } from './construct-props-error';

export interface SecurityGroupProps {
  readonly vpcId: string;
  /**
   * Prefix of the group name (AWS appends a unique suffix) and the Name tag, unique in the VPC.
   * Not the exact name: a replacement is created before the old group goes, and two groups in a
   * VPC cannot share a name.
   */
  readonly groupName: string;
  /** Why the group exists (AWS requires a description; reviewers read it). */
  readonly description: string;
}

/** Where a rule points: another group, a managed prefix list (gateway endpoints) or an IPv4 block. */
export type RulePeer =
  | { readonly securityGroup: SecurityGroup }
  | { readonly prefixListId: string }
  | { readonly cidrIpv4: string };

export interface RuleOptions {
  /** Construct id of the rule; short and stable, it names the Terraform resource. */
  readonly id: string;
  readonly peer: RulePeer;
  /** TCP port. */
  readonly port: number;
  /** Why the traffic is allowed. */
  readonly description: string;
}

/**
 * A VPC security group that starts with no rules at all (Terraform removes AWS's default
 * allow-all egress) and gains one separate, described, TCP rule resource per allowXxx() call.
 * Calling allowXxx() again with the same id is a no-op, so grants stay idempotent.
 */
export class SecurityGroup extends Construct {
  readonly securityGroupId: string;
  readonly groupName: string;

  constructor(scope: Construct, id: string, props: SecurityGroupProps) {
    super(scope, id);
    if (!props.description.trim()) {
      throw new ConstructPropsError(`SecurityGroup ${props.groupName}: description is empty; say what the group is for`);
    }
    if (!/^[A-Za-z0-9._-]{1,99}$/.test(props.groupName)) {
      throw new ConstructPropsError(`SecurityGroup '${props.groupName}': groupName must be 1-99 letters, digits, '.', '_' or '-' (it becomes the name prefix)`);
    }
    const group = new AwsSecurityGroup(this, 'Group', {
      namePrefix: `${props.groupName}-`,
      description: props.description,
      vpcId: props.vpcId,
      tags: { Name: props.groupName },
      // Functions' network interfaces and the database keep a group in use, so deleting it first
      // fails: the replacement is created (under a new generated name) and swapped in before.
      lifecycle: { createBeforeDestroy: true },
    });
    this.securityGroupId = group.id;
    this.groupName = props.groupName;
  }

  allowIngress(options: RuleOptions): void {
    if (this.existing(options)) return;
    new VpcSecurityGroupIngressRule(this, options.id, { securityGroupId: this.securityGroupId, ...ruleFields(options) });
  }

  allowEgress(options: RuleOptions): void {
    if (this.existing(options)) return;
    new VpcSecurityGroupEgressRule(this, options.id, { securityGroupId: this.securityGroupId, ...ruleFields(options) });
  }

  /** This group may open TCP `port` to `target`, and `target` accepts it from this group only. */
  connectTo(target: SecurityGroup, port: number, idPrefix: string, description: string): void {
    this.allowEgress({ id: `${idPrefix}Out`, peer: { securityGroup: target }, port, description });
    target.allowIngress({ id: `${idPrefix}In`, peer: { securityGroup: this }, port, description });
  }

  private existing(options: RuleOptions): boolean {
    if (!options.description.trim()) {
      throw new ConstructPropsError(`SecurityGroup ${this.groupName}: rule ${options.id} has no description; say why the traffic is allowed`);
    }
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
      throw new ConstructPropsError(`SecurityGroup ${this.groupName}: rule ${options.id} port ${options.port} is not a TCP port (1-65535)`);
    }
    return this.node.tryFindChild(options.id) !== undefined;
  }
}

function ruleFields(options: RuleOptions) {
  const peer = options.peer;
  return {
    description: options.description,
    ipProtocol: 'tcp',
    fromPort: options.port,
    toPort: options.port,
    ...('securityGroup' in peer ? { referencedSecurityGroupId: peer.securityGroup.securityGroupId } : {}),
    ...('prefixListId' in peer ? { prefixListId: peer.prefixListId } : {}),
    ...('cidrIpv4' in peer ? { cidrIpv4: peer.cidrIpv4 } : {}),
  };
}
