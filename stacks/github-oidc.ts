import type { AccountConfig } from '../environments/schema';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** The OIDC provider ARN, written as a literal so a trust policy never depends on another resource. */
export function githubOidcProviderArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/**
 * The repository's OIDC subject template, set once by the one-time setup (docs/github-setup.md, step 2) with
 * GitHub's customization API (PUT /repos/{owner}/{repo}/actions/oidc/customization/sub). Adding
 * `job_workflow_ref` after the default `repo` and `context` parts binds every trust policy to the
 * workflow file and the ref it ran from, so only deploy.yml, apply.yml and rollback.yml from main get apply
 * credentials. `npm run check:github` verifies the template.
 * https://docs.github.com/actions/reference/security/oidc#customizing-the-subject-claims-for-an-organization-or-repository
 */
export const SUBJECT_CLAIM_KEYS = ['repo', 'context', 'job_workflow_ref'] as const;

/** The workflow files whose jobs each CI role trusts (paths under .github/workflows/). */
export const CI_WORKFLOWS = {
  /** Pull-request plans (PR plan role). */
  prPlan: 'plan.yml',
  /** The daily drift check (plan role, main). */
  drift: 'drift.yml',
  /** Merge-to-main deploys of every account with an apply branch (apply role). */
  deploy: 'deploy.yml',
  /** Plan, approval and apply of every account with an approval environment (plan and apply roles). */
  apply: 'apply.yml',
  /**
   * Rollback on demand of any account (apply role), dispatched from main: in the account's approval
   * environment when it has one (the same reviewers as its applies), else on main.
   */
  rollback: 'rollback.yml',
} as const;

/**
 * The apply role's session length (its max_session_duration and the workflows'
 * role-duration-seconds). A first create of an account (Multi-AZ RDS, then the RDS Proxy, NAT
 * gateways, WAF) can run past an hour; expired credentials mid-apply leave a partial apply and a
 * held state lock. IAM allows up to 12 hours:
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (MaxSessionDuration)
 * The apply jobs' timeout-minutes stays below it, so the job ends before its credentials do.
 */
export const APPLY_SESSION_SECONDS = 14400;

type GithubConfig = AccountConfig['github'];

/**
 * The repository part of every `sub` GitHub issues for this repository.
 * - immutable: `repo:<owner>@<ownerId>/<repo>@<repositoryId>`: GitHub appends the immutable
 *   numeric ids to the names with an `@` delimiter for repositories created, renamed or transferred
 *   after its 2026 cut-over, or opted in. The changelog's example shows `-` as the delimiter; the
 *   OIDC reference (which this follows) and GitHub's docs source say `@`, which cannot occur in a name:
 *   https://docs.github.com/actions/reference/security/oidc#immutable-subject-claims
 *   https://github.com/github/docs/pull/45221 (content/actions/concepts/security/openid-connect.md)
 *   https://github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens
 * - legacy: `repo:<owner>/<repo>`, for an older repository that never opted in.
 */
export function subjectPrefix(github: Pick<GithubConfig, 'repository' | 'subjectFormat' | 'ownerId' | 'repositoryId'>): string {
  if (github.subjectFormat === 'legacy') return `repo:${github.repository}`;
  if (github.ownerId === undefined || github.repositoryId === undefined) {
    throw new Error(`github.subjectFormat 'immutable' needs github.ownerId and github.repositoryId (environments/defaults.ts)`);
  }
  const [owner, repo] = github.repository.split('/');
  return `repo:${owner}@${github.ownerId}/${repo}@${github.repositoryId}`;
}

/**
 * One subject under the template above: `<repo>:<context>:job_workflow_ref:<owner>/<repo>/.github/workflows/<file>@<ref>`.
 * The context is `pull_request`, `ref:<ref>` or `environment:<name>` (a job with `environment:`
 * always gets the environment form). `job_workflow_ref` names the workflow by repository name and
 * the ref it ran from: for pull requests that is refs/pull/<number>/merge.
 * https://docs.github.com/actions/reference/security/oidc#example-subject-claims
 */
export function workflowSubject(github: GithubConfig, context: string, workflow: string, ref: string): string {
  return `${subjectPrefix(github)}:${context}:job_workflow_ref:${github.repository}/.github/workflows/${workflow}@${ref}`;
}

/**
 * The GitHub environment whose required reviewers approve an account's applies through apply.yml:
 * the account's applyEnvironment; for an account whose merges apply automatically (applyBranch)
 * but that has a unit requiring approval (config.units.<unit>.requireApproval, the data unit by
 * default), `<account>-approval`, created by the one-time setup like any approval environment.
 * Environments with required reviewers hold a job until a reviewer approves it:
 * https://docs.github.com/actions/reference/deployments-and-environments (Required reviewers) and
 * https://docs.github.com/actions/managing-workflow-runs/reviewing-deployments
 * (`npm run check:github` checks the reviewers, self-review and the main-only branch policy of each.)
 */
