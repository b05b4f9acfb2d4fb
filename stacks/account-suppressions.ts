import type { IConstruct } from 'constructs';
import { ConfigError } from '../environments/load';
import type { AccountConfig } from '../environments/schema';
import { listSuppressions, suppressRule } from '../rules/engine';
import { RULES } from '../rules/index';

/**
 * The account file's `suppressions`, each put on the construct it names with the reason a person
 * wrote. A path or rule that does not exist is a ConfigError naming the entry and the fix, so a
 * typo never leaves a finding unexplained or suppresses nothing.
 */
export function applyAccountSuppressions(stack: IConstruct, suppressions: AccountConfig['suppressions'], accountFile: string): void {
  const problems: string[] = [];
  suppressions.forEach(({ rule, construct, reason }, index) => {
    const field = `${accountFile}: suppressions.${index}`;
    const target = construct.split('/').reduce<IConstruct | undefined>((node, childId) => node?.node.tryFindChild(childId), stack);
    if (!target) {
      const children = stack.node.children.map((child) => child.node.id).filter((childId) => !/^(aws|backend)$/.test(childId));
      problems.push(`${field}.construct: '${construct}' is no construct of the ${stack.node.id} stack; use a path below it, e.g. one of ${children.join(', ')}`);
    } else if (!RULES.some((r) => r.id === rule)) {
      problems.push(`${field}.rule: '${rule}' is no rule of rules/index.ts; use one of the ids in the README's "Security rules" table`);
    } else if (listSuppressions(target).some((s) => s.path === target.node.path && s.ruleId === rule)) {
      problems.push(`${field}: ${rule} is already suppressed at ${construct}; remove the duplicate entry`);
    } else {
      suppressRule(target, rule, reason, `${accountFile} (suppressions.${index})`);
    }
  });
  if (problems.length) throw new ConfigError(problems);
}
