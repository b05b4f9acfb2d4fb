import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../../environments/load';
import { SUBJECT_CLAIM_KEYS } from '../../stacks/github-oidc';
import { approvalEnvironmentNames, fetchAnswers, githubFindings, type GithubAnswers } from '../../scripts/check-github';

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
 */

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'github');
const fixture = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as T;
const accounts = loadEnvironments();
const repository = accounts[0].github.repository;
const environments = approvalEnvironmentNames(accounts);

function configured(): GithubAnswers {
  return {
    environments: Object.fromEntries(
      environments.map((name) => [name, { environment: { ...fixture<any>('environment-configured'), name }, branchPolicies: fixture<any>('branch-policies-configured') }]),
    ),
    mainProtection: fixture('branch-protection-configured'),
    subjectTemplate: fixture('subject-template-configured'),
  };
}

test('the approval environments are the ones the account files name', () => {
  expect(environments).toEqual([...new Set(accounts.flatMap((a) => (a.github.applyEnvironment ? [a.github.applyEnvironment] : [])))].sort());
  expect(environments.length).toBeGreaterThan(0);
});

test('a repository set up as the README asks has no findings', () => {
  expect(githubFindings(repository, environments, configured())).toEqual([]);
});

test("GitHub's documented example environment fails on self-review, admin bypass and the extra branch pattern", () => {
  const answers: GithubAnswers = {
    ...configured(),
    environments: Object.fromEntries(environments.map((name) => [name, { environment: fixture('environment-docs-example'), branchPolicies: fixture('branch-policies-docs-example') }])),
  };
  const findings = githubFindings(repository, environments, answers);
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
  const findings = githubFindings(repository, environments, { ...answers, environments: { ...answers.environments, [name]: { ...answers.environments[name], environment } } });
  expect(findings).toEqual([expect.stringMatching(new RegExp(`^environment ${name}: no required reviewers, .*private repositories need GitHub Enterprise`))]);
});

test('a missing environment, "all protected branches", and a missing rule for main are findings', () => {
  const answers = configured();
  const [name] = environments;
  const protectedBranches = { ...answers.environments[name].environment!, deployment_branch_policy: { protected_branches: true, custom_branch_policies: false } };
  expect(githubFindings(repository, environments, { ...answers, environments: { ...answers.environments, [name]: { environment: protectedBranches } } })).toEqual([
    expect.stringContaining(`environment ${name}: deployments are allowed from any protected branch`),
  ]);
  expect(githubFindings(repository, environments, { ...answers, environments: { ...answers.environments, [name]: {} } })).toEqual([expect.stringContaining(`environment ${name}: does not exist`)]);
  expect(githubFindings(repository, environments, { ...answers, mainProtection: undefined })).toEqual([expect.stringContaining('branch main: not protected')]);
});

test("GitHub's documented branch protection example lacks the required checks and allows force pushes and deletion", () => {
  const findings = githubFindings(repository, environments, { ...configured(), mainProtection: fixture('branch-protection-docs-example') });
  expect(findings).toEqual([
    expect.stringContaining('branch main: required status checks lack checks, plan'),
    expect.stringContaining('branch main: force pushes are allowed'),
    expect.stringContaining('branch main: deletion is allowed'),
  ]);
});

test("the documented example subject template (repo, context) is a finding with the command that sets job_workflow_ref", () => {
  const findings = githubFindings(repository, environments, { ...configured(), subjectTemplate: fixture('subject-template-docs-example') });
  expect(findings).toEqual([expect.stringContaining(`--input - <<<'{"use_default":false,"include_claim_keys":${JSON.stringify(SUBJECT_CLAIM_KEYS)}}'`)]);
  expect(githubFindings(repository, environments, { ...configured(), subjectTemplate: { use_default: true } })).toHaveLength(1);
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
    fs.writeFileSync(
      path.join(dir, 'gh'),
      `#!/usr/bin/env node\nconst routes = ${JSON.stringify(routes)};\nconst file = routes[process.argv[3]];\nif (!file) { process.stderr.write('gh: Not Found (HTTP 404)\\n'); process.exit(1); }\nprocess.stdout.write(require('fs').readFileSync(file, 'utf8'));\n`,
      { mode: 0o755 },
    );
    process.env.PATH = `${dir}:${originalPath}`;
  });
  afterEach(() => {
    process.env.PATH = originalPath;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every answer is read; the unprotected main branch (404) becomes a finding', () => {
    const answers = fetchAnswers(repository, environments);
    expect(answers.mainProtection).toBeUndefined();
    expect(answers.subjectTemplate?.include_claim_keys).toEqual([...SUBJECT_CLAIM_KEYS]);
    expect(githubFindings(repository, environments, answers)).toEqual([expect.stringContaining('branch main: not protected')]);
  });
});
