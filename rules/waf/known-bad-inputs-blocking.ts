import { block, blocks } from '../attributes';
import type { ResourceView, Rule } from '../rule';

const GROUP = 'AWSManagedRulesKnownBadInputsRuleSet';

/** The managed group rule, its override action and count-mode rule overrides, from `rule` blocks or `rule_json` (AWS API casing). */
interface GroupRule {
  readonly overrideCount: boolean;
  readonly countedRules: string[];
}

function fromBlocks(resource: ResourceView): GroupRule | undefined {
  const rule = blocks(resource.config.rule).find((r) => block(block(r.statement)?.managed_rule_group_statement)?.name === GROUP);
  if (!rule) return undefined;
  return {
    overrideCount: block(rule.override_action)?.count !== undefined,
    countedRules: blocks(block(block(rule.statement)?.managed_rule_group_statement)?.rule_action_override)
      .filter((override) => block(override.action_to_use)?.count !== undefined)
      .map((override) => String(override.name)),
  };
}

function fromJson(resource: ResourceView): GroupRule | undefined {
  if (typeof resource.config.rule_json !== 'string') return undefined;
  let rules: unknown;
  try {
    rules = JSON.parse(resource.config.rule_json);
  } catch {
    return undefined;
  }
  const rule = blocks(rules).find((r) => block(block(r.Statement)?.ManagedRuleGroupStatement)?.Name === GROUP);
  if (!rule) return undefined;
  return {
    overrideCount: block(rule.OverrideAction)?.Count !== undefined,
    countedRules: blocks(block(block(rule.Statement)?.ManagedRuleGroupStatement)?.RuleActionOverrides)
      .filter((override) => block(override.ActionToUse)?.Count !== undefined)
      .map((override) => String(override.Name)),
  };
}

export const wafKnownBadInputsBlocking: Rule = {
  id: 'PLAT-WAF-1',
  checkov: ['CKV_AWS_192'],
  resourceTypes: ['aws_wafv2_web_acl'],
  description: `Web ACLs include the AWS ${GROUP} (Log4j and other known exploits) in blocking mode: no count override on the group or its rules.`,
  fix: `add a rule with managedRuleGroupStatement { vendorName: "AWS", name: "${GROUP}" } and overrideAction { none: {} }, without count overrides`,
  check: (resource) => {
    const rule = fromBlocks(resource) ?? fromJson(resource);
    if (!rule) return `${GROUP} is not in the web ACL`;
    if (rule.overrideCount) return `${GROUP} runs in count mode (override_action count)`;
    return rule.countedRules.length > 0 ? `${GROUP} rules in count mode: ${rule.countedRules.join(', ')}` : undefined;
  },
};
