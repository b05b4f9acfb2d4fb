import { byCodePoint, type GraphResource, type ResourceGraph } from './graph';

/**
 * From resources and references to a readable picture: every resource becomes a member of
 * exactly one node. A main resource (a function, a queue, a bucket...) is a node of its own and
 * takes in the resources that only exist for it (a function's alias, role, inline policy and
 * permissions; a bucket's settings), found through the attribute that references it. Repetitive
 * families (alarms, log groups, subnets, security-group rules...) are one node with a count.
 * Edges are the references between nodes, except into infrastructure every resource touches (the
 * KMS key, log groups, the VPC), and security-group rules become labelled paths between groups.
 */

export type Layer = 'network' | 'data' | 'functions' | 'api' | 'monitoring' | 'identity' | 'other';

/** Subgraphs in drawing order. */
export const LAYERS: ReadonlyArray<{ readonly layer: Layer; readonly title: string }> = [
  { layer: 'api', title: 'API and edge' },
  { layer: 'functions', title: 'Functions' },
  { layer: 'data', title: 'Data' },
  { layer: 'network', title: 'Network' },
  { layer: 'monitoring', title: 'Monitoring' },
  { layer: 'identity', title: 'CI identity' },
  { layer: 'other', title: 'Other' },
];

export type Shape = 'box' | 'store' | 'function' | 'family';

export interface DiagramNode {
  /** Mermaid-safe id, stable across runs: derived from the resource name or the family. */
  readonly id: string;
  readonly layer: Layer;
  /** Text lines; the first names the thing as a person knows it. */
  readonly lines: readonly string[];
  readonly shape: Shape;
  /** Keys of the resources this node stands for, sorted. */
  readonly members: readonly string[];
}

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  /** `uses`: a reference; `attached`: to a security group the resource sits in; `path`: a security-group rule. */
  readonly kind: 'uses' | 'attached' | 'path';
  readonly label?: string;
  /** Both nodes reference each other (a function reads a queue that triggers it): one edge, two heads. */
  readonly both?: boolean;
}

export interface Diagram {
  /** Sorted by layer order, then id. */
  readonly nodes: readonly DiagramNode[];
  /** Sorted by from, to. */
  readonly edges: readonly DiagramEdge[];
}

type Attach =
  /** Joins the node of the resource that this attribute references. */
  | { readonly via: 'reference'; readonly attributes: readonly string[] }
  /** Joins the node of the one resource (not of an excluded type) that references it. */
  | { readonly via: 'referrer'; readonly attributes?: readonly string[]; readonly exclude?: RegExp };

interface Rule {
  readonly kind: 'own' | 'attach' | 'family';
  /** `inherit`: the most common layer among the resources it references or is referenced by. */
  readonly layer: Layer | 'inherit';
  readonly attach?: Attach;
  /** For `attach` resources without an owner. Default: a family of the type. */
  readonly fallback?: 'own' | 'family';
  readonly family?: string;
  readonly shape?: Shape;
  /** Its references become edges. Default: true, except for families. */
  readonly edges?: boolean;
  /** Edges point from the referenced node to this one (a trigger: the queue feeds the function). */
  readonly reverseEdges?: boolean;
  /** Layer of an `inherit` resource whose neighbours have none. Default: other. */
  readonly defaultLayer?: Layer;
  /** Only references to these types become edges. Default: all. */
  readonly edgeTargets?: RegExp;
  /** Nodes referenced by almost everything: no edges are drawn into them. */
  readonly quiet?: boolean;
  /** The name a person knows; undefined when not known (a value computed at apply time). */
  readonly label?: (values: Readonly<Record<string, unknown>>) => string | undefined;
  readonly detail?: (values: Readonly<Record<string, unknown>>) => string | undefined;
}

/** A plain value, or undefined when it is absent or a Terraform expression not known before apply. */
function known(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value === '' || value.includes('${')) return undefined;
  return value;
}

