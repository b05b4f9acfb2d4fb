import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../../../environments/load';
import { SUBJECT_CLAIM_KEYS, subjectPrefix } from '../../../stacks/github-oidc';
import { approvalEnvironmentNames, fetchAnswers, githubFindings, type GithubAnswers } from '../../../tools/ci/check-github';

/**
 * `npm run check:github` against recorded GitHub answers (__tests__/fixtures/github, shaped like the
 * REST reference's examples; sources in its README). What it models:
 * - required reviewers and other protection rules exist in private repositories only on GitHub
 *   Enterprise plans (public repositories on every plan), so they can be silently absent:
 *   https://docs.github.com/rest/deployments/environments ("About deployment environments")
 * - administrators bypass environment rules unless can_admins_bypass is false, and approve their own
 *   request unless prevent_self_review is true: https://docs.github.com/rest/deployments/environments#create-or-update-an-environment
 * - protected_branches: true admits every protected branch; custom_branch_policies lists name patterns:
 *   https://docs.github.com/rest/deployments/branch-policies
 * - rulesets protect a branch next to (or instead of) classic branch protection; GET
 *   /repos/{owner}/{repo}/rules/branches/{branch} returns every active rule on it, with the ruleset it
 *   comes from, and rules of several sources add up: https://docs.github.com/rest/repos/rules#get-rules-for-a-branch,
 *   https://docs.github.com/repositories/configuring-branches-and-merges-in-your-repository/managing-rulesets/about-rulesets
 * - the OIDC customization answer carries sub_claim_prefix, the repository part of every `sub`, since
 *   GitHub's 2026 immutable subjects (https://github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens)
 * - "Send write tokens to workflows from pull requests" is a private repository's setting, read through
 *   https://docs.github.com/rest/actions/permissions#get-private-repo-fork-pr-workflow-settings-for-a-repository
 */

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'github');
const fixture = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as T;
const accounts = loadEnvironments();
const { github } = accounts[0];
const repository = github.repository;
const environments = approvalEnvironmentNames(accounts);

function configured(): GithubAnswers {
  return {
    environments: Object.fromEntries(
      environments.map((name) => [name, { environment: { ...fixture<any>('environment-configured'), name }, branchPolicies: fixture<any>('branch-policies-configured') }]),
    ),
    mainProtection: fixture('branch-protection-configured'),
    mainRules: [],
    subjectTemplate: { ...fixture<any>('subject-template-configured'), sub_claim_prefix: subjectPrefix(github) },
    forkPullRequests: fixture('fork-pr-workflows-configured'),
  };
}

/** main protected by a ruleset alone (no classic branch protection), as a repository set up today is. */
function rulesetOnly(ruleset = 'ruleset-configured'): GithubAnswers {
  return { ...configured(), mainProtection: undefined, mainRules: fixture('rules-branch-configured'), rulesets: { 42: fixture(ruleset) } };
}

test('the approval environments are the ones the account files name, and <account>-approval for an auto-applied account\'s units that require approval', () => {
  const expected = accounts.flatMap((a) => {
    if (a.github.applyEnvironment) return [a.github.applyEnvironment];
    return Object.values(a.units).some((u) => u.enabled && u.requireApproval) ? [`${a.name}-approval`] : [];
  });
  expect(environments).toEqual([...new Set(expected)].sort());
  // dev auto-applies and its data unit requires approval by default: it has one to check too.
  expect(accounts.filter((a) => a.github.applyBranch && !a.github.applyEnvironment).every((a) => environments.includes(`${a.name}-approval`))).toBe(true);
  expect(environments.length).toBeGreaterThan(0);
});

test('a repository set up as the README asks has no findings', () => {
  expect(githubFindings(github, environments, configured())).toEqual([]);
});

