import type { IConstruct } from 'constructs';
import { ConfigError } from '../environments/load';
import type { AccountConfig } from '../environments/schema';
import { UNIT_CONSTRUCTS, type WorkloadUnit } from '../environments/units';
import { listSuppressions, suppressRule } from '../rules/engine';
import { RULES } from '../rules/index';

/**
 * The account file's `suppressions`, each put on the construct it names, in the stack of the unit
 * it names (`stackOf`; undefined for a unit the account turns off), with the reason a person
 * wrote. A unit, path or rule that does not exist is a ConfigError naming the entry and the fix
 * (the unit's own constructs to choose from), so a typo never leaves a finding unexplained or
 * suppresses nothing. `unitConstructs`: the top-level constructs of each unit (environments/units.ts).
 */
export function applyAccountSuppressions(
  stackOf: (unit: WorkloadUnit) => IConstruct | undefined,
  suppressions: AccountConfig['suppressions'],
  accountFile: string,
  unitConstructs: Readonly<Record<WorkloadUnit, readonly string[]>> = UNIT_CONSTRUCTS,
): void {
  const problems: string[] = [];
  const ownerOf = (id: string) => (Object.keys(unitConstructs) as WorkloadUnit[]).find((unit) => unitConstructs[unit].includes(id));
  suppressions.forEach(({ rule, unit, construct, reason }, index) => {
    const field = `${accountFile}: suppressions.${index}`;
    const stack = stackOf(unit);
    const [topId] = construct.split('/');
    const owner = ownerOf(topId);
    const target =
      stack && unitConstructs[unit].includes(topId) ? construct.split('/').reduce<IConstruct | undefined>((node, childId) => node?.node.tryFindChild(childId), stack) : undefined;
    if (!stack) {
      problems.push(`${field}.unit: the ${unit} unit is turned off (units.${unit}.enabled), so nothing of it is synthesized; remove the suppression or turn the unit on`);
    } else if (!target && owner && owner !== unit) {
      problems.push(`${field}.unit: '${topId}' is in the ${owner} unit, not ${unit}; set unit: '${owner}'`);
    } else if (!target) {
      const children = stack.node.children.map((child) => child.node.id).filter((childId) => unitConstructs[unit].includes(childId));
      problems.push(`${field}.construct: '${construct}' is no construct of the ${unit} unit; use a path below one of its constructs: ${children.join(', ')}`);
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
