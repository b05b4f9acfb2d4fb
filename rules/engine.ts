import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Aspects, type IAspect, TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { RULES } from './index';
import type { ResourceView, Rule, RuleContext } from './rule';

/** Node metadata type under which a suppression is stored on the construct it applies to. */
const SUPPRESSION_METADATA = 'platform-rules:suppression';
/** A reason must explain the exception, not just name it. */
const MIN_REASON_LENGTH = 20;

export interface Suppression {
  /** Construct path; the suppression covers resources at or below it. */
  readonly path: string;
  readonly ruleId: string;
  readonly reason: string;
  /** Where the exception is written when not in code: the account file and its field. */
  readonly declaredIn?: string;
}

export interface Violation {
  /** Construct path of the offending resource. */
  readonly path: string;
  /** `type.name` in the synthesized JSON. */
  readonly address: string;
  readonly ruleId: string;
  readonly checkov: readonly string[];
  readonly message: string;
  readonly fix: string;
}

export interface StackReport {
  readonly stackName: string;
  /** Violations not covered by a suppression: these fail synthesis. */
  readonly violations: readonly Violation[];
  /** Violations covered by a suppression, with the suppression that covers them. */
  readonly suppressed: ReadonlyArray<{ readonly violation: Violation; readonly suppression: Suppression }>;
  /** Suppressions that match no violation: stale exceptions, which also fail synthesis. */
  readonly unusedSuppressions: readonly Suppression[];
  /** CheckOptions.acceptIn of the stack. */
  readonly acceptIn?: string;
  /** CheckOptions.acceptUnit of the stack. */
  readonly acceptUnit?: string;
}

export interface CheckOptions {
  /** Rules to run. Default: every rule in rules/index.ts. */
  readonly rules?: readonly Rule[];
  /** The day date-dependent rules judge by. Default: the current date. */
  readonly today?: Date;
  /**
   * The account file where a person may accept a finding of this stack with a reason
   * (its `suppressions` field); named in every finding. Default: none (exceptions live in code).
   */
  readonly acceptIn?: string;
  /** The unit such a suppression names to reach this stack (its `unit` field). Default: none. */
  readonly acceptUnit?: string;
}

/**
 * Exempts `construct` and everything below it from one rule, for a reason written next to the
 * construct. The reason is mandatory: it is exported to .checkov.yaml and the README. Throws for
 * an unknown rule id or a missing reason, so a typo never silently disables nothing.
 */
export function suppressRule(construct: IConstruct, ruleId: string, reason: string, declaredIn?: string): void {
  if (!RULES.some((rule) => rule.id === ruleId)) {
    throw new Error(`suppressRule(${construct.node.path}): unknown rule id '${ruleId}'; use one of the ids listed in rules/index.ts`);
  }
  if (reason.trim().length < MIN_REASON_LENGTH) {
    throw new Error(`suppressRule(${construct.node.path}, ${ruleId}): give a reason of at least ${MIN_REASON_LENGTH} characters saying why the exception is safe`);
  }
  const existing = construct.node.metadata.some((entry) => entry.type === SUPPRESSION_METADATA && (entry.data as Suppression).ruleId === ruleId);
  if (existing) throw new Error(`suppressRule(${construct.node.path}): ${ruleId} is already suppressed here`);
  const suppression: Suppression = { path: construct.node.path, ruleId, reason: reason.trim(), ...(declaredIn ? { declaredIn } : {}) };
  construct.node.addMetadata(SUPPRESSION_METADATA, suppression);
}

/** Every suppression declared on `scope` or below, sorted by path then rule id. */
export function listSuppressions(scope: IConstruct): Suppression[] {
  return scope.node
    .findAll()
    .flatMap((node) => node.node.metadata.filter((entry) => entry.type === SUPPRESSION_METADATA).map((entry) => entry.data as Suppression))
    .sort(compareBy((s) => [s.path, s.ruleId]));
}

function compareBy<T>(key: (item: T) => string[]): (a: T, b: T) => number {
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    }
    return 0;
  };
}

