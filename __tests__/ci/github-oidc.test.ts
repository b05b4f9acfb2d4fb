import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdktf';
import { loadEnvironments } from '../../environments/load';
import { accountSchema, type AccountConfig } from '../../environments/schema';
import { BootstrapStack } from '../../stacks/bootstrap-stack';
import { unitStackName } from '../../environments/units';
import {
  APPLY_SESSION_SECONDS,
  CI_WORKFLOWS,
  ciSubjects,
  githubTrustPolicy,
  iamStringLike,
  subjectPrefix,
  SUBJECT_CLAIM_KEYS,
  trustPolicyAdmits,
  workflowSubject,
} from '../../stacks/github-oidc';
import { explainSubject, main as oidcSubjectsMain, templateCommand } from '../../tools/ci/oidc-subjects';

/**
 * GitHub's OIDC subjects as its documentation defines them, and the trust policies built from them.
 * Every token below is modelled on the reference, not on our own code:
 * - immutable subjects: https://docs.github.com/actions/reference/security/oidc#immutable-subject-claims
 *   (content/actions/concepts/security/openid-connect.md in https://github.com/github/docs/pull/45221:
 *   "The immutable ID is appended to each name with an `@` delimiter",
 *   `repo:octocat@123456/my-repo@456789:ref:refs/heads/main`). The changelog
 *   (https://github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens)
 *   shows `octocat-123456` instead; the reference is what this pins.
 * - a customised template lists its claims in order as `key:value` pairs after repo and context, e.g.
 *   `repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main`:
 *   https://docs.github.com/actions/reference/security/oidc#customizing-the-subject-claims-for-an-organization-or-repository
 * - a job with `environment:` gets the environment context; a pull_request run the `pull_request`
 *   context and the refs/pull/<n>/merge ref: https://docs.github.com/actions/reference/security/oidc#example-subject-claims
 */

const accounts = loadEnvironments();
const github = accounts[0].github;
const [owner, repo] = github.repository.split('/');
const aud = 'sts.amazonaws.com';
const WORKFLOWS_DIR = path.join(__dirname, '../../.github/workflows');

/** The `sub` GitHub issues to a job, under the repository's template (repo, context, job_workflow_ref). */
function token(options: { workflow: string; event: 'push' | 'pull_request' | 'workflow_dispatch' | 'schedule'; branch?: string; environment?: string; prefix?: string }) {
  const ref = options.event === 'pull_request' ? 'refs/pull/7/merge' : `refs/heads/${options.branch ?? 'main'}`;
  const context = options.environment ? `environment:${options.environment}` : options.event === 'pull_request' ? 'pull_request' : `ref:${ref}`;
  const prefix = options.prefix ?? subjectPrefix(github);
  return { sub: `${prefix}:${context}:job_workflow_ref:${github.repository}/.github/workflows/${options.workflow}@${ref}`, aud };
}

function synthRoles(config: AccountConfig): Record<string, { assume_role_policy: string; max_session_duration: number; name: string }> {
  const stack = new BootstrapStack(Testing.app(), unitStackName(config.name, 'bootstrap'), { config });
  return JSON.parse(Testing.synth(stack)).resource.aws_iam_role;
}

describe('the repository part of the subject (github.subjectFormat)', () => {
  test("immutable: owner and repository ids appended with '@', as in GitHub's OIDC reference example", () => {
    const example = { repository: 'octocat/my-repo', subjectFormat: 'immutable' as const, ownerId: 123456, repositoryId: 456789 };
    expect(`${subjectPrefix(example)}:ref:refs/heads/main`).toBe('repo:octocat@123456/my-repo@456789:ref:refs/heads/main');
  });

  test('legacy: the name-only form, only when configured for an older repository', () => {
    expect(subjectPrefix({ repository: 'octocat/my-repo', subjectFormat: 'legacy' })).toBe('repo:octocat/my-repo');
  });

  test('the configured repository uses the form its settings name, with its own ids', () => {
    const expected = github.subjectFormat === 'legacy' ? `repo:${github.repository}` : `repo:${owner}@${github.ownerId}/${repo}@${github.repositoryId}`;
    expect(subjectPrefix(github)).toBe(expected);
  });

  test('every account carries the same repository settings (set once, in environments/defaults.ts)', () => {
    for (const config of accounts) {
      expect([config.name, config.github.repository, config.github.subjectFormat, config.github.ownerId, config.github.repositoryId]).toEqual([
        config.name, github.repository, github.subjectFormat, github.ownerId, github.repositoryId,
      ]);
    }
  });

  test('the immutable form without the ids, or with ids that are not numbers, is refused naming the field and how to read it', () => {
    const base = { ...accounts[0], tags: { ...accounts[0].tags } };
    const missing = accountSchema.safeParse({ ...base, github: { repository: github.repository, subjectFormat: 'immutable', applyBranch: 'main' } });
    expect(missing.success).toBe(false);
    const messages = missing.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/^github\.ownerId: .*gh api repos\/.* --jq '\.owner\.id, \.id'/), expect.stringMatching(/^github\.repositoryId: /)]));
    const text = accountSchema.safeParse({ ...base, github: { ...base.github, ownerId: '12a' } });
    expect(text.error!.issues.map((i) => i.path.join('.'))).toEqual(['github.ownerId']);
    const legacy = accountSchema.safeParse({ ...base, github: { repository: github.repository, subjectFormat: 'legacy', applyBranch: 'main' } });
    expect(legacy.success).toBe(true);
  });
});

