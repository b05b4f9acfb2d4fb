/**
 * Helpers for reading synthesized Terraform JSON. cdktf writes a nested block as an object or as
 * a list of objects depending on the schema, so rules read blocks through blocks()/block().
 */

export type Json = Readonly<Record<string, unknown>>;

/** A nested block as a list, whether cdktf wrote an object, a list or nothing. */
export function blocks(value: unknown): Json[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((item): item is Json => typeof item === 'object' && item !== null);
}

/** The first (usually only) instance of a nested block. */
export function block(value: unknown): Json | undefined {
  return blocks(value)[0];
}

/** True for a non-empty string, a number, true, or a non-empty list/object. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

export function asStrings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Terraform booleans may arrive as true or "true". */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string[];
  readonly NotAction: string[];
  readonly Resource: string[];
  readonly NotResource: string[];
  readonly Principal?: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * The statements of a policy written as literal JSON, or a string saying why it cannot be read
 * (a policy built with Terraform functions cannot be checked before apply).
 */
export function policyStatements(policy: unknown): PolicyStatementJson[] | string {
  if (typeof policy !== 'string') return 'the policy is not a JSON string';
  let document: { Statement?: unknown };
  try {
    document = JSON.parse(policy) as { Statement?: unknown };
  } catch {
    return 'the policy is not literal JSON (built with a Terraform function?), so it cannot be checked';
  }
  return blocks(document.Statement).map((statement) => ({
    Sid: typeof statement.Sid === 'string' ? statement.Sid : undefined,
    Effect: String(statement.Effect),
    Action: asStrings(statement.Action),
    NotAction: asStrings(statement.NotAction),
    Resource: asStrings(statement.Resource),
    NotResource: asStrings(statement.NotResource),
    Principal: statement.Principal,
    Condition: statement.Condition as PolicyStatementJson['Condition'],
  }));
}

/** "Sid X" or "statement 2" for messages. */
export function statementLabel(statement: PolicyStatementJson, index: number): string {
  return statement.Sid ? `statement ${statement.Sid}` : `statement ${index + 1}`;
}

/** The identity policies a resource carries: inline policy documents keyed by a label. */
export function identityPolicies(type: string, config: Json): Array<{ label: string; policy: unknown }> {
  switch (type) {
    case 'aws_iam_policy':
    case 'aws_iam_role_policy':
    case 'aws_iam_user_policy':
    case 'aws_iam_group_policy':
      return [{ label: 'policy', policy: config.policy }];
    case 'aws_iam_role':
      return blocks(config.inline_policy).map((inline, index) => ({ label: `inline_policy ${String(inline.name ?? index)}`, policy: inline.policy }));
    default:
      return [];
  }
}

export const IDENTITY_POLICY_TYPES = ['aws_iam_policy', 'aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy', 'aws_iam_role'];

/** World-open IPv4/IPv6 ranges. */
export function isWorld(cidr: unknown): boolean {
  return cidr === '0.0.0.0/0' || cidr === '::/0';
}

/**
 * True when the statement's Condition constrains one of `keys` (lower case; a key ending in "/"
 * is a prefix such as "aws:resourcetag/") to a value. Negated operators (StringNotEquals ...),
 * ...IfExists and ForAllValues: (both pass when the key is absent), Null, and a bare "*" value
 * constrain nothing.
 */
export function conditionConstrains(statement: PolicyStatementJson, keys: ReadonlySet<string>): boolean {
  const prefixes = [...keys].filter((key) => key.endsWith('/'));
  const named = (key: string): boolean => {
    const lower = key.toLowerCase();
    return keys.has(lower) || prefixes.some((prefix) => lower.startsWith(prefix));
  };
  return Object.entries(statement.Condition ?? {}).some(([operator, entries]) => {
    if (/not|ifexists$|^null$|^forallvalues:/i.test(operator) || typeof entries !== 'object' || entries === null) return false;
    return Object.entries(entries).some(([key, value]) => {
      const values = asStrings(value);
      return named(key) && values.length > 0 && values.every((v) => !/^[*?]+$/.test(v));
    });
  });
}

/**
 * An AWS-managed key, by alias name ("alias/aws/rds") or alias ARN
 * ("arn:aws:kms:eu-west-1:123456789012:alias/aws/rds"): it encrypts, but its policy cannot be
 * scoped and it cannot be shared, so it is not a customer-managed key.
 */
export function isAwsManagedKey(key: unknown): boolean {
  return typeof key === 'string' && /^(arn:aws[\w-]*:kms:[^:]*:[^:]*:)?alias\/aws\//i.test(key);
}

/** Why `attribute` does not name a customer-managed key, or undefined when it does. */
export function customerManagedKeyProblem(attribute: string, key: unknown): string | undefined {
  if (!isSet(key)) return `${attribute} is not set`;
  return isAwsManagedKey(key) ? `${attribute} is the AWS-managed key ${String(key)}` : undefined;
}
