import { conditionConstrains, IDENTITY_POLICY_TYPES, identityPolicies, policyStatements, statementLabel } from '../attributes';
import type { Rule } from '../rule';

/** Metadata verbs: an unscoped Describe/List reveals configuration, not data. */
const READ_VERB = /^[\w-]+:(Describe|Get|List|Head|BatchGet|View|Search|Lookup)/i;
/** Reads that return the data itself (secrets, objects, items, messages, plaintext, logs): scoped like writes. */
const DATA_READ_ACTIONS = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:BatchGetSecretValue',
  's3:GetObject',
  's3:GetObjectVersion',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'sqs:ReceiveMessage',
  'kms:Decrypt',
  'logs:GetLogEvents',
  'logs:FilterLogEvents',
].map((action) => action.toLowerCase());
/** Write actions AWS only authorizes on Resource "*" (no resource-level permissions exist). */
const RESOURCE_LESS_ACTIONS = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'cloudwatch:PutMetricData'].map((action) => action.toLowerCase()));
/**
 * Condition keys that narrow which resources (or whose resources) a statement reaches. A condition
 * on anything else (aws:SecureTransport, aws:RequestedRegion ...) leaves Resource "*" open.
 * A key ending in "/" is a prefix.
 */
const RESOURCE_NARROWING_KEYS = new Set(
  [
    'cloudwatch:namespace',
    'kms:ViaService',
    'aws:SourceArn',
    'aws:SourceAccount',
    'aws:ResourceTag/',
    'ec2:ResourceTag/',
    'ec2:Subnet',
    'ec2:Vpc',
    'ec2:SecurityGroupID',
  ].map((key) => key.toLowerCase()),
);

/** True when the action (possibly a wildcard pattern, which PLAT-IAM-1 reports anyway) can read data. */
function readsData(action: string): boolean {
  const pattern = new RegExp(`^${action.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return DATA_READ_ACTIONS.some((dataRead) => pattern.test(dataRead));
}

/** True when Resource "*" on this action grants more than AWS would let any ARN grant. */
function needsScope(action: string): boolean {
  if (RESOURCE_LESS_ACTIONS.has(action.toLowerCase())) return false;
  return !READ_VERB.test(action) || readsData(action);
}

export const iamNoUnscopedWrite: Rule = {
  id: 'PLAT-IAM-2',
  checkov: ['CKV_AWS_290', 'CKV_AWS_355'],
  resourceTypes: IDENTITY_POLICY_TYPES,
  description:
    'Write and data-read actions (GetObject, GetSecretValue, Decrypt, Query ...) are scoped to resource ARNs or by a resource-narrowing condition key; Resource "*" is only for actions that support nothing else.',
  fix: 'put the ARNs of the resources the caller writes or reads in Resource, or add a resource-narrowing condition (e.g. cloudwatch:namespace for PutMetricData, kms:ViaService, aws:ResourceTag/...)',
  check: (resource) => {
    const problems: string[] = [];
    for (const { label, policy } of identityPolicies(resource.type, resource.config)) {
      const statements = policyStatements(policy);
      if (typeof statements === 'string') continue; // PLAT-IAM-1 reports unreadable policies.
      statements.forEach((statement, index) => {
        if (statement.Effect !== 'Allow') return;
        const unscoped = statement.Resource.includes('*') || statement.NotResource.length > 0;
        if (!unscoped || conditionConstrains(statement, RESOURCE_NARROWING_KEYS)) return;
        const where = statement.NotResource.length > 0 ? 'everything except NotResource' : '"*"';
        const broad = statement.Action.filter(needsScope);
        if (broad.length > 0) problems.push(`${label} ${statementLabel(statement, index)} allows ${broad.join(', ')} on ${where}`);
      });
    }
    return problems.length > 0 ? problems.join('; ') : undefined;
  },
};
