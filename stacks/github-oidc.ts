import type { AccountConfig } from '../environments/schema';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** The OIDC provider ARN, written as a literal so a trust policy never depends on another resource. */
export function githubOidcProviderArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/**
 * The `sub` claims that may assume each CI role of an account.
 * - plan: pull requests of this repository, and main (the daily drift check and the staging
 *   workflow's plan job, both of which only run from main);
 * - apply: the account's apply branch (dev: main) or its GitHub environment (staging), whose
 *   required reviewers are the approval gate.
 */
export function ciSubjects(config: Pick<AccountConfig, 'github'>): { plan: string[]; apply: string[] } {
  const repo = `repo:${config.github.repository}`;
  const apply: string[] = [];
  if (config.github.applyBranch) apply.push(`${repo}:ref:refs/heads/${config.github.applyBranch}`);
  if (config.github.applyEnvironment) apply.push(`${repo}:environment:${config.github.applyEnvironment}`);
  return { plan: [`${repo}:pull_request`, `${repo}:ref:refs/heads/main`], apply };
}

/** A trust policy admitting GitHub Actions OIDC tokens for exactly these subjects. */
export function githubTrustPolicy(accountId: string, subjects: readonly string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GitHubActionsOidc',
        Effect: 'Allow',
        Principal: { Federated: githubOidcProviderArn(accountId) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
            [`${GITHUB_OIDC_HOST}:sub`]: subjects.length === 1 ? subjects[0] : [...subjects],
          },
        },
      },
    ],
  });
}