function covers(suppression: Suppression, violation: Violation): boolean {
  return suppression.ruleId === violation.ruleId && (violation.path === suppression.path || violation.path.startsWith(`${suppression.path}/`));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The resources of a resolved stack JSON, with construct paths and reference lookups. */
function buildContext(json: Record<string, unknown>, today: Date, stackNamed?: RuleContext['stackNamed']): { all: ResourceView[]; context: RuleContext } {
  const byType = new Map<string, ResourceView[]>();
  const text = new Map<ResourceView, string>();
  const all: ResourceView[] = [];
  const resources = (json.resource ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  for (const [type, named] of Object.entries(resources)) {
    for (const [name, body] of Object.entries(named)) {
      const { '//': meta, ...config } = body;
      const path = ((meta as { metadata?: { path?: string } } | undefined)?.metadata?.path) ?? `${type}.${name}`;
      const view: ResourceView = { type, name, address: `${type}.${name}`, path, config };
      all.push(view);
      text.set(view, JSON.stringify(config));
      byType.set(type, [...(byType.get(type) ?? []), view]);
    }
  }
  const byAddress = new Map(all.map((view) => [view.address, view]));
  const context: RuleContext = {
    today,
    stack: json,
    stackNamed,
    resources: (type) => byType.get(type) ?? [],
    referencing: (type, target) => {
      const reference = new RegExp(`(^|[^\\w.-])${escapeRegExp(target.address)}(\\.|\\})`);
      return (byType.get(type) ?? []).filter((view) => view !== target && reference.test(text.get(view) ?? ''));
    },
    resolve: (reference) => {
      if (typeof reference !== 'string') return undefined;
      const match = /\$\{([\w-]+)\.([\w-]+)[.}]/.exec(reference);
      return match ? byAddress.get(`${match[1]}.${match[2]}`) : undefined;
    },
  };
  return { all, context };
}

/**
 * Runs the rules over a stack's resolved Terraform JSON (what `cdktf synth` writes) and matches
 * the findings against the suppressions declared in the stack's construct tree. `synthesized` is
 * that JSON when the caller has it; otherwise the stack is resolved here.
 */
export function checkStack(stack: TerraformStack, options: CheckOptions = {}, synthesized?: Record<string, unknown>): StackReport {
  const rules = options.rules ?? RULES;
  const json = synthesized ?? (stack.toTerraform() as Record<string, unknown>);
  const { all, context } = buildContext(json, options.today ?? new Date(), (name) => siblingStackJson(stack, name));
  const found: Violation[] = [];
  for (const rule of rules) {
    for (const resource of all) {
      if (!rule.resourceTypes.includes(resource.type)) continue;
      const message = rule.check(resource, context);
      if (message !== undefined) {
        found.push({ path: resource.path, address: resource.address, ruleId: rule.id, checkov: rule.checkov ?? [], message, fix: rule.fix });
      }
    }
  }
  found.sort(compareBy((v) => [v.path, v.ruleId, v.address, v.message]));
  const suppressions = listSuppressions(stack);
  const used = new Set<Suppression>();
  const violations: Violation[] = [];
  const suppressed: Array<{ violation: Violation; suppression: Suppression }> = [];
  for (const violation of found) {
    // The most specific suppression (longest path) is the one that explains the exception.
    const suppression = suppressions.filter((s) => covers(s, violation)).sort((a, b) => b.path.length - a.path.length)[0];
    if (suppression) {
      used.add(suppression);
      suppressed.push({ violation, suppression });
    } else {
      violations.push(violation);
    }
  }
  const ruleIds = new Set(rules.map((rule) => rule.id));
  // Only suppressions of rules that ran can be judged unused.
  const unusedSuppressions = suppressions.filter((s) => !used.has(s) && ruleIds.has(s.ruleId));
  return { stackName: stack.node.id, violations, suppressed, unusedSuppressions, acceptIn: options.acceptIn, acceptUnit: options.acceptUnit };
}

/** One line per problem, sorted, so the same input always gives the same report. */
export function formatReport(report: StackReport): string[] {
  return [
    ...report.violations.map((v) => {
      const scanner = v.checkov.length > 0 ? ` (${v.checkov.join(', ')})` : '';
      const construct = v.path.split('/').slice(1).join('/');
      const accept = report.acceptIn
        ? `; or, if it is right for this account, write why in ${report.acceptIn}: suppressions: [{ rule: '${v.ruleId}', ${report.acceptUnit ? `unit: '${report.acceptUnit}', ` : ''}construct: '${construct}', reason: '<why it is safe here>' }]`
        : '';
      return `${v.ruleId}${scanner} at ${v.path} [${v.address}]: ${v.message}. Fix: ${v.fix}${accept}`;
    }),
    ...report.unusedSuppressions.map(
      (s) =>
        `Unused suppression of ${s.ruleId} at ${s.path}: the rule finds nothing there any more. Fix: ${s.declaredIn ? `remove it from ${s.declaredIn}` : 'remove the suppressRule() call'}`,
    ),
  ];
}

/** Thrown by `app.synth()` when a stack under the rules has findings; the message lists all of them. */
export class SecurityRulesError extends Error {
  constructor(readonly findings: readonly string[]) {
    super(`${findings.length} security rule finding(s); fix them or suppress them with a reason (suppressRule):\n  ${findings.join('\n  ')}`);
    this.name = 'SecurityRulesError';
  }
}

/** Per app: the stacks under the rules, in the order their synthesis started. */
const stacksUnderRules = new WeakMap<IConstruct, Map<TerraformStack, CheckOptions>>();

/**
 * The cdktf Aspect that puts a stack under the rules. cdktf invokes aspects as each stack's
 * synthesis starts; the first visit in an app registers one app-level validation, which cdktf runs
 * after every stack has been resolved. It checks all registered stacks, so one failed synth lists
 * every finding of every account, and throws before the manifest is written. (Stack files are
 * rendered first: `npm run synth` publishes them only after app.synth() succeeds, see
 * stacks/synthesize.ts.)
 */
export class RulesAspect implements IAspect {
  constructor(private readonly options: CheckOptions = {}) {}

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    const root = node.node.root;
    let stacks = stacksUnderRules.get(root);
    if (!stacks) {
      const registered = new Map<TerraformStack, CheckOptions>();
      stacksUnderRules.set(root, registered);
      root.node.addValidation({
        validate: () => {
          const findings = [...registered].flatMap(([stack, options]) => formatReport(checkStack(stack, options, synthesizedJson(stack))));
          if (findings.length > 0) throw new SecurityRulesError(findings);
          return [];
        },
      });
      stacks = registered;
    }
    if (!stacks.has(node)) stacks.set(node, this.options);
  }
}

/**
 * The JSON cdktf's synthesizer wrote for `stack` in the app's current synth, read back instead of
 * resolving the whole stack a second time (a CPU profile showed that second resolve as a large
 * share of synth). cdktf runs app validations after every stack file is written (App.synth), and
 * the manifest has an entry for a stack only once its synthesizer ran. Undefined otherwise (no
 * synth yet, or HCL output), and checkStack resolves the stack itself.
 */
function synthesizedJson(stack: TerraformStack): Record<string, unknown> | undefined {
  const app = stack.node.root;
  if (!App.isApp(app) || app.hclOutput) return undefined;
  const entry = app.manifest.stacks[stack.node.id];
  if (!entry) return undefined;
  const file = path.join(app.outdir, entry.synthesizedStackPath);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : undefined;
}

/** Another stack of the same app, as synthesized (a unit's cross-stack references resolve against it). */
function siblingStackJson(stack: TerraformStack, name: string): Record<string, unknown> | undefined {
  const sibling = stack.node.scope?.node.tryFindChild(name);
  if (!sibling || !TerraformStack.isStack(sibling)) return undefined;
  return synthesizedJson(sibling) ?? (sibling.toTerraform() as Record<string, unknown>);
}

/** Enforces the rules on every synth of `stack`. Safe to call more than once. */
export function applyRules(stack: TerraformStack, options: CheckOptions = {}): void {
  Aspects.of(stack).add(new RulesAspect(options));
}
