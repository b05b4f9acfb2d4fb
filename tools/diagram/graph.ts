/**
 * The resources of one stack and the references between them, read either from the synthesized
 * Terraform JSON (cdk.tf.json) or from a saved plan (`terraform show -json`). Both diagrams (the
 * architecture per account and the picture of a plan) are drawn from this one shape.
 */

/**
 * Orders strings by UTF-16 code units, as `<` does: unlike localeCompare it does not depend on the
 * machine's locale, so the pictures are byte-identical everywhere.
 */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A reference from one attribute of a resource to another resource (by key). */
export interface Reference {
  /** Dotted attribute path in the referring resource, indexes dropped (`vpc_config.security_group_ids`). */
  readonly attribute: string;
  readonly target: string;
}

export interface GraphResource {
  /** Unique in the graph: `<prefix><type>.<name>` (plus `[index]` for counted plan instances). */
  readonly key: string;
  /** The Terraform address without the prefix (`aws_sqs_queue.Kept`). */
  readonly address: string;
  readonly type: string;
  /** The Terraform resource name (cdktf: the construct path joined with `_` plus a hash). */
  readonly name: string;
  /** Attribute values as far as they are known (synthesized config, or the plan's after/before). */
  readonly values: Readonly<Record<string, unknown>>;
  readonly references: readonly Reference[];
}

export interface ResourceGraph {
  /** Sorted by key. */
  readonly resources: readonly GraphResource[];
}

// A resource address inside an expression: `type.name` not preceded by a word character or a dot
// (so `data.aws_x.name` and `module.m.aws_x.name` are not read as managed resources). Any provider's
// types match; only addresses of resources in the stack count.
const ADDRESS = /(?<![\w.])([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)/g;
const LOCAL = /(?<![\w.])local\.([A-Za-z_][A-Za-z0-9_-]*)/g;

function attributePath(path: readonly string[]): string {
  return path.filter((part) => !/^\d+$/.test(part)).join('.');
}

/** Every string in a value with the attribute path leading to it. */
function* strings(value: unknown, path: string[] = []): Generator<[string[], string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* strings(item, [...path, String(i)]);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* strings(v, [...path, k]);
}

/** The slice of cdktf's synthesized JSON read here. */
export interface StackJson {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
  readonly locals?: Readonly<Record<string, unknown>>;
}

/**
 * Resources of a synthesized stack. References are the `${aws_x.y...}` tokens in any attribute,
 * including inside JSON-encoded policy documents and environment variables; a `local.x` token is
 * followed to the resources its value names. `depends_on` orders creation and is not a reference.
 */
export function graphFromStackJson(stack: StackJson, keyPrefix = ''): ResourceGraph {
  const addresses = new Set<string>();
  for (const [type, byName] of Object.entries(stack.resource ?? {})) for (const name of Object.keys(byName)) addresses.add(`${type}.${name}`);

  const localTargets = new Map<string, string[]>();
  const resolveLocal = (name: string, seen: Set<string>): string[] => {
    if (localTargets.has(name)) return localTargets.get(name)!;
    if (seen.has(name) || !(name in (stack.locals ?? {}))) return [];
    seen.add(name);
    const targets = new Set<string>();
    for (const [, text] of strings(stack.locals![name])) for (const target of tokenTargets(text, seen)) targets.add(target);
    const result = [...targets].sort();
    localTargets.set(name, result);
    return result;
  };
  const tokenTargets = (text: string, seen = new Set<string>()): string[] => {
    if (!text.includes('${')) return [];
    const found: string[] = [];
    for (const match of text.matchAll(ADDRESS)) if (addresses.has(`${match[1]}.${match[2]}`)) found.push(`${match[1]}.${match[2]}`);
    for (const match of text.matchAll(LOCAL)) found.push(...resolveLocal(match[1], seen));
    return found;
  };

  const resources: GraphResource[] = [];
  for (const [type, byName] of Object.entries(stack.resource ?? {})) {
    for (const [name, config] of Object.entries(byName)) {
      const { '//': _metadata, depends_on: _dependsOn, ...values } = config;
      const references = new Map<string, Reference>();
      for (const [path, text] of strings(values)) {
        for (const target of tokenTargets(text)) {
          const reference = { attribute: attributePath(path), target: keyPrefix + target };
          if (target !== `${type}.${name}`) references.set(`${reference.attribute} ${reference.target}`, reference);
        }
      }
      resources.push({ key: `${keyPrefix}${type}.${name}`, address: `${type}.${name}`, type, name, values, references: sortReferences(references) });
    }
  }
  return { resources: resources.sort((a, b) => byCodePoint(a.key, b.key)) };
}

function sortReferences(references: Map<string, Reference>): Reference[] {
  return [...references.entries()].sort(([a], [b]) => byCodePoint(a, b)).map(([, reference]) => reference);
}

/** The slice of Terraform's JSON plan (format 1.x) read here. */
export interface PlanGraphJson {
  readonly resource_changes?: ReadonlyArray<{
    readonly address: string;
    readonly mode?: string;
    readonly type: string;
    readonly name: string;
    readonly module_address?: string;
    readonly change: { readonly actions: readonly string[]; readonly before?: unknown; readonly after?: unknown };
  }>;
  readonly configuration?: {
    readonly root_module?: {
      readonly resources?: ReadonlyArray<{ readonly address: string; readonly mode?: string; readonly expressions?: unknown }>;
    };
  };
}

/** Attributes whose value identifies a resource when another one names it. */
const IDENTIFYING_ATTRIBUTES = ['id', 'arn', 'name', 'function_name', 'bucket', 'url'];

/** Every `references` list in Terraform's JSON expression representation, with its attribute path. */
function* expressionReferences(value: unknown, path: string[] = []): Generator<[string[], string]> {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* expressionReferences(item, [...path, String(i)]);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'references' && Array.isArray(v)) for (const reference of v) yield [path, String(reference)];
      else if (k !== 'constant_value') yield* expressionReferences(v, [...path, k]);
    }
  }
}

