import { IDENTITY_POLICY_TYPES, identityPolicies, policyStatements, statementLabel } from '../attributes';
import type { Rule } from '../rule';

/** Read-only verbs: an unscoped read is a separate, data-level concern. */
const READ_VERB = /^[\w-]+:(Describe|Get|List|Head|BatchGet|View|Search|Lookup)/;
/** Write actions AWS only authorizes on Resource "*" (no resource-level permissions exist). */
const RESOURCE_LESS_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'cloudwatch:PutMetricData',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
]);

export const iamNoUnscopedWrite: Rule = {
  id: 'PLAT-IAM-2',
  checkov: ['CKV_AWS_290', 'CKV_AWS_355'],
  resourceTypes: IDENTITY_POLICY_TYPES,
  description: 'Write actions are scoped to resource ARNs (or constrained by a condition); Resource "*" is only for actions that support nothing else.',
  fix: 'put the ARNs of the resources the caller writes in Resource, or add a condition (e.g. cloudwatch:namespace for PutMetricData)',
  check: (resource) => {
    const problems: string[] = [];
    for (const { label, policy } of identityPolicies(resource.type, resource.config)) {
      const statements = policyStatements(policy);
      if (typeof statements === 'string') continue; // PLAT-IAM-1 reports unreadable policies.
      statements.forEach((statement, index) => {
        if (statement.Effect !== 'Allow' || !statement.Resource.includes('*') || statement.Condition) return;
        const writes = statement.Action.filter((action) => !READ_VERB.test(action) && !RESOURCE_LESS_ACTIONS.has(action));
        if (writes.length > 0) problems.push(`${label} ${statementLabel(statement, index)} allows ${writes.join(', ')} on "*"`);
      });
    }
    return problems.length > 0 ? problems.join('; ') : undefined;
  },
};
