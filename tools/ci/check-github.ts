import { execFileSync } from 'node:child_process';
import type { AccountConfig } from '../../environments/schema';
import { loadEnvironments } from '../../environments/load';
import { approvalEnvironment, SUBJECT_CLAIM_KEYS, subjectPrefix } from '../../stacks/github-oidc';
import { prefixFix, templateCommand } from './oidc-subjects';
import { answerHelp } from '../../build/cli-help';

type GithubConfig = AccountConfig['github'];

/**
 * `npm run check:github`: verifies, with the operator's own `gh` login (read access to the
 * repository's settings is enough), that the GitHub settings the CI trust model relies on are in
 * place. Exit 1 listing every finding with its fix; nothing is changed.
 *
 * - every approval environment named by an account file: required reviewers exist (GitHub offers
 *   them for private repositories only on Enterprise plans; on Free, Pro and Team only for public
 *   ones), "Prevent self-review" is on, administrators cannot bypass, and deployments are allowed
 *   from `main` only;
 * - main's protection, from classic branch protection and from the rulesets that apply to main
 *   (either may carry each requirement; a rule of any active ruleset applies on top of classic
 *   protection): a reviewed pull request, the required checks `checks` and `plan`, up to date
 *   before merging, no bypass for administrators (classic) or anyone (a ruleset's bypass list), no
 *   force pushes or deletions;
 * - the repository's OIDC subject template includes job_workflow_ref (stacks/github-oidc.ts), and the
 *   repository part GitHub puts in every `sub` (sub_claim_prefix) is the one the trust policies expect;
 * - for a private repository, fork pull requests get no write token and no secrets ("Send write tokens
 *   to workflows from pull requests" off): with it on, a fork's workflow could request an OIDC token.
 *   GitHub answers this setting for private repositories only; for a public one, fork pull requests
 *   never get write tokens, and the answer is reported as not applicable.
 *
 * REST reference for each answer read here:
 * https://docs.github.com/rest/deployments/environments#get-an-environment
 * https://docs.github.com/rest/deployments/branch-policies#list-deployment-branch-policies
 * https://docs.github.com/rest/branches/branch-protection#get-branch-protection
 * https://docs.github.com/rest/repos/rules#get-rules-for-a-branch (every active rule on main, from
 *   repository or organization rulesets; "evaluate" and "disabled" rulesets are left out)
 * https://docs.github.com/rest/repos/rules#get-a-repository-ruleset (its bypass_actors)
 * https://docs.github.com/rest/actions/oidc#get-the-customization-template-for-an-oidc-subject-claim-for-a-repository
 *   (since the 2026 immutable subjects it also reports sub_claim_prefix, the repository part of every `sub`)
 * https://docs.github.com/rest/actions/permissions#get-private-repo-fork-pr-workflow-settings-for-a-repository
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
  /** The repository part of every `sub` (repo:<owner>[@id]/<repo>[@id]); absent before GitHub's 2026 change. */
  readonly sub_claim_prefix?: string;
  readonly use_immutable_subject?: boolean;
}
/** One active rule on a branch (GET /repos/{owner}/{repo}/rules/branches/{branch}). */
export interface BranchRule {
  readonly type: string;
  readonly ruleset_source_type?: string;
  readonly ruleset_source?: string;
  readonly ruleset_id?: number;
  readonly parameters?: {
    readonly required_approving_review_count?: number;
    readonly required_status_checks?: readonly { readonly context: string }[];
    readonly strict_required_status_checks_policy?: boolean;
  };
}
export interface RulesetAnswer {
  readonly id: number;
  readonly name: string;
  readonly bypass_actors?: readonly { readonly actor_type: string; readonly actor_id?: number | null; readonly bypass_mode?: string }[];
}
export interface ForkPullRequestAnswer {
  readonly run_workflows_from_fork_pull_requests: boolean;
  readonly send_write_tokens_to_workflows: boolean;
  readonly send_secrets_and_variables: boolean;
  readonly require_approval_for_fork_pr_workflows?: boolean;
}