test("GitHub's documented example environment fails on self-review, admin bypass and the extra branch pattern", () => {
  const answers: GithubAnswers = {
    ...configured(),
    environments: Object.fromEntries(environments.map((name) => [name, { environment: fixture('environment-docs-example'), branchPolicies: fixture('branch-policies-docs-example') }])),
  };
  const findings = githubFindings(github, environments, answers);
  for (const name of environments) {
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^environment ${name}: "Prevent self-review" is off`)),
        expect.stringMatching(new RegExp(`^environment ${name}: administrators can bypass`)),
        expect.stringMatching(new RegExp(`^environment ${name}: deployments are allowed from branches release/\\*, main;`)),
      ]),
    );
  }
  expect(findings).toHaveLength(3 * environments.length);
});

test('an environment without required reviewers (a private repository on a plan without them) is a finding that says why', () => {
  const answers = configured();
  const [name] = environments;
  const environment = { ...answers.environments[name].environment!, protection_rules: [] };
  const findings = githubFindings(github, environments, { ...answers, environments: { ...answers.environments, [name]: { ...answers.environments[name], environment } } });
  expect(findings).toEqual([expect.stringMatching(new RegExp(`^environment ${name}: no required reviewers, .*private repositories need GitHub Enterprise`))]);
});

test('a missing environment, "all protected branches", and a missing rule for main are findings', () => {
  const answers = configured();
  const [name] = environments;
  const protectedBranches = { ...answers.environments[name].environment!, deployment_branch_policy: { protected_branches: true, custom_branch_policies: false } };
  expect(githubFindings(github, environments, { ...answers, environments: { ...answers.environments, [name]: { environment: protectedBranches } } })).toEqual([
    expect.stringContaining(`environment ${name}: deployments are allowed from any protected branch`),
  ]);
  expect(githubFindings(github, environments, { ...answers, environments: { ...answers.environments, [name]: {} } })).toEqual([expect.stringContaining(`environment ${name}: does not exist`)]);
  expect(githubFindings(github, environments, { ...answers, mainProtection: undefined, mainRules: [] })).toEqual([expect.stringContaining('branch main: not protected')]);
});

test("GitHub's documented branch protection example lacks the required checks and allows force pushes and deletion", () => {
  const findings = githubFindings(github, environments, { ...configured(), mainProtection: fixture('branch-protection-docs-example') });
  expect(findings).toEqual([
    expect.stringContaining('branch main: required status checks lack checks, plan'),
    expect.stringContaining('branch main: force pushes are allowed'),
    expect.stringContaining('branch main: deletion is allowed'),
  ]);
});

test("the documented example subject template (repo, context) is a finding with the command that sets job_workflow_ref", () => {
  const findings = githubFindings(github, environments, { ...configured(), subjectTemplate: fixture('subject-template-docs-example') });
  expect(findings).toEqual([expect.stringContaining(`--input - <<<'{"use_default":false,"include_claim_keys":${JSON.stringify(SUBJECT_CLAIM_KEYS)}}'`)]);
  expect(githubFindings(github, environments, { ...configured(), subjectTemplate: { use_default: true } })).toHaveLength(1);
});

describe('rulesets protect main as well as classic branch protection (#21 item 12)', () => {
  test('a ruleset alone with a review, the required checks up to date, no force pushes or deletion and no bypass has no findings', () => {
    expect(githubFindings(github, environments, rulesetOnly())).toEqual([]);
  });

  test("GitHub's documented example rules (commit patterns only) protect nothing the trust model needs", () => {
    const findings = githubFindings(github, environments, { ...configured(), mainProtection: undefined, mainRules: fixture('rules-branch-docs-example') });
    expect(findings).toEqual([
      expect.stringContaining('branch main: merging does not require an approving review'),
      expect.stringContaining('branch main: required status checks lack checks, plan'),
      expect.stringContaining('branch main: force pushes are allowed'),
      expect.stringContaining('branch main: deletion is allowed'),
    ]);
  });

  test("a ruleset whose bypass list is not empty (GitHub's documented example: a team, always) is a finding naming it", () => {
    expect(githubFindings(github, environments, rulesetOnly('ruleset-docs-example'))).toEqual([
      expect.stringMatching(/^ruleset super cool ruleset on main: Team may bypass it; empty its bypass list in https:\/\/github\.com\/.*\/settings\/rules$/),
    ]);
  });

  test('rules add to classic protection: a ruleset blocking force pushes and deletion covers a classic rule that allows them', () => {
    const loose = fixture<any>('branch-protection-docs-example');
    const withRules = { ...configured(), mainProtection: loose, mainRules: fixture<any[]>('rules-branch-configured'), rulesets: { 42: fixture<any>('ruleset-configured') } };
    expect(githubFindings(github, environments, withRules)).toEqual([]);
  });
});

describe("the repository's OIDC subject and fork pull requests (#21 item 12)", () => {
  test("a sub_claim_prefix other than the configured repository part is a finding with the fix (the legacy name-only form)", () => {
    const legacy = `repo:${repository}`;
    const answers = { ...configured(), subjectTemplate: { ...configured().subjectTemplate!, sub_claim_prefix: legacy } };
    const expected = github.subjectFormat === 'legacy' ? [] : [expect.stringMatching(new RegExp(`^OIDC subject: GitHub puts '${legacy.replace(/[./]/g, '\\$&')}' in every sub but the trust policies expect .*set github\\.subjectFormat: 'legacy'`))];
    expect(githubFindings(github, environments, answers)).toEqual(expected);
  });

  test('other immutable ids are a finding naming the ids to write into environments/defaults.ts', () => {
    const [owner, repo] = repository.split('/');
    const answers = { ...configured(), subjectTemplate: { ...configured().subjectTemplate!, sub_claim_prefix: `repo:${owner}@11/${repo}@22` } };
    expect(githubFindings(github, environments, answers)).toEqual([expect.stringContaining("set github.subjectFormat: 'immutable', ownerId: 11, repositoryId: 22 in environments/defaults.ts")]);
  });

  test('"Send write tokens to workflows from pull requests" (and secrets) on for fork pull requests are findings; a public repository (no answer) is none', () => {
    const fork = { ...fixture<any>('fork-pr-workflows-configured'), send_write_tokens_to_workflows: true, send_secrets_and_variables: true };
    expect(githubFindings(github, environments, { ...configured(), forkPullRequests: fork })).toEqual([
      expect.stringMatching(/^fork pull requests: "Send write tokens to workflows from pull requests" is on, .*OIDC token/),
      expect.stringMatching(/^fork pull requests: "Send secrets and variables to workflows from pull requests" is on/),
    ]);
    expect(githubFindings(github, environments, { ...configured(), forkPullRequests: undefined })).toEqual([]);
  });
});

describe('fetchAnswers asks GitHub through gh api and treats 404 as "not configured"', () => {
  let dir: string;
  const originalPath = process.env.PATH;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-github-'));
    // A fake gh: answers from fixture files by API path, 404 (as gh prints it) for anything else.
    const routes: Record<string, string> = {};
    for (const name of environments) {
      routes[`repos/${repository}/environments/${encodeURIComponent(name)}`] = path.join(FIXTURES, 'environment-configured.json');
      routes[`repos/${repository}/environments/${encodeURIComponent(name)}/deployment-branch-policies`] = path.join(FIXTURES, 'branch-policies-configured.json');
    }
    routes[`repos/${repository}/actions/oidc/customization/sub`] = path.join(FIXTURES, 'subject-template-configured.json');
    routes[`repos/${repository}/rules/branches/main`] = path.join(FIXTURES, 'rules-branch-configured.json');
    routes[`repos/${repository}/rulesets/42`] = path.join(FIXTURES, 'ruleset-configured.json');
    // A public repository: GitHub refuses the private-repository fork settings (as gh prints an HTTP error).
    const refused = { [`repos/${repository}/actions/permissions/fork-pr-workflows-private-repos`]: 'gh: Fork PR workflow settings are only available for private repositories (HTTP 422)' };
    fs.writeFileSync(
      path.join(dir, 'gh'),
      `#!/usr/bin/env node\nconst routes = ${JSON.stringify(routes)};\nconst refused = ${JSON.stringify(refused)};\nconst file = routes[process.argv[3]];\nif (refused[process.argv[3]]) { process.stderr.write(refused[process.argv[3]] + '\\n'); process.exit(1); }\nif (!file) { process.stderr.write('gh: Not Found (HTTP 404)\\n'); process.exit(1); }\nprocess.stdout.write(require('fs').readFileSync(file, 'utf8'));\n`,
      { mode: 0o755 },
    );
    process.env.PATH = `${dir}:${originalPath}`;
  });
  afterEach(() => {
    process.env.PATH = originalPath;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every answer is read: main protected by its ruleset alone (classic protection 404) and no fork settings for a public repository (422) give no finding', () => {
    const answers = fetchAnswers(repository, environments);
    expect(answers.mainProtection).toBeUndefined();
    expect(answers.mainRules?.map((rule) => rule.type).sort()).toEqual(['deletion', 'non_fast_forward', 'pull_request', 'required_status_checks']);
    expect(answers.rulesets?.[42]?.bypass_actors).toEqual([]);
    expect(answers.forkPullRequests).toBeUndefined();
    expect(answers.subjectTemplate?.include_claim_keys).toEqual([...SUBJECT_CLAIM_KEYS]);
    expect(githubFindings(github, environments, answers)).toEqual([]);
  });
});