describe('trust policies of the synthesized bootstrap stacks', () => {
  for (const config of accounts) {
    describe(config.name, () => {
      const roles = synthRoles(config);
      const role = (name: string) => Object.values(roles).find((r) => r.name === name)!;
      const admits = (name: string, claims: { sub: string; aud: string }) => trustPolicyAdmits(role(name).assume_role_policy, claims);

      test('each role trusts exactly the subjects ciSubjects names', () => {
        const subjects = ciSubjects(config);
        expect(role(config.ci.prPlanRoleName).assume_role_policy).toBe(githubTrustPolicy(config.accountId, subjects.prPlan));
        expect(role(config.ci.planRoleName).assume_role_policy).toBe(githubTrustPolicy(config.accountId, subjects.plan));
        expect(role(config.ci.applyRoleName).assume_role_policy).toBe(githubTrustPolicy(config.accountId, subjects.apply));
      });

      test('a repository created after the 2026 cut-over is admitted (ids in the subject); the name-only form is not', () => {
        const legacyPrefix = `repo:${github.repository}`;
        expect(admits(config.ci.prPlanRoleName, token({ workflow: CI_WORKFLOWS.prPlan, event: 'pull_request' }))).toBe(true);
        if (github.subjectFormat === 'immutable') {
          expect(admits(config.ci.prPlanRoleName, token({ workflow: CI_WORKFLOWS.prPlan, event: 'pull_request', prefix: legacyPrefix }))).toBe(false);
        }
        // Another repository that took over the names, with other ids, is refused.
        const squatter = `repo:${owner}@1/${repo}@2`;
        expect(admits(config.ci.planRoleName, token({ workflow: CI_WORKFLOWS.drift, event: 'schedule', prefix: squatter }))).toBe(false);
      });

      test('the apply role admits only its own workflow: deploy.yml on the apply branch or apply.yml from main in the environment', () => {
        const apply = config.ci.applyRoleName;
        if (config.github.applyBranch) {
          expect(admits(apply, token({ workflow: CI_WORKFLOWS.deploy, event: 'push', branch: config.github.applyBranch }))).toBe(true);
          // Any other job running on the same branch is refused: the drift check, the PR plan workflow run by push, a new workflow.
          for (const other of [CI_WORKFLOWS.drift, CI_WORKFLOWS.apply, 'oidc-subjects.yml', 'anything.yml']) {
            expect([other, admits(apply, token({ workflow: other, event: 'push', branch: config.github.applyBranch }))]).toEqual([other, false]);
          }
        }
        if (config.github.applyEnvironment) {
          const environment = config.github.applyEnvironment;
          expect(admits(apply, token({ workflow: CI_WORKFLOWS.apply, event: 'workflow_dispatch', environment }))).toBe(true);
          // A workflow that declares the environment, or apply.yml dispatched from another branch, is refused.
          expect(admits(apply, token({ workflow: 'other.yml', event: 'workflow_dispatch', environment }))).toBe(false);
          expect(admits(apply, token({ workflow: CI_WORKFLOWS.apply, event: 'workflow_dispatch', environment, branch: 'feature' }))).toBe(false);
        }
        // Never from a pull request.
        expect(admits(apply, token({ workflow: CI_WORKFLOWS.deploy, event: 'pull_request' }))).toBe(false);
      });

      test('the apply role admits rollback.yml from main, in the approval environment when the account has one', () => {
        // A job with `environment:` is issued the environment context, every other dispatched job
        // the ref context: https://docs.github.com/actions/reference/security/oidc#example-subject-claims
        const apply = config.ci.applyRoleName;
        const dispatch = { workflow: CI_WORKFLOWS.rollback, event: 'workflow_dispatch' as const };
        const environment = config.github.applyEnvironment;
        if (environment) {
          expect(admits(apply, token({ ...dispatch, environment }))).toBe(true);
          // Outside the environment (no approval) the same workflow from main is refused.
          expect(admits(apply, token(dispatch))).toBe(false);
          expect(admits(apply, token({ ...dispatch, environment, branch: 'feature' }))).toBe(false);
        } else {
          expect(admits(apply, token(dispatch))).toBe(true);
        }
        expect(admits(apply, token({ ...dispatch, branch: 'feature' }))).toBe(false);
        // Another workflow dispatched from main in the same context is still refused.
        for (const other of [CI_WORKFLOWS.drift, 'oidc-subjects.yml', 'anything.yml']) {
          expect([other, admits(apply, token({ workflow: other, event: 'workflow_dispatch', environment }))]).toEqual([other, false]);
        }
        expect(admits(apply, token({ workflow: CI_WORKFLOWS.rollback, event: 'pull_request' }))).toBe(false);
      });

      test('the PR plan role trusts pull requests through plan.yml only; the plan role trusts main only', () => {
        expect(admits(config.ci.prPlanRoleName, token({ workflow: CI_WORKFLOWS.prPlan, event: 'push' }))).toBe(false);
        expect(admits(config.ci.prPlanRoleName, token({ workflow: 'other.yml', event: 'pull_request' }))).toBe(false);
        expect(admits(config.ci.planRoleName, token({ workflow: CI_WORKFLOWS.drift, event: 'schedule' }))).toBe(true);
        expect(admits(config.ci.planRoleName, token({ workflow: CI_WORKFLOWS.apply, event: 'workflow_dispatch' }))).toBe(true);
        expect(admits(config.ci.planRoleName, token({ workflow: CI_WORKFLOWS.prPlan, event: 'pull_request' }))).toBe(false);
        expect(admits(config.ci.planRoleName, token({ workflow: CI_WORKFLOWS.drift, event: 'workflow_dispatch', branch: 'feature' }))).toBe(false);
      });

      // #21 item 2: the account file alone says which workflows may apply it, and nothing else may.
      // An account with an approval environment is applied only through it (apply.yml and
      // rollback.yml from main, in that environment); one without is applied by deploy.yml on main
      // and rolled back by rollback.yml from main. Every workflow file there is, plus one that does
      // not exist yet, in every context GitHub can put into a job's subject (push or dispatch on a
      // branch, pull_request, any account's environment: see the references above) is tried.
      test("the apply role admits exactly the workflows and contexts the account file allows, nothing else", () => {
        const environment = config.github.applyEnvironment;
        const allowed = environment
          ? [`${CI_WORKFLOWS.apply} environment:${environment}`, `${CI_WORKFLOWS.rollback} environment:${environment}`]
          : [`${CI_WORKFLOWS.deploy} ref:refs/heads/main`, `${CI_WORKFLOWS.rollback} ref:refs/heads/main`];
        const workflows = [...fs.readdirSync(WORKFLOWS_DIR).filter((f) => /\.ya?ml$/.test(f)), 'not-yet-written.yml'];
        const environments = [...new Set(accounts.flatMap((a) => [a.name, a.github.applyEnvironment ?? []].flat()))];
        const contexts = [
          ...['main', 'feature'].map((branch) => ({ event: 'push' as const, branch, label: `ref:refs/heads/${branch}` })),
          { event: 'pull_request' as const, label: 'pull_request' },
          ...environments.flatMap((name) => ['main', 'feature'].map((branch) => ({ event: 'workflow_dispatch' as const, branch, environment: name, label: `environment:${name}${branch === 'main' ? '' : `@${branch}`}` }))),
        ];
        const admitted = workflows.flatMap((workflow) =>
          contexts.filter(({ label: _label, ...context }) => admits(config.ci.applyRoleName, token({ workflow, ...context }))).map((c) => `${workflow} ${c.label}`),
        );
        expect(admitted.sort()).toEqual(allowed.sort());
      });

      test('the STS audience is required', () => {
        const good = token({ workflow: CI_WORKFLOWS.drift, event: 'schedule' });
        expect(admits(config.ci.planRoleName, { ...good, aud: `https://github.com/${owner}` })).toBe(false);
      });

      test('the apply role session outlasts a first create; the plan roles keep the default hour', () => {
        expect(role(config.ci.applyRoleName).max_session_duration).toBe(APPLY_SESSION_SECONDS);
        // IAM's ceiling for max_session_duration is 12 hours (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
        expect(APPLY_SESSION_SECONDS).toBeGreaterThan(3600);
        expect(APPLY_SESSION_SECONDS).toBeLessThanOrEqual(43200);
      });
    });
  }
});