const field =
  (...names: string[]) =>
  (values: Readonly<Record<string, unknown>>): string | undefined => {
    for (const name of names) {
      const value = known(values[name]);
      if (value !== undefined) return value;
    }
    const tags = values.tags as Record<string, unknown> | undefined;
    return known(tags?.Name);
  };
const prefixed = (prefix: string, get: (v: Readonly<Record<string, unknown>>) => string | undefined) => (values: Readonly<Record<string, unknown>>) => {
  const value = get(values);
  return value === undefined ? undefined : `${prefix} ${value}`;
};

const own = (layer: Layer, more: Partial<Rule> = {}): Rule => ({ kind: 'own', layer, ...more });
const family = (name: string, layer: Layer | 'inherit', more: Partial<Rule> = {}): Rule => ({ kind: 'family', layer, family: name, ...more });
const attachTo = (...attributes: string[]): Rule => ({ kind: 'attach', layer: 'inherit', attach: { via: 'reference', attributes } });
const attachToReferrer = (...attributes: string[]): Rule => ({ kind: 'attach', layer: 'inherit', attach: { via: 'referrer', attributes } });

const SECURITY_GROUP_TYPES = new Set(['aws_security_group', 'aws_default_security_group']);
const RULE_TYPES = new Set(['aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule', 'aws_security_group_rule']);

