import { block } from '../attributes';
import type { Rule } from '../rule';

/** Names that announce a secret value; names ending in _ARN/_NAME/_ID/_URL point at one instead. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY)/i;
const REFERENCE_SUFFIX = /_(ARN|NAME|ID|URL|PARAMETER|SSM_PATH)$/i;
/** Values that are secrets whatever the variable is called. */
const SECRET_VALUES: ReadonlyArray<[RegExp, string]> = [
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\b(xox[abpr]-[0-9A-Za-z-]{10,}|ghp_[0-9A-Za-z]{36}|github_pat_[0-9A-Za-z_]{20,})\b/, 'a Slack or GitHub token'],
  [/:\/\/[^:/\s]+:[^@/\s]+@/, 'a URL with an embedded password'],
];

export const lambdaNoSecretsInEnvironment: Rule = {
  id: 'PLAT-LAMBDA-6',
  checkov: ['CKV_AWS_45'],
  resourceTypes: ['aws_lambda_function'],
  description: 'Lambda environment variables hold no secrets, only references (ARNs, names) to secrets.',
  fix: 'store the value in Secrets Manager, pass its ARN (e.g. DB_SECRET_ARN) and read it at run time',
  check: (resource) => {
    const variables = (block(resource.config.environment)?.variables ?? {}) as Record<string, unknown>;
    const problems: string[] = [];
    for (const [name, value] of Object.entries(variables).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (SECRET_NAME.test(name) && !REFERENCE_SUFFIX.test(name)) problems.push(`${name} is named like a secret`);
      for (const [pattern, what] of SECRET_VALUES) {
        if (pattern.test(String(value))) problems.push(`${name} contains ${what}`);
      }
    }
    return problems.length > 0 ? `environment variables: ${problems.join('; ')}` : undefined;
  },
};