describe("IAM's StringLike as modelled here", () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
  test('* matches any run of characters, ? exactly one, the rest literally', () => {
    expect(iamStringLike('a/*/merge', 'a/12/merge')).toBe(true);
    expect(iamStringLike('a/*/merge', 'a/12/merged')).toBe(false);
    expect(iamStringLike('a.b?', 'a.bc')).toBe(true);
    expect(iamStringLike('a.b', 'axb')).toBe(false);
  });
});

describe('tools/ci/oidc-subjects.ts: what GitHub sent against what the trust policies expect', () => {
  const configured = token({ workflow: 'oidc-subjects.yml', event: 'push' }).sub;

  test('a subject with the configured repository part and job_workflow_ref fits', () => {
    expect(explainSubject(configured, github)).toEqual([]);
    expect(oidcSubjectsMain(['--explain', configured], accounts).code).toBe(0);
  });

  test('other ids are reported with the values to write into environments/defaults.ts', () => {
    const problems = explainSubject(configured.replace(subjectPrefix(github), `repo:${owner}@111/${repo}@222`), github);
    expect(problems).toEqual([expect.stringContaining("set github.subjectFormat: 'immutable', ownerId: 111, repositoryId: 222 in environments/defaults.ts")]);
  });

  test('the legacy name-only form is reported as such', () => {
    const problems = explainSubject(configured.replace(subjectPrefix(github), `repo:${github.repository}`), { ...github, subjectFormat: 'immutable' });
    expect(problems).toEqual([expect.stringContaining("set github.subjectFormat: 'legacy'")]);
  });

  // #21 item 12: the whole subject is compared, not its repository part. A template with another
  // claim ("customizing the subject claims", reference above: claims appear as key:value pairs in
  // template order) or a job_workflow_ref of another repository would fit the old prefix check.
  test('a template with another claim between context and job_workflow_ref is reported with the command that sets the template', () => {
    const extra = configured.replace(':job_workflow_ref:', `:repository_owner_id:${github.ownerId ?? 1}:job_workflow_ref:`);
    expect(extra.startsWith(subjectPrefix(github))).toBe(true);
    const problems = explainSubject(extra, github);
    expect(problems).toEqual([expect.stringMatching(new RegExp(`GitHub sends 'ref:refs/heads/main:repository_owner_id:\\d+', not one context claim: the subject template has other claims`))]);
    expect(problems[0]).toContain(templateCommand(github));
    expect(oidcSubjectsMain(['--explain', extra], accounts).code).toBe(1);
  });

  test('a job_workflow_ref naming another repository (renamed or transferred) is reported with the name to configure', () => {
    const renamed = configured.replace(`job_workflow_ref:${github.repository}/`, `job_workflow_ref:${owner}/${repo}-renamed/`);
    expect(explainSubject(renamed, github)).toEqual([
      expect.stringContaining('for the same workflow, ref and context, expect'),
      expect.stringContaining(`job_workflow_ref names the repository '${owner}/${repo}-renamed', not github.repository '${github.repository}'`),
    ]);
  });

  test('every subject the trust policies hold is, compared whole, one that fits', () => {
    for (const config of accounts) {
      for (const subject of Object.values(ciSubjects(config)).flat()) expect([subject, explainSubject(subject, config.github)]).toEqual([subject, []]);
    }
  });

  test('a subject without job_workflow_ref (the template is not set) gets the command that sets it', () => {
    const defaultTemplate = `${subjectPrefix(github)}:ref:refs/heads/main`;
    const result = oidcSubjectsMain(['--explain', defaultTemplate], accounts);
    expect(result.code).toBe(1);
    expect(result.output).toContain(templateCommand(github));
  });

  test('the template command sets exactly the claim keys the trust policies are built from', () => {
    expect(templateCommand(github)).toBe(
      `gh api --method PUT repos/${github.repository}/actions/oidc/customization/sub --input - <<<'{"use_default":false,"include_claim_keys":${JSON.stringify(SUBJECT_CLAIM_KEYS)}}'`,
    );
    // The subject every role is built from follows that order: repo, context, job_workflow_ref.
    expect(workflowSubject(github, 'ref:refs/heads/main', 'x.yml', 'refs/heads/main')).toMatch(/^repo:[^:]+:ref:refs\/heads\/main:job_workflow_ref:[^:]+$/);
  });
});
