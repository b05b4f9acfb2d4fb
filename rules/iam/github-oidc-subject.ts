import { asStrings, policyStatements, statementLabel } from '../attributes';
import type { PolicyStatementJson } from '../attributes';
import type { Rule } from '../rule';

const HOST = 'token.actions.githubusercontent.com';

function trustsGithub(statement: PolicyStatementJson): boolean {
  const federated = (statement.Principal as { Federated?: unknown } | undefined)?.Federated;
  return statement.Effect === 'Allow' && asStrings(federated).some((principal) => principal.includes(HOST));
}

/**
 * A subject of one repository: `repo:<owner>/<repo>:...`, or with GitHub's immutable ids
 * `repo:<owner>@<id>/<repo>@<id>:...` (https://docs.github.com/actions/reference/security/oidc#immutable-subject-claims).
 * The one wildcard allowed is the pull-request number of a PR workflow ref (`@refs/pull/*\/merge` at the end).
 */
const REPO_PREFIX = /^repo:[\w.-]+(@\d+)?\/[\w.-]+(@\d+)?:[^*?]+$/;
const PULL_REQUEST_SUBJECT = /^(repo:[\w.-]+(@\d+)?\/[\w.-]+(@\d+)?:pull_request:job_workflow_ref:[\w.-]+\/[\w.-]+\/\.github\/workflows\/[\w.-]+@refs\/pull\/)\*(\/merge)$/;

function exactOrPullRequest(subject: string): boolean {
  if (REPO_PREFIX.test(subject)) return true;
  return PULL_REQUEST_SUBJECT.test(subject);
}

function conditionValues(statement: PolicyStatementJson, key: string): string[] {
  return Object.values(statement.Condition ?? {}).flatMap((operator) => asStrings(operator[key]));
}

export const iamGithubOidcSubject: Rule = {
  id: 'PLAT-IAM-4',
  checkov: ['CKV_AWS_358'],
  resourceTypes: ['aws_iam_role'],
  description: 'Roles trusted by GitHub Actions OIDC admit only exact subjects of one repository (repo:<owner>[@id]/<repo>[@id]:<ref|environment|pull_request>..., the pull-request number of a PR workflow ref the only wildcard) and the STS audience.',
  fix: 'condition on token.actions.githubusercontent.com:sub with exact subjects (no wildcard but refs/pull/*/merge) and :aud = sts.amazonaws.com; use githubTrustPolicy() with ciSubjects()',
  check: (resource) => {
    const statements = policyStatements(resource.config.assume_role_policy);
    if (typeof statements === 'string') return `assume_role_policy: ${statements}`;
    const problems: string[] = [];
    statements.forEach((statement, index) => {
      if (!trustsGithub(statement)) return;
      const label = statementLabel(statement, index);
      const subjects = conditionValues(statement, `${HOST}:sub`);
      if (subjects.length === 0) problems.push(`${label} trusts GitHub OIDC without a sub condition (any repository could assume the role)`);
      const loose = subjects.filter((subject) => !exactOrPullRequest(subject));
      if (loose.length > 0) problems.push(`${label} admits loose subjects ${loose.join(', ')}`);
      const audiences = conditionValues(statement, `${HOST}:aud`);
      if (audiences.length === 0 || audiences.some((audience) => audience !== 'sts.amazonaws.com')) {
        problems.push(`${label} does not require aud sts.amazonaws.com`);
      }
    });
    return problems.length > 0 ? problems.join('; ') : undefined;
  },
};