/** What GitHub answered; undefined where it answered 404 (not configured). */
export interface GithubAnswers {
  readonly environments: Readonly<Record<string, { readonly environment?: EnvironmentAnswer; readonly branchPolicies?: BranchPoliciesAnswer }>>;
  readonly mainProtection?: BranchProtectionAnswer;
  /** The active rules on main (empty: no ruleset applies to it). */
  readonly mainRules?: readonly BranchRule[];
  /** The rulesets those rules come from, by id, where GitHub let us read them. */
  readonly rulesets?: Readonly<Record<number, RulesetAnswer>>;
  readonly subjectTemplate?: SubjectTemplateAnswer;
  /** Fork pull-request settings of a private repository; undefined where GitHub does not expose them (public repository). */
  readonly forkPullRequests?: ForkPullRequestAnswer;
}

/** Every finding (empty: all set), each naming the setting and where to change it. */
export function githubFindings(github: GithubConfig, environments: readonly string[], answers: GithubAnswers): string[] {
  const { repository } = github;
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

  findings.push(...mainFindings(repository, answers));

  const template = answers.subjectTemplate;
  const keys = template?.include_claim_keys ?? [];
  if (!template || template.use_default || keys.join(',') !== SUBJECT_CLAIM_KEYS.join(',')) {
    findings.push(`OIDC subject template: ${template && !template.use_default ? `claims ${keys.join(', ')}` : 'the default'}; no apply role trusts that. Set it with:\n    ${templateCommand({ repository })}`);
  }
  if (template?.sub_claim_prefix !== undefined && template.sub_claim_prefix !== subjectPrefix(github)) {
    findings.push(`OIDC subject: GitHub puts '${template.sub_claim_prefix}' in every sub but the trust policies expect '${subjectPrefix(github)}': ${prefixFix(template.sub_claim_prefix, github)}, then re-apply every bootstrap stack`);
  }

  const fork = answers.forkPullRequests;
  const actions = `https://github.com/${repository}/settings/actions`;
  if (fork?.send_write_tokens_to_workflows) {
    findings.push(`fork pull requests: "Send write tokens to workflows from pull requests" is on, so a fork's workflow gets a write GITHUB_TOKEN and can request an OIDC token; turn it off in ${actions}`);
  }
  if (fork?.send_secrets_and_variables) {
    findings.push(`fork pull requests: "Send secrets and variables to workflows from pull requests" is on; turn it off in ${actions}`);
  }
  return findings;
}

/**
 * main's protection from both sources: classic branch protection and the rules of every active
 * ruleset on main. A requirement holds when either source enforces it (rules add to classic
 * protection: https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository/managing-rulesets/about-rulesets#about-rulesets);
 * nobody may bypass a source that enforces something.
 */
function mainFindings(repository: string, answers: GithubAnswers): string[] {
  const findings: string[] = [];
  const protection = answers.mainProtection;
  const rules = answers.mainRules ?? [];
  const branches = `https://github.com/${repository}/settings/branches`;
  const rulesets = `https://github.com/${repository}/settings/rules`;
  if (!protection && rules.length === 0) return [`branch main: not protected (no branch protection rule and no active ruleset); add one in ${branches} or ${rulesets} (README, one-time setup)`];
  const rule = (type: string) => rules.filter((r) => r.type === type);

  const reviews = Math.max(protection?.required_pull_request_reviews?.required_approving_review_count ?? 0, ...rule('pull_request').map((r) => r.parameters?.required_approving_review_count ?? 0));
  if (reviews < 1) findings.push(`branch main: merging does not require an approving review; require at least 1 in ${branches} or a ruleset's "Require a pull request before merging"`);

  const classicChecks = [...(protection?.required_status_checks?.contexts ?? []), ...(protection?.required_status_checks?.checks ?? []).map((c) => c.context)];
  const ruleChecks = rule('required_status_checks').flatMap((r) => (r.parameters?.required_status_checks ?? []).map((c) => c.context));
  const checks = new Set([...classicChecks, ...ruleChecks]);
  const missing = REQUIRED_CHECKS.filter((check) => !checks.has(check));
  if (missing.length > 0) findings.push(`branch main: required status checks lack ${missing.join(', ')}; add them in ${branches} or a ruleset's "Require status checks to pass"`);
  const strict = (protection?.required_status_checks && protection.required_status_checks.strict === true) || rule('required_status_checks').some((r) => r.parameters?.strict_required_status_checks_policy === true);
  if (checks.size > 0 && !strict) {
    findings.push(`branch main: branches need not be up to date before merging, so a plan can describe another base; turn on "Require branches to be up to date" in ${branches} or the ruleset`);
  }

  if (protection && protection.enforce_admins?.enabled !== true) findings.push(`branch main: administrators are exempt; turn on "Do not allow bypassing the above settings" in ${branches}`);
  for (const id of [...new Set(rules.map((r) => r.ruleset_id).filter((i): i is number => i !== undefined))]) {
    const actors = answers.rulesets?.[id]?.bypass_actors ?? [];
    if (actors.length > 0) {
      findings.push(`ruleset ${answers.rulesets?.[id]?.name ?? id} on main: ${actors.map((a) => a.actor_type).join(', ')} may bypass it; empty its bypass list in ${rulesets}`);
    }
  }
  if (protection?.allow_force_pushes?.enabled !== false && rule('non_fast_forward').length === 0) findings.push(`branch main: force pushes are allowed; turn them off in ${branches} or add "Block force pushes" to a ruleset`);
  if (protection?.allow_deletions?.enabled !== false && rule('deletion').length === 0) findings.push(`branch main: deletion is allowed; turn it off in ${branches} or add "Restrict deletions" to a ruleset`);
  return findings;
}

