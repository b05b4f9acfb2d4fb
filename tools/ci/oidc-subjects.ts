import type { AccountConfig } from '../../environments/schema';
import { loadEnvironments } from '../../environments/load';
import { ciSubjects, SUBJECT_CLAIM_KEYS, subjectPrefix, workflowSubject } from '../../stacks/github-oidc';

/**
 * Compares the `sub` GitHub really put in a job's OIDC token (printed by
 * .github/workflows/oidc-subjects.yml, which needs no AWS access) with what environments/defaults.ts
 * makes every trust policy expect, and says what to change when they differ.
 *
 *   tsx tools/ci/oidc-subjects.ts --explain '<sub>'   exit 1 with the fix when the sub does not fit
 *   tsx tools/ci/oidc-subjects.ts --list              every subject each CI role of each account trusts
 *   tsx tools/ci/oidc-subjects.ts --template-command  the gh command that sets the subject template
 */

type GithubConfig = AccountConfig['github'];

/** The `gh api` call that sets the repository's subject template (one-time setup, step 2). */
export function templateCommand(github: Pick<GithubConfig, 'repository'>): string {
  const body = JSON.stringify({ use_default: false, include_claim_keys: [...SUBJECT_CLAIM_KEYS] });
  return `gh api --method PUT repos/${github.repository}/actions/oidc/customization/sub --input - <<<'${body}'`;
}

/** The repository part of a subject: everything before the first `:` after `repo:`. */
function actualPrefix(sub: string): string {
  const match = /^(repo:[^:]+)/.exec(sub);
  return match ? match[1] : sub;
}

/** What to change in environments/defaults.ts when GitHub's repository part is `actual`. */
export function prefixFix(actual: string, github: Pick<GithubConfig, 'repository'>): string {
  const ids = /^repo:[^@/]+@(\d+)\/[^@]+@(\d+)$/.exec(actual);
  if (ids) return `set github.subjectFormat: 'immutable', ownerId: ${ids[1]}, repositoryId: ${ids[2]} in environments/defaults.ts`;
  if (actual === `repo:${github.repository}`) {
    return `this repository sends the legacy name-only form: set github.subjectFormat: 'legacy' in environments/defaults.ts (or opt the repository in to immutable subjects)`;
  }
  return `set github.repository (and its ids) in environments/defaults.ts to the repository this workflow ran in`;
}

/** A subject under the template (repo, context, job_workflow_ref), split into its parts. */
const SUBJECT = /^(repo:[^:]+):(.+):job_workflow_ref:([^:@]+)\/\.github\/workflows\/([^:@/]+)@([^:]+)$/;

/**
 * Problems (empty when none) between a real `sub` and the configuration; each names the fix. The
 * whole subject is compared: the trust policies' own subject for the same context, workflow and
 * ref (stacks/github-oidc.ts workflowSubject) must be exactly what GitHub sent, so another claim in
 * the template, another order, or a job_workflow_ref naming another repository is caught too.
 */
export function explainSubject(sub: string, github: GithubConfig): string[] {
  const problems: string[] = [];
  const expected = subjectPrefix(github);
  const actual = actualPrefix(sub);
  if (actual !== expected) {
    problems.push(`GitHub sends '${actual}' but the trust policies expect '${expected}': ${prefixFix(actual, github)}, then re-apply every bootstrap stack`);
  }
  if (!sub.includes(':job_workflow_ref:')) {
    problems.push(`the subject has no job_workflow_ref, so no apply role would trust it: set the repository's subject template once with\n  ${templateCommand(github)}`);
    return problems;
  }
  const parts = SUBJECT.exec(sub);
  const context = parts?.[2] ?? '';
  const builtFrom = parts && workflowSubject(github, context, parts[4], parts[5]).replace(expected, actual);
  if (!parts || builtFrom !== sub) {
    problems.push(
      `GitHub sends '${sub}' but the trust policies, for the same workflow, ref and context, expect '${builtFrom ?? `${expected}:<context>:job_workflow_ref:${github.repository}/.github/workflows/<file>@<ref>`}'`,
    );
  }
  if (parts && parts[3] !== github.repository) {
    problems.push(`job_workflow_ref names the repository '${parts[3]}', not github.repository '${github.repository}' (renamed or transferred?): set github.repository in environments/defaults.ts to it`);
  } else if (parts && !/^(pull_request|ref:refs\/[^:]+|environment:[^:]+)$/.test(context)) {
    problems.push(`between the repository and job_workflow_ref GitHub sends '${context}', not one context claim: the subject template has other claims; set it once with\n  ${templateCommand(github)}`);
  }
  return problems;
}

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

export function main(args: readonly string[], accounts: readonly AccountConfig[]): { output: string; code: number } {
  // The repository settings are organisation-wide defaults: every account carries the same.
  const github = accounts[0].github;
  if (args.includes('--template-command')) return { output: templateCommand(github), code: 0 };
  if (args.includes('--list')) {
    const lines = accounts.flatMap((config) => {
      const subjects = ciSubjects(config);
      return [
        ...subjects.prPlan.map((s) => `${config.name} ${config.ci.prPlanRoleName}: ${s}`),
        ...subjects.plan.map((s) => `${config.name} ${config.ci.planRoleName}: ${s}`),
        ...subjects.apply.map((s) => `${config.name} ${config.ci.applyRoleName}: ${s}`),
      ];
    });
    return { output: lines.join('\n'), code: 0 };
  }
  const sub = option(args, '--explain');
  if (sub) {
    const problems = explainSubject(sub, github);
    if (problems.length === 0) return { output: `${sub}\nis exactly the subject the trust policies build for this workflow, ref and context (repository part '${subjectPrefix(github)}')`, code: 0 };
    return { output: `${sub}\n${problems.map((p) => `- ${p}`).join('\n')}`, code: 1 };
  }
  return { output: 'Usage: tsx tools/ci/oidc-subjects.ts --explain <sub> | --list | --template-command', code: 2 };
}

if (require.main === module) {
  try {
    const { output, code } = main(process.argv.slice(2), loadEnvironments());
    (code === 0 ? console.log : console.error)(output);
    process.exit(code);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
