import type { IConstruct } from 'constructs';
import { type IResolveContext, type ITerraformDependable, Lazy, TerraformStack } from 'cdktf';

/**
 * A value that is a deterministic name (a function, queue, table, bucket or topic name, or an ARN
 * built from one): inside the producer's own stack the resource attribute (`reference`), so
 * Terraform keeps ordering the two resources; in any other stack the name itself (`name`), with
 * that stack made to depend on the producer's, so the value never travels through remote state
 * and a unit that reads it is not replanned when the producer's outputs move. Only values AWS
 * generates (ids, endpoints, key ARNs) cross stacks as cdktf cross-stack references.
 *
 * Decided when the stack is synthesized, by the stack that uses the value. cdktf's own
 * cross-stack references are decided there too: a token of another stack becomes an output of
 * that stack, a terraform_remote_state data source reading it, and a stack dependency
 * (https://developer.hashicorp.com/terraform/cdktf/concepts/stacks#cross-stack-references;
 * App.crossStackReference in cdktf 0.21).
 */
export function nameAcrossStacks(producer: IConstruct, reference: string, name: string): string {
  const home = TerraformStack.of(producer);
  return Lazy.stringValue({
    produce: (context: IResolveContext) => {
      const user = TerraformStack.of(context.scope);
      if (user === home) return reference;
      if (context.preparing) user.addDependency(home);
      return name;
    },
  });
}

/**
 * `consumer` uses names `producers` were given, as literal strings no Terraform reference carries
 * (alarm dimensions, dashboard widgets): its stack is applied after theirs all the same, so what it
 * names exists first.
 */
export function dependsOnStacksOf(consumer: IConstruct, ...producers: readonly IConstruct[]): void {
  const stack = TerraformStack.of(consumer);
  for (const producer of producers) {
    const home = TerraformStack.of(producer);
    if (home !== stack) stack.addDependency(home);
  }
}

/**
 * The dependables that live in `consumer`'s stack: Terraform's depends_on cannot name a resource
 * of another state, so a dependency on one in another stack becomes a stack dependency (that
 * stack is applied first) and is left out of depends_on.
 */
export function dependablesInStack(consumer: IConstruct, dependables: readonly (ITerraformDependable & IConstruct)[]): ITerraformDependable[] {
  const stack = TerraformStack.of(consumer);
  return dependables.filter((dependable) => {
    const home = TerraformStack.of(dependable);
    if (home !== stack) stack.addDependency(home);
    return home === stack;
  });
}