/**
 * Resources of a saved plan: every managed resource of the root module that the plan knows,
 * whatever its action, with values from `after` (or `before` for a destroy) and references from
 * the configuration's expressions. Resources the configuration no longer has (destroys) have no
 * references. Locals are not part of the plan's configuration, so references through them are
 * not seen here.
 */
export function graphFromPlan(plan: PlanGraphJson): ResourceGraph {
  const changes = (plan.resource_changes ?? []).filter((rc) => rc.mode !== 'data' && !rc.module_address);
  const byBase = new Map<string, string[]>();
  for (const rc of changes) {
    const base = `${rc.type}.${rc.name}`;
    byBase.set(base, [...(byBase.get(base) ?? []), rc.address]);
  }
  const configured = new Map<string, unknown>();
  for (const resource of plan.configuration?.root_module?.resources ?? []) {
    if (resource.mode !== 'data') configured.set(resource.address, resource.expressions);
  }
  // A destroyed resource is gone from the configuration; its last known values still name what it
  // belonged to (a policy's role, a rule's security group) by id, ARN or name.
  const byValue = new Map<string, Set<string>>();
  for (const rc of changes) {
    const values = (rc.change.after ?? rc.change.before ?? {}) as Record<string, unknown>;
    for (const attribute of IDENTIFYING_ATTRIBUTES) {
      const value = values[attribute];
      if (typeof value === 'string' && value.length > 0) byValue.set(value, (byValue.get(value) ?? new Set()).add(rc.address));
    }
  }
  const resources: GraphResource[] = changes.map((rc) => {
    const base = `${rc.type}.${rc.name}`;
    const references = new Map<string, Reference>();
    for (const [path, text] of expressionReferences(configured.get(base))) {
      const match = /^([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)/.exec(text);
      if (!match || `${match[1]}.${match[2]}` === base) continue;
      for (const target of byBase.get(`${match[1]}.${match[2]}`) ?? []) {
        const reference = { attribute: attributePath(path), target };
        references.set(`${reference.attribute} ${reference.target}`, reference);
      }
    }
    const deleted = rc.change.actions.length === 1 && rc.change.actions[0] === 'delete';
    const values = ((deleted ? rc.change.before : (rc.change.after ?? rc.change.before)) ?? {}) as Record<string, unknown>;
    if (deleted) {
      for (const [path, text] of strings(values)) {
        const owners = byValue.get(text);
        if (owners?.size !== 1 || owners.has(rc.address) || IDENTIFYING_ATTRIBUTES.includes(path[0])) continue;
        const reference = { attribute: attributePath(path), target: [...owners][0] };
        references.set(`${reference.attribute} ${reference.target}`, reference);
      }
    }
    return { key: rc.address, address: rc.address, type: rc.type, name: rc.name, values, references: sortReferences(references) };
  });
  return { resources: resources.sort((a, b) => byCodePoint(a.key, b.key)) };
}
