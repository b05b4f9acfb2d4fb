import { execFileSync } from 'node:child_process';
import type { AccountConfig } from '../environments/schema';
import { loadEnvironments } from '../environments/load';
import { SUBJECT_CLAIM_KEYS } from '../stacks/github-oidc';
import { templateCommand } from './oidc-subjects';
import { answerHelp } from './lib/cli-help';

/**
 * `npm run check:github`: verifies, with the operator's own `gh` login (read access to the
 * repository's settings is enough), that the GitHub settings the CI trust model relies on are in
 * place. Exit 1 listing every finding with its fix; nothing is changed.
 *
 * - every approval environment named by an account file: required reviewers exist (GitHub offers
 *   them for private repositories only on Enterprise plans; on Free, Pro and Team only for public
 *   ones), "Prevent self-review" is on, administrators cannot bypass, and deployments are allowed
 *   from `main` only;
 * - branch protection of main: a reviewed pull request, the required checks `checks` and `plan`,
 *   up to date before merging, enforced for administrators, no force pushes or deletions;
 * - the repository's OIDC subject template includes job_workflow_ref (stacks/github-oidc.ts).
 *
 * REST reference for each answer read here:
 * https://docs.github.com/rest/deployments/environments#get-an-environment
 * https://docs.github.com/rest/deployments/branch-policies#list-deployment-branch-policies
 * https://docs.github.com/rest/branches/branch-protection#get-branch-protection
 * https://docs.github.com/rest/actions/oidc#get-the-customization-template-for-an-oidc-subject-claim-for-a-repository
 */

/** The required status checks of main: ci.yml's aggregate job and plan.yml's aggregate job. */
export const REQUIRED_CHECKS = ['checks', 'plan'] as const;

interface Reviewer {
  readonly type: string;
  readonly reviewer?: { readonly login?: string; readonly slug?: string; readonly name?: string };
}
interface ProtectionRule {
  readonly type: string;
  readonly prevent_self_review?: boolean;
  readonly reviewers?: readonly Reviewer[];
}
export interface EnvironmentAnswer {
  readonly name: string;
  readonly can_admins_bypass?: boolean;
  readonly protection_rules?: readonly ProtectionRule[];
  readonly deployment_branch_policy?: { readonly protected_branches: boolean; readonly custom_branch_policies: boolean } | null;
}
export interface BranchPoliciesAnswer {
  readonly total_count: number;
  readonly branch_policies: readonly { readonly name: string; readonly type?: string }[];
}
export interface BranchProtectionAnswer {
  readonly required_status_checks?: { readonly strict?: boolean; readonly contexts?: readonly string[]; readonly checks?: readonly { readonly context: string }[] } | null;
  readonly required_pull_request_reviews?: { readonly required_approving_review_count?: number } | null;
  readonly enforce_admins?: { readonly enabled: boolean } | null;
  readonly allow_force_pushes?: { readonly enabled: boolean } | null;
  readonly allow_deletions?: { readonly enabled: boolean } | null;
}
export interface SubjectTemplateAnswer {
  readonly use_default: boolean;
  readonly include_claim_keys?: readonly string[];
}

/** What GitHub answered; undefined where it answered 404 (not configured). */
export interface GithubAnswers {
  readonly environments: Readonly<Record<string, { readonly environment?: EnvironmentAnswer; readonly branchPolicies?: BranchPoliciesAnswer }>>;
  readonly mainProtection?: BranchProtectionAnswer;
  readonly subjectTemplate?: SubjectTemplateAnswer;
}

