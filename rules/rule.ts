/**
 * The shape of one security rule. A rule looks at one synthesized Terraform resource (its
 * resolved JSON configuration, references left as "${type.name.attr}" strings) and, through the
 * context, at the other resources of the same stack, so relations such as "this bucket has a
 * public access block" can be checked.
 */
export interface ResourceView {
  /** Terraform resource type, e.g. aws_lambda_function. */
  readonly type: string;
  /** Logical name in the synthesized JSON. */
  readonly name: string;
  /** `type.name`, the prefix of every reference to this resource. */
  readonly address: string;
  /** Construct path, e.g. dev/Functions/sync-clock/Function. */
  readonly path: string;
  /** Resolved configuration without cdktf's "//" metadata. */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface RuleContext {
  /** Every resource of a type in the stack, in synthesized order. */
  resources(type: string): readonly ResourceView[];
  /** Resources of `type` whose configuration anywhere refers to `target` ("${target.address...}"). */
  referencing(type: string, target: ResourceView): readonly ResourceView[];
  /** The resource a reference string points at ("${aws_kms_key.k.arn}" -> that key), if in the stack. */
  resolve(reference: unknown): ResourceView | undefined;
  /** The day rules with dates (deprecated runtimes) judge by. */
  readonly today: Date;
  /** The whole resolved stack JSON (locals, provider), for rules that resolve references. Default: not given. */
  readonly stack?: Readonly<Record<string, unknown>>;
  /**
   * The JSON of another stack of the app by name: a unit reads what AWS generates in another unit
   * through remote state (cdktf cross-stack references), which resolves to that stack's output.
   * Default: not given (such references stay unresolved).
   */
  readonly stackNamed?: (name: string) => Readonly<Record<string, unknown>> | undefined;
}

export interface Rule {
  /** Stable id, PLAT-<AREA>-<n>; used in suppressions, reports and the README. Never reused. */
  readonly id: string;
  /** The checkov checks this rule corresponds to, where one exists. */
  readonly checkov?: readonly string[];
  /** The trivy (tfsec) checks this rule corresponds to, where one exists. */
  readonly trivy?: readonly string[];
  /** Terraform resource types the rule inspects. */
  readonly resourceTypes: readonly string[];
  /** What the rule requires, one sentence. */
  readonly description: string;
  /** How to comply, one sentence a developer can act on. */
  readonly fix: string;
  /**
   * Checkov checks this rule deliberately replaces with a narrower requirement, each with the
   * reason; they are skipped in .checkov.yaml so the CI scanner and this engine agree.
   */
  readonly replacesCheckov?: Readonly<Record<string, string>>;
  /** Returns what is wrong with the resource, or undefined when it complies. */
  check(resource: ResourceView, context: RuleContext): string | undefined;
}
