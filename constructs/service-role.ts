import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { type IGrantee, type PolicyStatement, StatementSet } from './iam';

export interface ServiceRoleProps {
  /** Role name (unique in the account). */
  readonly roleName: string;
  /** Service principal allowed to assume the role, e.g. lambda.amazonaws.com. */
  readonly servicePrincipal: string;
  readonly description: string;
  /** AWS managed policy ARNs to attach. Default: none. */
  readonly managedPolicyArns?: readonly string[];
  /**
   * Condition block of the trust statement, e.g. { StringEquals: { 'aws:SourceAccount': '123456789012' } }
   * so the service assumes the role only on behalf of this account (confused-deputy guard). Pass it
   * only for services that send the key: a service that does not (lambda.amazonaws.com) could then
   * never assume the role. Default: none.
   */
  readonly conditions?: PolicyStatement['conditions'];
}

/** An IAM role for an AWS service whose inline policy is built from grants. */
export class ServiceRole extends Construct implements IGrantee {
  readonly roleArn: string;
  readonly roleName: string;
  /** One per managed policy, in managedPolicyArns order: what depends on the role's permissions waits for these. */
  readonly managedPolicyAttachments: readonly IamRolePolicyAttachment[];
  private readonly statements = new StatementSet();
  private readonly role: IamRole;
  private policy?: IamRolePolicy;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, 'Role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: props.servicePrincipal },
            Action: 'sts:AssumeRole',
            ...(props.conditions ? { Condition: props.conditions } : {}),
          },
        ],
      }),
    });
    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
    this.managedPolicyAttachments = (props.managedPolicyArns ?? []).map(
      (policyArn, index) => new IamRolePolicyAttachment(this, `Managed${index}`, { role: this.role.name, policyArn }),
    );
  }

  addToPrincipalPolicy(statement: PolicyStatement): void {
    if (!this.statements.add(statement) || this.policy) return;
    this.policy = new IamRolePolicy(this, 'Policy', {
      name: 'grants',
      role: this.role.id,
      policy: this.statements.toJson(),
    });
  }

  /** The statements granted so far (for tests and rules). */
  get grantedStatements(): readonly PolicyStatement[] {
    return this.statements.list();
  }
}