/**
 * One `gh api` GET; undefined on 404, any other failure thrown with gh's message. With
 * notApplicable, also undefined where GitHub refuses the setting for this repository (403/422: the
 * fork settings of a public repository).
 */
function ghApi<T>(apiPath: string, options: { readonly notApplicable?: boolean } = {}): T | undefined {
  try {
    return JSON.parse(execFileSync('gh', ['api', apiPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: process.env })) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('gh (the GitHub CLI) is not installed: https://cli.github.com, then gh auth login', { cause: error });
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message);
    if (/HTTP 404|Not Found/.test(stderr)) return undefined;
    if (options.notApplicable && /HTTP (403|422)/.test(stderr)) return undefined;
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
  const mainRules = ghApi<BranchRule[]>(`repos/${repository}/rules/branches/main`) ?? [];
  const rulesets: Record<number, RulesetAnswer> = {};
  for (const rule of mainRules) {
    // Organization rulesets are read through the organization's API, which needs organization rights.
    if (rule.ruleset_id === undefined || rule.ruleset_source_type !== 'Repository' || rulesets[rule.ruleset_id]) continue;
    const ruleset = ghApi<RulesetAnswer>(`repos/${repository}/rulesets/${rule.ruleset_id}`);
    if (ruleset) rulesets[rule.ruleset_id] = ruleset;
  }
  return {
    environments: answers,
    mainProtection: ghApi<BranchProtectionAnswer>(`repos/${repository}/branches/main/protection`),
    mainRules,
    rulesets,
    subjectTemplate: ghApi<SubjectTemplateAnswer>(`repos/${repository}/actions/oidc/customization/sub`),
    forkPullRequests: ghApi<ForkPullRequestAnswer>(`repos/${repository}/actions/permissions/fork-pr-workflows-private-repos`, { notApplicable: true }),
  };
}

export function approvalEnvironmentNames(accounts: readonly AccountConfig[]): string[] {
  return [...new Set(accounts.flatMap((a) => approvalEnvironment(a) ?? []))].sort();
}

if (require.main === module) {
  answerHelp("Usage: npm run check:github   (no arguments: checks with gh, as a repository admin, the GitHub settings the CI trust model relies on: approval environments, main's protection, the OIDC subject template)");
  try {
    const accounts = loadEnvironments();
    const { github } = accounts[0];
    const { repository } = github;
    const environments = approvalEnvironmentNames(accounts);
    const findings = githubFindings(github, environments, fetchAnswers(repository, environments));
    if (findings.length > 0) {
      console.error(`${repository}: ${findings.length} setting(s) the CI trust model relies on are missing:\n${findings.map((f) => `  - ${f}`).join('\n')}`);
      process.exit(1);
    }
    console.log(`${repository}: environments ${environments.join(', ')}, main's protection (branch protection and rulesets), the OIDC subject and the fork pull-request settings are as the README's one-time setup asks`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