/** Every finding (empty: all set), each naming the setting and where to change it. */
export function githubFindings(repository: string, environments: readonly string[], answers: GithubAnswers): string[] {
  const findings: string[] = [];
  const settings = `https://github.com/${repository}/settings/environments`;
  for (const name of environments) {
    const { environment, branchPolicies } = answers.environments[name] ?? {};
    if (!environment) {
      findings.push(`environment ${name}: does not exist; create it in ${settings} with required reviewers, "Prevent self-review", no administrator bypass and deployment branch main`);
      continue;
    }
    const reviewers = (environment.protection_rules ?? []).find((rule) => rule.type === 'required_reviewers');
    if (!reviewers || (reviewers.reviewers ?? []).length === 0) {
      findings.push(
        `environment ${name}: no required reviewers, so an apply runs without approval; add them in ${settings}. If the setting is missing, the plan does not offer it: private repositories need GitHub Enterprise, public ones any plan`,
      );
    } else if (reviewers.prevent_self_review !== true) {
      findings.push(`environment ${name}: "Prevent self-review" is off, so whoever requests an apply can approve it; turn it on in ${settings}`);
    }
    if (environment.can_admins_bypass !== false) {
      findings.push(`environment ${name}: administrators can bypass the protection rules; untick "Allow administrators to bypass configured protection rules" in ${settings}`);
    }
    const policy = environment.deployment_branch_policy;
    const names = (branchPolicies?.branch_policies ?? []).filter((p) => (p.type ?? 'branch') === 'branch').map((p) => p.name);
    const onlyMain = policy?.custom_branch_policies === true && policy.protected_branches === false && names.length === 1 && names[0] === 'main' && (branchPolicies?.branch_policies ?? []).length === 1;
    if (!onlyMain) {
      const now = !policy ? 'any branch' : policy.protected_branches ? 'any protected branch' : `branches ${names.join(', ') || '(none)'}`;
      findings.push(`environment ${name}: deployments are allowed from ${now}; set "Deployment branches and tags" to selected branches with main as the only rule in ${settings}`);
    }
  }

  const protection = answers.mainProtection;
  const branches = `https://github.com/${repository}/settings/branches`;
  if (!protection) {
    findings.push(`branch main: not protected; add a rule in ${branches} (README, one-time setup)`);
  } else {
    if ((protection.required_pull_request_reviews?.required_approving_review_count ?? 0) < 1) {
      findings.push(`branch main: merging does not require an approving review; require at least 1 in ${branches}`);
    }
    const checks = new Set([...(protection.required_status_checks?.contexts ?? []), ...(protection.required_status_checks?.checks ?? []).map((c) => c.context)]);
    const missing = REQUIRED_CHECKS.filter((check) => !checks.has(check));
    if (missing.length > 0) findings.push(`branch main: required status checks lack ${missing.join(', ')}; add them in ${branches}`);
    if (protection.required_status_checks && protection.required_status_checks.strict !== true) {
      findings.push(`branch main: branches need not be up to date before merging, so a plan can describe another base; turn on "Require branches to be up to date" in ${branches}`);
    }
    if (protection.enforce_admins?.enabled !== true) findings.push(`branch main: administrators are exempt; turn on "Do not allow bypassing the above settings" in ${branches}`);
    if (protection.allow_force_pushes?.enabled !== false) findings.push(`branch main: force pushes are allowed; turn them off in ${branches}`);
    if (protection.allow_deletions?.enabled !== false) findings.push(`branch main: deletion is allowed; turn it off in ${branches}`);
  }

  const template = answers.subjectTemplate;
  const keys = template?.include_claim_keys ?? [];
  if (!template || template.use_default || keys.join(',') !== SUBJECT_CLAIM_KEYS.join(',')) {
    findings.push(`OIDC subject template: ${template && !template.use_default ? `claims ${keys.join(', ')}` : 'the default'}; no apply role trusts that. Set it with:\n    ${templateCommand({ repository })}`);
  }
  return findings;
}

/** One `gh api` GET; undefined on 404, any other failure thrown with gh's message. */
function ghApi<T>(apiPath: string): T | undefined {
  try {
    return JSON.parse(execFileSync('gh', ['api', apiPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: process.env })) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('gh (the GitHub CLI) is not installed: https://cli.github.com, then gh auth login', { cause: error });
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message);
    if (/HTTP 404|Not Found/.test(stderr)) return undefined;
    throw new Error(`gh api ${apiPath} failed: ${stderr.trim()}\nLog in with 'gh auth login' as a user who can read the repository's settings.`, { cause: error });
  }
}

export function fetchAnswers(repository: string, environments: readonly string[]): GithubAnswers {
  const answers: Record<string, { environment?: EnvironmentAnswer; branchPolicies?: BranchPoliciesAnswer }> = {};
  for (const name of environments) {
    const environment = ghApi<EnvironmentAnswer>(`repos/${repository}/environments/${encodeURIComponent(name)}`);
    const branchPolicies = environment?.deployment_branch_policy?.custom_branch_policies
      ? ghApi<BranchPoliciesAnswer>(`repos/${repository}/environments/${encodeURIComponent(name)}/deployment-branch-policies`)
      : undefined;
    answers[name] = { environment, branchPolicies };
  }
  return {
    environments: answers,
    mainProtection: ghApi<BranchProtectionAnswer>(`repos/${repository}/branches/main/protection`),
    subjectTemplate: ghApi<SubjectTemplateAnswer>(`repos/${repository}/actions/oidc/customization/sub`),
  };
}

export function approvalEnvironmentNames(accounts: readonly AccountConfig[]): string[] {
  return [...new Set(accounts.flatMap((a) => (a.github.applyEnvironment ? [a.github.applyEnvironment] : [])))].sort();
}

if (require.main === module) {
  answerHelp("Usage: npm run check:github   (no arguments: checks with gh, as a repository admin, the GitHub settings the CI trust model relies on: approval environments, main's protection, the OIDC subject template)");
  try {
    const accounts = loadEnvironments();
    const repository = accounts[0].github.repository;
    const environments = approvalEnvironmentNames(accounts);
    const findings = githubFindings(repository, environments, fetchAnswers(repository, environments));
    if (findings.length > 0) {
      console.error(`${repository}: ${findings.length} setting(s) the CI trust model relies on are missing:\n${findings.map((f) => `  - ${f}`).join('\n')}`);
      process.exit(1);
    }
    console.log(`${repository}: environments ${environments.join(', ')}, main's protection and the OIDC subject template are as the README's one-time setup asks`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