export function approvalEnvironment(config: Pick<AccountConfig, 'name' | 'github' | 'units'>): string | undefined {
  if (config.github.applyEnvironment) return config.github.applyEnvironment;
  return Object.values(config.units).some((unit) => unit.enabled && unit.requireApproval) ? `${config.name}-approval` : undefined;
}

/** The only wildcard a trust policy may hold: the pull-request number in a PR's workflow ref. */
export const PULL_REQUEST_REF = 'refs/pull/*/merge';

export interface CiSubjects {
  /** PR plan role: pull requests of this repository, through plan.yml only. */
  readonly prPlan: string[];
  /** Plan role: main only, through the drift check and the approval workflow's plan job. */
  readonly plan: string[];
  /**
   * Apply role: deploy.yml on the apply branch (and apply.yml in `<account>-approval` for its units
   * that require approval), or apply.yml in the approval environment (from main);
   * and rollback.yml from main, in the approval environment when the account has one.
   */
  readonly apply: string[];
}

/** The `sub` claims that may assume each CI role of an account. */
export function ciSubjects(config: Pick<AccountConfig, 'github'> & Partial<Pick<AccountConfig, 'name' | 'units'>>): CiSubjects {
  const { github } = config;
  const main = 'refs/heads/main';
  const apply: string[] = [];
  if (github.applyBranch) {
    const ref = `refs/heads/${github.applyBranch}`;
    apply.push(workflowSubject(github, `ref:${ref}`, CI_WORKFLOWS.deploy, ref));
    // Its units that require approval are applied only by apply.yml, in the account's approval environment.
    const unitApproval = config.name && config.units ? approvalEnvironment({ name: config.name, github, units: config.units }) : undefined;
    if (unitApproval) apply.push(workflowSubject(github, `environment:${unitApproval}`, CI_WORKFLOWS.apply, main));
  }
  if (github.applyEnvironment) {
    apply.push(workflowSubject(github, `environment:${github.applyEnvironment}`, CI_WORKFLOWS.apply, main));
    apply.push(workflowSubject(github, `environment:${github.applyEnvironment}`, CI_WORKFLOWS.rollback, main));
  } else {
    apply.push(workflowSubject(github, `ref:${main}`, CI_WORKFLOWS.rollback, main));
  }
  return {
    prPlan: [workflowSubject(github, 'pull_request', CI_WORKFLOWS.prPlan, PULL_REQUEST_REF)],
    plan: [workflowSubject(github, `ref:${main}`, CI_WORKFLOWS.drift, main), workflowSubject(github, `ref:${main}`, CI_WORKFLOWS.apply, main)],
    apply,
  };
}

/**
 * A trust policy admitting GitHub Actions OIDC tokens for exactly these subjects. StringLike only
 * when a subject holds the pull-request wildcard (IAM matches `*` only under StringLike).
 */
export function githubTrustPolicy(accountId: string, subjects: readonly string[]): string {
  const operator = subjects.some((subject) => subject.includes('*')) ? 'StringLike' : 'StringEquals';
  const sub = subjects.length === 1 ? subjects[0] : [...subjects];
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GitHubActionsOidc',
        Effect: 'Allow',
        Principal: { Federated: githubOidcProviderArn(accountId) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition:
          operator === 'StringEquals'
            ? { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com', [`${GITHUB_OIDC_HOST}:sub`]: sub } }
            : { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: sub } },
      },
    ],
  });
}

/** IAM's StringLike: `*` matches any run of characters, `?` one character; everything else literally. */
export function iamStringLike(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}

/** Whether a trust policy from githubTrustPolicy admits a token with this `sub` and `aud`. */
export function trustPolicyAdmits(policyJson: string, claims: { readonly sub: string; readonly aud: string }): boolean {
  const policy = JSON.parse(policyJson) as { Statement: { Effect: string; Condition: Record<string, Record<string, string | string[]>> }[] };
  return policy.Statement.some((statement) => {
    if (statement.Effect !== 'Allow') return false;
    return Object.entries(statement.Condition).every(([operator, keys]) =>
      Object.entries(keys).every(([key, allowed]) => {
        const value = key.endsWith(':sub') ? claims.sub : key.endsWith(':aud') ? claims.aud : undefined;
        if (value === undefined) return false;
        const values = Array.isArray(allowed) ? allowed : [allowed];
        return values.some((candidate) => (operator === 'StringLike' ? iamStringLike(candidate, value) : candidate === value));
      }),
    );
  });
}
