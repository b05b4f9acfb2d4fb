import { block, blocks } from '../attributes';
import type { Rule } from '../rule';

const GROUP = 'AWSManagedRulesKnownBadInputsRuleSet';

export const wafKnownBadInputsBlocking: Rule = {
  id: 'PLAT-WAF-1',
  checkov: ['CKV_AWS_192'],
  resourceTypes: ['aws_wafv2_web_acl'],
  description: `Web ACLs include the AWS ${GROUP} (Log4j and other known exploits) in blocking mode: no count override on the group or its rules.`,
  fix: `add a rule with managedRuleGroupStatement { vendorName: "AWS", name: "${GROUP}" } and overrideAction { none: {} }, without count overrides`,
  check: (resource) => {
    const rule = blocks(resource.config.rule).find((r) => block(block(r.statement)?.managed_rule_group_statement)?.name === GROUP);
    if (!rule) return `${GROUP} is not in the web ACL`;
    if (block(rule.override_action)?.count !== undefined) return `${GROUP} runs in count mode (override_action count)`;
    const counted = blocks(block(block(rule.statement)?.managed_rule_group_statement)?.rule_action_override)
      .filter((override) => block(override.action_to_use)?.count !== undefined)
      .map((override) => String(override.name));
    return counted.length > 0 ? `${GROUP} rules in count mode: ${counted.join(', ')}` : undefined;
  },
};