const RULES: Readonly<Record<string, Rule>> = {
  // Network
  aws_vpc: own('network', { quiet: true, label: prefixed('VPC', field('cidr_block')) }),
  aws_flow_log: attachTo('vpc_id'),
  aws_subnet: family('subnets', 'network', { quiet: true }),
  aws_internet_gateway: own('network', { label: () => 'Internet gateway' }),
  aws_nat_gateway: own('network', { label: () => 'NAT gateway' }),
  aws_eip: attachToReferrer('allocation_id'),
  aws_route_table: family('routing', 'network', { quiet: true, edges: true }),
  aws_route: family('routing', 'network', { quiet: true, edges: true }),
  aws_route_table_association: family('routing', 'network', { quiet: true }),
  aws_main_route_table_association: family('routing', 'network', { quiet: true }),
  aws_default_route_table: family('routing', 'network', { quiet: true, edges: true }),
  aws_vpc_endpoint: family('endpoints', 'network'),
  aws_vpc_endpoint_route_table_association: family('routing', 'network', { quiet: true }),
  aws_network_acl: family('network-acls', 'network', { quiet: true }),
  aws_network_acl_rule: family('network-acls', 'network', { quiet: true }),
  aws_network_acl_association: family('network-acls', 'network', { quiet: true }),
  aws_default_network_acl: family('network-acls', 'network', { quiet: true }),
  aws_security_group: own('network', { label: (v) => prefixed('security group', field('name'))(v) ?? prefixed('security group', field('name_prefix'))(v) }),
  aws_default_security_group: own('network', { label: () => 'default security group' }),
  aws_vpc_security_group_ingress_rule: family('sg-rules', 'network'),
  aws_vpc_security_group_egress_rule: family('sg-rules', 'network'),
  aws_security_group_rule: family('sg-rules', 'network'),
  // Data
  aws_kms_key: own('data', { quiet: true, label: prefixed('KMS key', field('description')) }),
  aws_kms_alias: attachTo('target_key_id'),
  aws_kms_key_policy: attachTo('key_id'),
  aws_s3_bucket: own('data', { shape: 'store', label: prefixed('S3', field('bucket')) }),
  aws_dynamodb_table: own('data', { shape: 'store', label: prefixed('DynamoDB', field('name')) }),
  aws_sqs_queue: own('data', { shape: 'store', label: prefixed('SQS', field('name')) }),
  aws_sqs_queue_policy: attachTo('queue_url'),
  aws_sqs_queue_redrive_policy: attachTo('queue_url'),
  // Names the queues allowed to use this dead-letter queue: their redrive policy draws that edge.
  aws_sqs_queue_redrive_allow_policy: { ...attachTo('queue_url'), edges: false },
  aws_db_instance: own('data', {
    shape: 'store',
    label: prefixed('RDS', field('identifier')),
    detail: (v) => [known(v.engine), known(v.engine_version), known(v.instance_class)].filter(Boolean).join(' ') || undefined,
  }),
  aws_db_parameter_group: attachToReferrer('parameter_group_name'),
  aws_db_subnet_group: attachToReferrer('db_subnet_group_name'),
  aws_db_proxy: own('data', { label: prefixed('RDS Proxy', field('name')) }),
  aws_db_proxy_default_target_group: attachTo('db_proxy_name'),
  aws_db_proxy_target: attachTo('db_proxy_name'),
  aws_secretsmanager_secret: own('data', { label: prefixed('Secret', field('name')) }),
  aws_secretsmanager_secret_version: attachTo('secret_id'),
  aws_secretsmanager_secret_policy: attachTo('secret_arn'),
  aws_secretsmanager_secret_rotation: attachTo('secret_id'),
  // Functions
  aws_lambda_function: own('functions', {
    shape: 'function',
    label: field('function_name'),
    detail: (v) => (known(v.memory_size) && known(v.timeout) ? `${known(v.memory_size)} MB, ${known(v.timeout)} s` : undefined),
  }),
  aws_lambda_alias: attachTo('function_name'),
  // The permission lets the API invoke the function: the API's integration already draws that edge.
  aws_lambda_permission: { ...attachTo('function_name'), edges: false },
  aws_lambda_event_source_mapping: { ...attachTo('function_name'), reverseEdges: true },
  aws_lambda_function_event_invoke_config: attachTo('function_name'),
  aws_lambda_provisioned_concurrency_config: attachTo('function_name'),
  aws_lambda_function_url: attachTo('function_name'),
  aws_lambda_layer_version: own('functions', { label: prefixed('layer', field('layer_name')) }),
  aws_cloudwatch_event_rule: own('functions', { label: (v) => prefixed('schedule', field('schedule_expression'))(v) ?? prefixed('event rule', field('name'))(v) }),
  aws_cloudwatch_event_target: attachTo('rule'),
  aws_codedeploy_app: own('functions', { label: prefixed('CodeDeploy', field('name')) }),
  aws_codedeploy_deployment_group: attachTo('app_name'),
  aws_codedeploy_deployment_config: family('codedeploy-configs', 'functions'),
  // API and edge
  aws_api_gateway_rest_api: own('api', { label: prefixed('REST API', field('name')) }),
  aws_api_gateway_method_settings: attachTo('stage_name'),
  aws_api_gateway_stage: own('api', { label: prefixed('stage', field('stage_name')) }),
  aws_api_gateway_account: own('api', { quiet: true, label: () => 'API Gateway account settings' }),
  aws_wafv2_web_acl: own('api', { label: prefixed('WAF', field('name')) }),
  aws_wafv2_web_acl_association: attachTo('web_acl_arn'),
  aws_wafv2_web_acl_logging_configuration: attachTo('resource_arn'),
  // Monitoring
  aws_sns_topic: own('monitoring', { label: prefixed('SNS', field('name')) }),
  aws_sns_topic_policy: attachTo('arn'),
  aws_sns_topic_subscription: attachTo('topic_arn'),
  // Alarms name what they watch in their dimensions; the edge drawn is where they notify.
  aws_cloudwatch_metric_alarm: family('alarms', 'monitoring', { edges: true, edgeTargets: /^aws_sns_topic$/ }),
  aws_cloudwatch_composite_alarm: family('alarms', 'monitoring', { edges: true, edgeTargets: /^aws_sns_topic$/ }),
  aws_cloudwatch_log_group: family('logs', 'monitoring', { quiet: true }),
  aws_cloudwatch_log_resource_policy: family('logs', 'monitoring', { quiet: true }),
  aws_cloudwatch_log_metric_filter: family('logs', 'monitoring', { quiet: true }),
  aws_cloudwatch_log_subscription_filter: family('logs', 'monitoring', { quiet: true }),
  // A dashboard shows metrics of nearly everything; edges to all of it would hide the rest.
  aws_cloudwatch_dashboard: own('monitoring', { edges: false, label: prefixed('dashboard', field('dashboard_name')) }),
  // Identity: a role joins the one resource that uses it; CI roles (nobody's but CI's) stand alone.
  aws_iam_openid_connect_provider: own('identity', { label: (v) => (known(v.url) ? `OIDC provider ${known(v.url)!.replace(/^https:\/\//, '')}` : undefined) }),
  aws_iam_role: {
    kind: 'attach',
    layer: 'inherit',
    attach: { via: 'referrer', exclude: /^aws_iam_/ },
    fallback: 'own',
    // A role nobody in the stack uses (the CI roles) belongs with the CI identity.
    defaultLayer: 'identity',
    label: prefixed('role', field('name')),
  },
  aws_iam_role_policy: attachTo('role'),
  aws_iam_role_policy_attachment: attachTo('role'),
  // A managed policy joins the one role it is attached to; one shared by several (a permissions
  // boundary) is a node of its own that draws no incoming edges.
  aws_iam_policy: {
    kind: 'attach',
    layer: 'inherit',
    attach: { via: 'referrer' },
    fallback: 'own',
    defaultLayer: 'identity',
    quiet: true,
    label: prefixed('IAM policy', field('name')),
  },
  aws_iam_policy_attachment: attachTo('roles'),
};

