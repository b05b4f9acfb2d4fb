import { blocks } from '../rules/attributes';

/** What a policy document is to IAM, which decides which elements it must and must not have. */
export type PolicyKind = 'identity' | 'trust' | 'resource';

export interface PolicyField {
  /** Label in messages, e.g. "policy", "assume_role_policy", "inline_policy grants". */
  readonly label: string;
  readonly kind: PolicyKind;
  readonly text: unknown;
}

/**
 * Every Terraform AWS resource type of the provider that carries an IAM policy document, and
 * where. A stack using a policy-holding type missing here is caught by the policy validation
 * test that scans synthesized JSON for "Statement" strings.
 */
const FIELDS: Readonly<Record<string, ReadonlyArray<{ readonly field: string; readonly kind: PolicyKind }>>> = {
  aws_iam_role: [{ field: 'assume_role_policy', kind: 'trust' }],
  aws_iam_role_policy: [{ field: 'policy', kind: 'identity' }],
  aws_iam_policy: [{ field: 'policy', kind: 'identity' }],
  aws_iam_user_policy: [{ field: 'policy', kind: 'identity' }],
  aws_iam_group_policy: [{ field: 'policy', kind: 'identity' }],
  aws_kms_key: [{ field: 'policy', kind: 'resource' }],
  aws_kms_key_policy: [{ field: 'policy', kind: 'resource' }],
  aws_s3_bucket_policy: [{ field: 'policy', kind: 'resource' }],
  aws_sqs_queue: [{ field: 'policy', kind: 'resource' }],
  aws_sqs_queue_policy: [{ field: 'policy', kind: 'resource' }],
  aws_sns_topic: [{ field: 'policy', kind: 'resource' }],
  aws_sns_topic_policy: [{ field: 'policy', kind: 'resource' }],
  aws_secretsmanager_secret: [{ field: 'policy', kind: 'resource' }],
  aws_secretsmanager_secret_policy: [{ field: 'policy', kind: 'resource' }],
  aws_cloudwatch_log_resource_policy: [{ field: 'policy_document', kind: 'resource' }],
  aws_cloudwatch_event_bus_policy: [{ field: 'policy', kind: 'resource' }],
  aws_api_gateway_rest_api: [{ field: 'policy', kind: 'resource' }],
  aws_api_gateway_rest_api_policy: [{ field: 'policy', kind: 'resource' }],
  aws_dynamodb_resource_policy: [{ field: 'policy', kind: 'resource' }],
  aws_vpc_endpoint: [{ field: 'policy', kind: 'resource' }],
  aws_ecr_repository_policy: [{ field: 'policy', kind: 'resource' }],
};

export const POLICY_HOLDING_TYPES = Object.keys(FIELDS);

/** The policy documents a resource carries (set fields only). */
export function policyFields(type: string, config: Readonly<Record<string, unknown>>): PolicyField[] {
  const fields: PolicyField[] = (FIELDS[type] ?? [])
    .filter(({ field }) => config[field] !== undefined && config[field] !== null && config[field] !== '')
    .map(({ field, kind }) => ({ label: field, kind, text: config[field] }));
  if (type === 'aws_iam_role') {
    for (const [index, inline] of blocks(config.inline_policy).entries()) {
      fields.push({ label: `inline_policy ${String(inline.name ?? index)}`, kind: 'identity', text: inline.policy });
    }
  }
  return fields;
}
