import * as fs from 'node:fs';
import * as path from 'node:path';
import { POLICY_HOLDING_TYPES, policyFields } from './policy-documents';
import { type Placement, type StackJson, TerraformValues } from './terraform-values';

/**
 * The IAM picture of one synthesized stack, read from its Terraform JSON as AWS will see it after
 * apply: each role with its trust policy, identity policies (inline and AWS managed) and
 * permissions boundary, and each resource policy with the ARNs it protects. References are
 * resolved to stand-in ARNs (iam/terraform-values.ts), so simulations run on
 * what CI would apply, not on a hand-written copy of it.
 */

export type PolicyDocument = { readonly Version?: string; readonly Statement: readonly Record<string, unknown>[] };

export interface ManagedPolicy {
  readonly name: string;
  /** Where the vendored document comes from and its AWS version id. */
  readonly source: string;
  readonly versionId: string;
  readonly document: PolicyDocument;
}

const MANAGED_DIR = path.join(__dirname, 'aws-managed-policies');

/**
 * An AWS managed policy's document, vendored from a public mirror of AWS's managed policies (each
 * file names the mirror, commit and the policy's VersionId). Offline, so tests need no AWS call.
 */
export function awsManagedPolicy(arn: string): ManagedPolicy {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  const file = path.join(MANAGED_DIR, `${name}.json`);
  if (!fs.existsSync(file)) {
    throw new Error(
      `${arn}: no vendored document in iam/aws-managed-policies/${name}.json. Fix: add the policy's current version (aws iam get-policy-version, or a mirror of AWS managed policies) with its source and versionId`,
    );
  }
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { source: string; versionId: string; document: PolicyDocument };
  return { name, source: raw.source, versionId: raw.versionId, document: raw.document };
}

export interface RoleModel {
  readonly stack: string;
  /** Construct path of the role, e.g. dev/Functions/SyncClock/Role/Role. */
  readonly constructPath: string;
  readonly name: string;
  readonly arn: string;
  readonly trust: PolicyDocument;
  readonly identityPolicies: ReadonlyArray<{ readonly name: string; readonly policy: PolicyDocument }>;
  readonly boundary?: { readonly arn: string; readonly policy: PolicyDocument };
}

export interface ResourcePolicyModel {
  readonly stack: string;
  readonly constructPath: string;
  /** The resource the policy is attached to (a bucket, queue, topic, key, function ...). */
  readonly resourceArn: string;
  readonly policy: PolicyDocument;
}

export interface StackModel {
  readonly stack: string;
  readonly placement: Placement;
  readonly roles: readonly RoleModel[];
  readonly resourcePolicies: readonly ResourcePolicyModel[];
  readonly values: TerraformValues;
  readonly json: StackJson;
}

type Resources = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;

function constructPath(config: Readonly<Record<string, unknown>>, fallback: string): string {
  return ((config['//'] as { metadata?: { path?: string } } | undefined)?.metadata?.path) ?? fallback;
}

function parse(values: TerraformValues, text: unknown, where: string): PolicyDocument {
  const resolved = values.value(text);
  if (resolved === undefined) throw new Error(`${where}: the policy references something that cannot be resolved (PLAT-IAM-7 reports what)`);
  return JSON.parse(resolved) as PolicyDocument;
}

/** The resource a resource-policy resource protects: the ARN of the bucket, queue, topic or key. */
function protectedArn(type: string, name: string, config: Readonly<Record<string, unknown>>, values: TerraformValues): string | undefined {
  const reference = (attribute: string, value: unknown): string | undefined => {
    const raw = typeof value === 'string' ? value : undefined;
    const match = raw ? /^\$\{(aws_[a-z0-9_]+\.[\w-]+)\.[\w]+\}$/.exec(raw) : null;
    return match ? values.value(`\${${match[1]}.${attribute}}`) : values.value(raw);
  };
  switch (type) {
    case 'aws_kms_key':
    case 'aws_sns_topic':
    case 'aws_sqs_queue':
    case 'aws_secretsmanager_secret':
      return values.value(`\${${type}.${name}.arn}`);
    case 'aws_s3_bucket_policy':
      return reference('arn', config.bucket);
    case 'aws_sqs_queue_policy':
      return reference('arn', config.queue_url);
    case 'aws_sns_topic_policy':
      return reference('arn', config.arn);
    case 'aws_secretsmanager_secret_policy':
      return reference('arn', config.secret_arn);
    case 'aws_kms_key_policy':
      return reference('arn', config.key_id);
    case 'aws_cloudwatch_log_resource_policy':
      return `arn:aws:logs:${values.placement.region}:${values.placement.accountId}:*`;
    default:
      return undefined;
  }
}

/**
 * A Lambda permission (aws_lambda_permission) as the statement Lambda adds to the function's
 * resource policy (AddPermission: https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html):
 * the principal may call the action on the function, or only on the qualifier if one is given,
 * from the source ARN and account if given.
 */
function lambdaPermissionPolicy(config: Readonly<Record<string, unknown>>, values: TerraformValues): { arn: string; policy: PolicyDocument } | undefined {
  const functionName = values.value(config.function_name);
  if (!functionName) return undefined;
  const { region, accountId } = values.placement;
  const base = functionName.startsWith('arn:') ? functionName : `arn:aws:lambda:${region}:${accountId}:function:${functionName}`;
  const qualifier = values.value(config.qualifier);
  const arn = qualifier ? `${base}:${qualifier}` : base;
  const principal = String(values.value(config.principal));
  const condition: Record<string, Record<string, string>> = {};
  const sourceArn = values.value(config.source_arn);
  if (sourceArn) condition.ArnLike = { 'AWS:SourceArn': sourceArn };
  const sourceAccount = values.value(config.source_account);
  if (sourceAccount) condition.StringEquals = { 'AWS:SourceAccount': sourceAccount };
  return {
    arn,
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: principal.includes('.') ? { Service: principal } : { AWS: principal },
          Action: String(values.value(config.action)),
          Resource: arn,
          ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
        },
      ],
    },
  };
}