/** Families drawn for types without a rule: one node per type, in the layer of its neighbours. */
function ruleFor(type: string): Rule {
  if (RULES[type]) return RULES[type];
  if (type.startsWith('aws_s3_bucket_')) return attachTo('bucket');
  if (type.startsWith('aws_api_gateway_')) return attachTo('rest_api_id');
  return family(type, 'inherit', { edges: true });
}

const TYPE_NOUNS: Readonly<Record<string, string>> = {
  aws_vpc_security_group_ingress_rule: 'ingress rule',
  aws_vpc_security_group_egress_rule: 'egress rule',
  aws_route_table_association: 'route table association',
  aws_cloudwatch_metric_alarm: 'alarm',
  aws_cloudwatch_log_group: 'log group',
  aws_iam_role_policy: 'inline policy',
  aws_iam_role_policy_attachment: 'managed policy',
  aws_db_proxy_default_target_group: 'target group',
  aws_lambda_event_source_mapping: 'event source mapping',
  aws_api_gateway_resource: 'path',
};

/** `aws_api_gateway_method` -> `method`, `aws_s3_bucket_versioning` -> `versioning`. */
export function noun(type: string): string {
  if (TYPE_NOUNS[type]) return TYPE_NOUNS[type];
  const words = type.replace(/^aws_/, '').split('_');
  const prefixes = [['s3', 'bucket'], ['api', 'gateway'], ['lambda'], ['sqs', 'queue'], ['sns', 'topic'], ['db', 'proxy'], ['wafv2', 'web', 'acl'], ['cloudwatch'], ['iam'], ['kms'], ['vpc']];
  for (const prefix of prefixes) {
    if (words.length > prefix.length && prefix.every((word, i) => words[i] === word)) return words.slice(prefix.length).join(' ');
  }
  return words.join(' ');
}

function counted(type: string, count: number): string {
  const word = noun(type);
  if (count === 1) return word;
  const plural = /(s|x|ch|sh)$/.test(word) ? `${word}es` : word.endsWith('y') && !/[aeiou]y$/.test(word) ? `${word.slice(0, -1)}ies` : `${word}s`;
  return `${count} ${plural}`;
}

/** "3 route tables, 3 routes, 4 route table associations": member types counted, in type order. */
function typeCounts(resources: readonly GraphResource[]): string {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => byCodePoint(a, b)).map(([type, count]) => counted(type, count)).join(', ');
}

const FAMILY_TITLES: Readonly<Record<string, string>> = {
  subnets: 'Subnets',
  routing: 'Routing',
  endpoints: 'VPC endpoints',
  'network-acls': 'Network ACLs',
  'sg-rules': 'Security-group rules',
  alarms: 'CloudWatch alarms',
  logs: 'CloudWatch logs',
  'codedeploy-configs': 'CodeDeploy deployment configs',
  iam: 'IAM',
};

