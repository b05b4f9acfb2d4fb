import type { AccountConfig } from '../environments/schema';
import { loadEnvironments } from '../environments/load';
import { ciSubjects, SUBJECT_CLAIM_KEYS, subjectPrefix } from '../stacks/github-oidc';

/**
 * Compares the `sub` GitHub really put in a job's OIDC token (printed by
 * .github/workflows/oidc-subjects.yml, which needs no AWS access) with what environments/defaults.ts
 * makes every trust policy expect, and says what to change when they differ.
 *
 *   tsx scripts/oidc-subjects.ts --explain '<sub>'   exit 1 with the fix when the sub does not fit
 *   tsx scripts/oidc-subjects.ts --list              every subject each CI role of each account trusts
 *   tsx scripts/oidc-subjects.ts --template-command  the gh command that sets the subject template
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

/** Problems (empty when none) between a real `sub` and the configuration; each names the fix. */
export function explainSubject(sub: string, github: GithubConfig): string[] {
  const problems: string[] = [];
  const expected = subjectPrefix(github);
  const actual = actualPrefix(sub);
  if (actual !== expected) {
    const ids = /^repo:[^@/]+@(\d+)\/[^@]+@(\d+)$/.exec(actual);
    const fix = ids
      ? `set github.subjectFormat: 'immutable', ownerId: ${ids[1]}, repositoryId: ${ids[2]} in environments/defaults.ts`
      : actual === `repo:${github.repository}`
        ? `this repository sends the legacy name-only form: set github.subjectFormat: 'legacy' in environments/defaults.ts (or opt the repository in to immutable subjects)`
        : `set github.repository (and its ids) in environments/defaults.ts to the repository this workflow ran in`;
    problems.push(`GitHub sends '${actual}' but the trust policies expect '${expected}': ${fix}, then re-apply every bootstrap stack`);
  }
  if (!sub.includes(':job_workflow_ref:')) {
    problems.push(`the subject has no job_workflow_ref, so no apply role would trust it: set the repository's subject template once with\n  ${templateCommand(github)}`);
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
    if (problems.length === 0) return { output: `${sub}\nfits the trust policies' repository part '${subjectPrefix(github)}' and carries job_workflow_ref`, code: 0 };
    return { output: `${sub}\n${problems.map((p) => `- ${p}`).join('\n')}`, code: 1 };
  }
  return { output: 'Usage: tsx scripts/oidc-subjects.ts --explain <sub> | --list | --template-command', code: 2 };
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