/** The customer-managed policies (aws_iam_policy) of some stacks, by ARN. */
export function customerManagedPolicies(stacks: readonly StackJson[]): Map<string, PolicyDocument> {
  const policies = new Map<string, PolicyDocument>();
  for (const json of stacks) {
    const values = new TerraformValues(json);
    for (const [name, config] of Object.entries((json.resource ?? {}).aws_iam_policy ?? {})) {
      policies.set(String(values.value(`\${aws_iam_policy.${name}.arn}`)), parse(values, config.policy, `aws_iam_policy.${name}`));
    }
  }
  return policies;
}

/**
 * Reads one synthesized stack (cdk.tf.json) into its IAM model. Policies attached by ARN are
 * looked up in `customerPolicies` (e.g. the workload boundary the bootstrap stack creates), else
 * among the vendored AWS managed policies.
 */
export function stackModel(stack: string, json: StackJson, customerPolicies: ReadonlyMap<string, PolicyDocument> = customerManagedPolicies([json])): StackModel {
  const values = new TerraformValues(json);
  const policyByArn = (arn: string): PolicyDocument => customerPolicies.get(arn) ?? awsManagedPolicy(arn).document;
  const resources = (json.resource ?? {}) as Resources;
  const byRole = new Map<string, { inline: Array<{ name: string; policy: PolicyDocument }>; managed: string[] }>();
  const attach = (roleReference: unknown) => {
    const match = typeof roleReference === 'string' ? /^\$\{aws_iam_role\.([\w-]+)\.(?:id|name)\}$/.exec(roleReference) : null;
    const key = match ? match[1] : `literal:${String(roleReference)}`;
    if (!byRole.has(key)) byRole.set(key, { inline: [], managed: [] });
    return byRole.get(key)!;
  };
  for (const [name, config] of Object.entries(resources.aws_iam_role_policy ?? {})) {
    attach(config.role).inline.push({ name: String(config.name ?? name), policy: parse(values, config.policy, `aws_iam_role_policy.${name}`) });
  }
  for (const [, config] of Object.entries(resources.aws_iam_role_policy_attachment ?? {})) {
    attach(config.role).managed.push(String(config.policy_arn));
  }
  const roles: RoleModel[] = Object.entries(resources.aws_iam_role ?? {}).map(([name, config]) => {
    const attached = byRole.get(name) ?? { inline: [], managed: [] };
    const managed = [...attached.managed, ...(Array.isArray(config.managed_policy_arns) ? (config.managed_policy_arns as string[]) : [])];
    const boundaryArn = typeof config.permissions_boundary === 'string' ? config.permissions_boundary : undefined;
    return {
      stack,
      constructPath: constructPath(config, `aws_iam_role.${name}`),
      name: String(values.value(config.name)),
      arn: String(values.value(`\${aws_iam_role.${name}.arn}`)),
      trust: parse(values, config.assume_role_policy, `aws_iam_role.${name}`),
      identityPolicies: [
        ...attached.inline,
        ...managed.map((arn) => ({ name: arn, policy: policyByArn(arn) })),
      ],
      ...(boundaryArn ? { boundary: { arn: boundaryArn, policy: policyByArn(boundaryArn) } } : {}),
    };
  });
  const resourcePolicies: ResourcePolicyModel[] = [];
  for (const type of POLICY_HOLDING_TYPES) {
    if (type.startsWith('aws_iam_')) continue;
    for (const [name, config] of Object.entries(resources[type] ?? {})) {
      for (const field of policyFields(type, config)) {
        const arn = protectedArn(type, name, config, values);
        if (!arn) throw new Error(`${type}.${name}: cannot tell which resource its ${field.label} protects; teach iam/model.ts`);
        resourcePolicies.push({ stack, constructPath: constructPath(config, `${type}.${name}`), resourceArn: arn, policy: parse(values, field.text, `${type}.${name}`) });
      }
    }
  }
  for (const [name, config] of Object.entries(resources.aws_lambda_permission ?? {})) {
    const permission = lambdaPermissionPolicy(config, values);
    if (!permission) throw new Error(`aws_lambda_permission.${name}: its function cannot be resolved`);
    resourcePolicies.push({ stack, constructPath: constructPath(config, `aws_lambda_permission.${name}`), resourceArn: permission.arn, policy: permission.policy });
  }
  return { stack, placement: values.placement, roles, resourcePolicies, values, json };
}

/** Every stack of a synthesized outdir, by stack name. */
export function outdirModels(outdir: string): Map<string, StackModel> {
  const stacks = fs.readdirSync(path.join(outdir, 'stacks')).sort();
  const jsons = stacks.map((stack) => JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as StackJson);
  const customer = customerManagedPolicies(jsons);
  return new Map(stacks.map((stack, index) => [stack, stackModel(stack, jsons[index], customer)]));
}

/**
 * One account's stacks as one model (the CI roles of the bootstrap stack act on the workload
 * stack's resources, whose policies, like the key policy, take part in the decision).
 */
export function accountModel(name: string, stacks: readonly StackModel[]): StackModel {
  const [first] = stacks;
  if (!first) throw new Error(`account ${name}: no stacks`);
  return {
    stack: name,
    placement: first.placement,
    roles: stacks.flatMap((s) => s.roles),
    resourcePolicies: stacks.flatMap((s) => s.resourcePolicies),
    values: stacks.find((s) => s.stack === name)?.values ?? first.values,
    json: stacks.find((s) => s.stack === name)?.json ?? first.json,
  };
}