function familyLines(name: string, members: readonly GraphResource[]): string[] {
  const title = FAMILY_TITLES[name] ?? noun(name);
  const lines = [`${title} ×${members.length}`];
  const types = new Set(members.map((m) => m.type));
  if (types.size > 1) lines.push(typeCounts(members));
  if (name === 'endpoints') {
    const services = [...new Set(members.map((m) => known(m.values.service_name)?.split('.').pop()).filter((s): s is string => !!s))].sort();
    if (services.length) lines.push(services.join(', '));
  }
  return lines;
}

/** The Terraform name without cdktf's trailing hash: `Functions_SyncClock_Function_C063C989` -> `Functions_SyncClock_Function`. */
function readableName(name: string): string {
  return name.replace(/_[0-9A-F]{8}$/, '');
}

function mermaidId(text: string): string {
  return `n_${text.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** One stack's resources, and whether they all belong to one layer (the CI identity stack). */
export interface DiagramPart {
  readonly graph: ResourceGraph;
  readonly layer?: Layer;
}

const LAYER_ORDER = new Map(LAYERS.map(({ layer }, i) => [layer, i]));

export function buildDiagram(parts: readonly DiagramPart[]): Diagram {
  const resources = new Map<string, GraphResource>();
  const forcedLayer = new Map<string, Layer>();
  for (const part of parts) {
    for (const r of part.graph.resources) {
      if (resources.has(r.key)) throw new Error(`Two resources share the key ${r.key}; give each stack its own key prefix`);
      resources.set(r.key, r);
      if (part.layer) forcedLayer.set(r.key, part.layer);
    }
  }
  const sorted = [...resources.values()].sort((a, b) => byCodePoint(a.key, b.key));
  const referrers = new Map<string, { attribute: string; source: GraphResource }[]>();
  for (const r of sorted) {
    for (const ref of r.references) {
      if (!resources.has(ref.target)) continue;
      referrers.set(ref.target, [...(referrers.get(ref.target) ?? []), { attribute: ref.attribute, source: r }]);
    }
  }

  // 1. Owner of each resource: itself (own), the resource it attaches to, or a family.
  const owner = new Map<string, string>();
  const resolving = new Set<string>();
  const ownerOf = (r: GraphResource): string => {
    const cached = owner.get(r.key);
    if (cached) return cached;
    const rule = ruleFor(r.type);
    let result: string | undefined;
    if (rule.kind === 'own') result = r.key;
    else if (rule.kind === 'attach' && !resolving.has(r.key)) {
      resolving.add(r.key);
      const spec = rule.attach!;
      const candidates =
        spec.via === 'reference'
          ? r.references.filter((ref) => spec.attributes.includes(ref.attribute) && resources.has(ref.target)).map((ref) => resources.get(ref.target)!)
          : (referrers.get(r.key) ?? [])
              .filter(({ attribute, source }) => (!spec.attributes || spec.attributes.includes(attribute)) && !spec.exclude?.test(source.type))
              .map(({ source }) => source);
      const owners = [...new Set(candidates.map(ownerOf).filter((key) => !key.startsWith('family:')))];
      resolving.delete(r.key);
      if (owners.length === 1) result = owners[0];
      else if (rule.fallback === 'own') result = r.key;
    }
    result ??= `family:${rule.family ?? r.type}`;
    owner.set(r.key, result);
    return result;
  };
  for (const r of sorted) ownerOf(r);

  // 2. Layers: forced for a whole stack, else fixed by the owner's type, else (unknown types)
  // the most common layer among the neighbours; attached resources take their owner's layer.
  const layerOf = new Map<string, Layer>();
  const fixedLayer = (r: GraphResource): Layer | undefined => {
    const o = owner.get(r.key)!;
    const rule = o.startsWith('family:') ? ruleFor(r.type) : ruleFor(resources.get(o)!.type);
    return forcedLayer.get(r.key) ?? (rule.layer === 'inherit' ? undefined : rule.layer);
  };
  const isAttached = (r: GraphResource): boolean => !owner.get(r.key)!.startsWith('family:') && owner.get(r.key) !== r.key;
  for (const r of sorted) {
    const layer = fixedLayer(r);
    if (layer) layerOf.set(r.key, layer);
  }
  for (const r of sorted) {
    if (layerOf.has(r.key) || isAttached(r)) continue;
    const votes = new Map<Layer, number>();
    const neighbours = [...r.references.map((ref) => ref.target), ...(referrers.get(r.key) ?? []).map(({ source }) => source.key)];
    for (const key of neighbours) {
      const layer = layerOf.get(key);
      if (layer) votes.set(layer, (votes.get(layer) ?? 0) + 1);
    }
    const best = [...votes.entries()].sort(([a, x], [b, y]) => y - x || LAYER_ORDER.get(a)! - LAYER_ORDER.get(b)!)[0];
    layerOf.set(r.key, best ? best[0] : (ruleFor(r.type).defaultLayer ?? 'other'));
  }
  for (const r of sorted) if (!layerOf.has(r.key)) layerOf.set(r.key, layerOf.get(owner.get(r.key)!)!);

  // 3. Nodes: one per owner; families are split by layer.
  const nodeKey = (r: GraphResource): string => {
    const o = owner.get(r.key)!;
    return o.startsWith('family:') ? `${o}:${layerOf.get(r.key)}` : o;
  };
  const members = new Map<string, GraphResource[]>();
  for (const r of sorted) members.set(nodeKey(r), [...(members.get(nodeKey(r)) ?? []), r]);

  const ids = new Map<string, string>();
  const used = new Set<string>();
  const nodes: DiagramNode[] = [];
  for (const [key, group] of [...members.entries()].sort(([a], [b]) => byCodePoint(a, b))) {
    let id: string;
    let lines: string[];
    let shape: Shape;
    let layer: Layer;
    if (key.startsWith('family:')) {
      const [, name, familyLayer] = key.split(':');
      layer = familyLayer as Layer;
      id = mermaidId(`${layer}_${name}`);
      lines = familyLines(name, group);
      shape = 'family';
    } else {
      const main = resources.get(key)!;
      const rule = ruleFor(main.type);
      layer = layerOf.get(key)!;
      id = mermaidId(readableName(main.name));
      lines = [rule.label?.(main.values) ?? `${noun(main.type)} ${readableName(main.name)}`];
      const detail = rule.detail?.(main.values);
      if (detail) lines.push(detail);
      const attached = group.filter((m) => m.key !== key);
      if (attached.length) lines.push(`+ ${typeCounts(attached)}`);
      shape = rule.shape ?? 'box';
    }
    for (let n = 2; used.has(id); n += 1) id = `${id.replace(/_\d+$/, '')}_${n}`;
    used.add(id);
    ids.set(key, id);
    nodes.push({ id, layer, lines, shape, members: group.map((m) => m.key) });
  }
  nodes.sort((a, b) => LAYER_ORDER.get(a.layer)! - LAYER_ORDER.get(b.layer)! || byCodePoint(a.id, b.id));

  // 4. Edges between nodes.
  const idOf = (resourceKey: string): string | undefined => (resources.has(resourceKey) ? ids.get(nodeKey(resources.get(resourceKey)!)) : undefined);
  const quiet = new Set<string>();
  for (const [key, group] of members) {
    const main = key.startsWith('family:') ? group[0] : resources.get(key)!;
    if (ruleFor(main.type).quiet) quiet.add(ids.get(key)!);
  }
  const isSecurityGroupNode = new Set(nodes.filter((n) => n.members.some((m) => SECURITY_GROUP_TYPES.has(resources.get(m)!.type))).map((n) => n.id));
  const edges = new Map<string, DiagramEdge>();
  const addEdge = (edge: DiagramEdge) => {
    if (edge.from === edge.to) return;
    const key = `${edge.from} ${edge.to}`;
    const existing = edges.get(key);
    if (!existing) edges.set(key, edge);
    else if (edge.kind === 'path' && existing.kind !== 'path') edges.set(key, edge);
    else if (edge.kind === 'path' && edge.label && !existing.label?.split(', ').includes(edge.label)) {
      edges.set(key, { ...existing, label: [...(existing.label?.split(', ') ?? []), edge.label].sort().join(', ') });
    }
  };
  for (const r of sorted) {
    const from = idOf(r.key)!;
    if (RULE_TYPES.has(r.type)) {
      const path = securityGroupPath(r, idOf);
      if (path) addEdge({ ...path, kind: 'path' });
      continue;
    }
    const rule = ruleFor(r.type);
    if (!(rule.edges ?? rule.kind !== 'family')) continue;
    for (const ref of r.references) {
      if (rule.edgeTargets && !rule.edgeTargets.test(resources.get(ref.target)?.type ?? '')) continue;
      const to = idOf(ref.target);
      if (!to || quiet.has(to)) continue;
      if (isSecurityGroupNode.has(to)) addEdge({ from, to, kind: 'attached' });
      else addEdge(rule.reverseEdges ? { from: to, to: from, kind: 'uses' } : { from, to, kind: 'uses' });
    }
    if (r.type === 'aws_iam_role') for (const provider of trustedProviders(r, sorted)) addEdge({ from: idOf(provider.key)!, to: from, kind: 'uses', label: 'trusts' });
  }
  for (const [key, edge] of [...edges.entries()].sort(([a], [b]) => byCodePoint(a, b))) {
    const back = edges.get(`${edge.to} ${edge.from}`);
    if (edge.kind === 'uses' && back?.kind === 'uses' && edges.has(key) && !edge.label && !back.label) {
      edges.set(key, { ...edge, both: true });
      edges.delete(`${edge.to} ${edge.from}`);
    }
  }
  return { nodes, edges: [...edges.values()].sort((a, b) => byCodePoint(a.from, b.from) || byCodePoint(a.to, b.to)) };
}

/** An ingress rule is a path from the peer to the group; an egress rule from the group to the peer. */
function securityGroupPath(rule: GraphResource, idOf: (key: string) => string | undefined): { from: string; to: string; label: string } | undefined {
  const target = (attribute: string) => rule.references.find((ref) => ref.attribute === attribute)?.target;
  const group = target('security_group_id');
  const peer = target('referenced_security_group_id') ?? target('source_security_group_id') ?? target('prefix_list_id');
  if (!group || !peer) return undefined;
  const groupId = idOf(group);
  const peerId = idOf(peer);
  if (!groupId || !peerId) return undefined;
  const protocol = known(rule.values.ip_protocol) ?? known(rule.values.protocol);
  const from = known(rule.values.from_port);
  const to = known(rule.values.to_port);
  const port = from === undefined ? '' : from === to || to === undefined ? ` ${from}` : ` ${from}-${to}`;
  const label = protocol === '-1' || protocol === 'all' ? 'all traffic' : `${protocol ?? 'tcp'}${port}`;
  const ingress = rule.type === 'aws_vpc_security_group_ingress_rule' || rule.values.type === 'ingress';
  return ingress ? { from: peerId, to: groupId, label } : { from: groupId, to: peerId, label };
}

/**
 * OIDC providers a role's trust policy names. The policy holds the provider's ARN as text (its
 * account and host), not a reference, so the provider is matched by its URL's host.
 */
function trustedProviders(role: GraphResource, all: readonly GraphResource[]): GraphResource[] {
  const policy = typeof role.values.assume_role_policy === 'string' ? role.values.assume_role_policy : '';
  return all.filter((r) => {
    if (r.type !== 'aws_iam_openid_connect_provider') return false;
    const host = known(r.values.url)?.replace(/^https:\/\//, '');
    return host !== undefined && policy.includes(`oidc-provider/${host}"`);
  });
}
