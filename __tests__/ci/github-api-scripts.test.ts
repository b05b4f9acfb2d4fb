import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The workflow scripts that talk to GitHub's REST API, run against a fake `gh` that answers each
 * `gh api <path>` from recorded answers shaped like the examples in GitHub's REST reference, applies
 * `--jq` with the real jq, and records every call (method, path, fields, JSON body).
 */

const SCRIPTS = path.resolve(__dirname, '..', '..', '.github', 'scripts');
const FAKE_GH = `#!/usr/bin/env node
const fs = require('fs'), path = require('path'), { execFileSync } = require('child_process');
const dir = process.env.FAKE_DIR;
const args = process.argv.slice(2);
let method = 'GET', jq, input = false, apiPath;
const fields = [];
for (let i = 1; i < args.length; i++) {
  const a = args[i];
  if (a === '--method' || a === '-X') method = args[++i];
  else if (a === '--jq' || a === '-q') jq = args[++i];
  else if (a === '--input') { input = true; i++; }
  else if (a === '-f' || a === '-F' || a === '--field' || a === '--raw-field') fields.push(args[++i]);
  else if (a === '--paginate' || a === '--silent') continue;
  else if (!apiPath) apiPath = a;
}
const body = input ? JSON.parse(fs.readFileSync(0, 'utf8')) : undefined;
for (const field of fields) if (field.startsWith('body=@')) fs.copyFileSync(field.slice(6), path.join(dir, 'body.md'));
fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify({ method, path: apiPath, fields, body }) + '\\n');
const routes = JSON.parse(fs.readFileSync(path.join(dir, 'routes.json'), 'utf8'));
const key = method + ' ' + apiPath;
if (!(key in routes)) { process.stderr.write('gh: Not Found (HTTP 404) ' + key + '\\n'); process.exit(1); }
const text = JSON.stringify(routes[key]);
if (jq) process.stdout.write(execFileSync('jq', ['-r', jq], { input: text }));
else if (!args.includes('--silent')) process.stdout.write(text);
`;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'github-api-'));
  fs.writeFileSync(path.join(dir, 'gh'), FAKE_GH, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'calls.jsonl'), '');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

type Call = { method: string; path: string; fields: string[]; body?: Record<string, unknown> };
function run(script: string, args: string[], routes: Record<string, unknown>, env: Record<string, string> = {}) {
  fs.writeFileSync(path.join(dir, 'routes.json'), JSON.stringify(routes));
  const output = path.join(dir, 'github-output');
  fs.writeFileSync(output, '');
  const result = spawnSync(path.join(SCRIPTS, script), args, {
    encoding: 'utf8',
    env: { PATH: `${dir}:${process.env.PATH}`, FAKE_DIR: dir, GITHUB_REPOSITORY: 'owner/repo', GH_TOKEN: 'not-a-token', GITHUB_OUTPUT: output, ...env },
  });
  const calls = fs.readFileSync(path.join(dir, 'calls.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Call);
  return { status: result.status, output: `${result.stdout}${result.stderr}`, calls, githubOutput: fs.readFileSync(output, 'utf8') };
}

const sha = (c: string) => c.repeat(40);

// GET /repos/{owner}/{repo}/git/ref/{ref}: https://docs.github.com/rest/git/refs#get-a-reference
const refAnswer = (tip: string) => ({
  ref: 'refs/heads/main',
  node_id: 'MDM6UmVmcmVmcy9oZWFkcy9mZWF0dXJlQQ==',
  url: 'https://api.github.com/repos/owner/repo/git/refs/heads/main',
  object: { type: 'commit', sha: tip, url: `https://api.github.com/repos/owner/repo/git/commits/${tip}` },
});
// GET /repos/{owner}/{repo}/compare/{basehead}: https://docs.github.com/rest/commits/commits#compare-two-commits
const compareAnswer = (status: string, files: string[]) => ({
  url: 'https://api.github.com/repos/owner/repo/compare/a...b',
  status,
  ahead_by: status === 'ahead' ? 1 : 0,
  behind_by: status === 'behind' ? 1 : 0,
  total_commits: 1,
  commits: [{ sha: sha('b'), commit: { message: 'newer' } }],
  files: files.map((filename) => ({ sha: sha('f'), filename, status: 'modified', additions: 1, deletions: 0, changes: 1 })),
});

describe('require-main-tip.sh: a docs-only merge does not strand a code change', () => {
  const DEPLOYED = sha('a');
  const TIP = sha('b');
  const routes = (files: string[], status = 'ahead') => ({
    'GET repos/owner/repo/git/ref/heads/main': refAnswer(TIP),
    [`GET repos/owner/repo/compare/${DEPLOYED}...${TIP}`]: compareAnswer(status, files),
  });

  test('proceeds when the commit is the tip of main', () => {
    const result = run('require-main-tip.sh', [], { 'GET repos/owner/repo/git/ref/heads/main': refAnswer(DEPLOYED) }, { GITHUB_SHA: DEPLOYED });
    expect(result.status).toBe(0);
    expect(result.githubOutput).toBe('proceed=true\n');
  });

  test('proceeds when every newer commit touches only ignored paths (Markdown, docs/): those pushes start no deploy', () => {
    const result = run('require-main-tip.sh', [], routes(['README.md', 'docs/runbook/apply.md', 'docs/diagram.png']), { GITHUB_SHA: DEPLOYED });
    expect(result.status).toBe(0);
    expect(result.githubOutput).toBe('proceed=true\n');
  });

  test('an overtaken run (a newer commit changes code) ends with a notice and proceed=false, not red', () => {
    const result = run('require-main-tip.sh', [], routes(['README.md', 'constructs/network.ts']), { GITHUB_SHA: DEPLOYED });
    expect(result.status).toBe(0);
    expect(result.githubOutput).toBe('proceed=false\n');
    expect(result.output).toContain('::notice::Overtaken:');
    expect(result.output).toContain('constructs/network.ts');
  });

  test('300 listed files (the compare API\'s limit) count as a code change', () => {
    const files = Array.from({ length: 300 }, (_, i) => `docs/page-${i}.md`);
    expect(run('require-main-tip.sh', [], routes(files), { GITHUB_SHA: DEPLOYED }).githubOutput).toBe('proceed=false\n');
  });

  test('fails when main no longer contains the commit, or the tip cannot be read', () => {
    expect(run('require-main-tip.sh', [], routes(['README.md'], 'diverged'), { GITHUB_SHA: DEPLOYED }).status).toBe(1);
    expect(run('require-main-tip.sh', [], {}, { GITHUB_SHA: DEPLOYED }).status).toBe(1);
  });
});

describe('record-applied.sh and last-applied.sh: the commit each account last applied', () => {
  // POST /repos/{owner}/{repo}/deployments: https://docs.github.com/rest/deployments/deployments#create-a-deployment
  const created = { id: 42, sha: sha('c'), ref: sha('c'), task: 'terraform-apply', environment: 'terraform/qa', payload: {}, creator: { login: 'github-actions[bot]' } };

  test('records a deployment of terraform/<account> at the commit, with no status checks or merge, then marks it successful', () => {
    const result = run('record-applied.sh', ['qa', sha('c'), 'https://github.com/owner/repo/actions/runs/1'], {
      'POST repos/owner/repo/deployments': created,
      'POST repos/owner/repo/deployments/42/statuses': { id: 1, state: 'success' },
    });
    expect(result.status).toBe(0);
    expect(result.calls).toEqual([
      {
        method: 'POST',
        path: 'repos/owner/repo/deployments',
        fields: [],
        body: { ref: sha('c'), environment: 'terraform/qa', task: 'terraform-apply', auto_merge: false, required_contexts: [], production_environment: false, description: 'terraform apply of qa' },
      },
      { method: 'POST', path: 'repos/owner/repo/deployments/42/statuses', fields: [], body: { state: 'success', log_url: 'https://github.com/owner/repo/actions/runs/1', description: 'applied' } },
    ]);
  });

  test('refuses a short SHA or a bad account name before calling GitHub', () => {
    expect(run('record-applied.sh', ['qa', 'abc123', 'u'], {}).status).toBe(1);
    expect(run('record-applied.sh', ['../x', sha('c'), 'u'], {}).calls).toEqual([]);
  });

  // GET /repos/{owner}/{repo}/deployments (newest first) and .../statuses: https://docs.github.com/rest/deployments/statuses#list-deployment-statuses
  const listing = 'GET repos/owner/repo/deployments?environment=terraform%2Fqa&task=terraform-apply&per_page=30';

  test('the newest record whose status is success names the commit; one whose status never arrived is skipped', () => {
    const result = run('last-applied.sh', ['qa'], {
      [listing]: [
        { id: 3, sha: sha('3'), environment: 'terraform/qa', task: 'terraform-apply' },
        { id: 2, sha: sha('2'), environment: 'terraform/qa', task: 'terraform-apply' },
      ],
      'GET repos/owner/repo/deployments/3/statuses?per_page=1': [],
      'GET repos/owner/repo/deployments/2/statuses?per_page=1': [{ id: 9, state: 'success' }],
    });
    expect(result.status).toBe(0);
    expect(result.output.trim()).toBe(sha('2'));
  });

  test('prints nothing for an account never applied by CI', () => {
    const result = run('last-applied.sh', ['qa'], { [listing]: [] });
    expect(result.status).toBe(0);
    expect(result.output).toBe('');
  });
});

describe('notify-release.sh: the release on GitHub (deployment status and merged pull request comment)', () => {
  const RUN = 'https://github.com/owner/repo/actions/runs/7';
  // POST /repos/{owner}/{repo}/deployments: https://docs.github.com/rest/deployments/deployments#create-a-deployment
  const created = { id: 77, sha: sha('d'), ref: sha('d'), task: 'release', environment: 'qa', payload: {}, creator: { login: 'github-actions[bot]' } };
  // GET /repos/{owner}/{repo}/commits/{sha}/pulls: https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit
  // (merged_at is null for an open or closed-unmerged pull request that also holds the commit)
  const pulls = [
    { number: 12, state: 'closed', merged_at: '2026-11-29T10:00:00Z', merge_commit_sha: sha('d') },
    { number: 13, state: 'open', merged_at: null },
  ];
  const routes = {
    'POST repos/owner/repo/deployments': created,
    'POST repos/owner/repo/deployments/77/statuses': { id: 1, state: 'success' },
    [`GET repos/owner/repo/commits/${sha('d')}/pulls`]: pulls,
    'POST repos/owner/repo/issues/12/comments': { id: 5 },
  };

  test.each([
    ['success', 'released', 'the release succeeded'],
    ['failure', 'release failed', 'the release **failed**'],
  ])('%s: a deployment of the account environment with that state, then one comment on the merged pull request only', (result, description, phrase) => {
    const out = run('notify-release.sh', ['qa', sha('d'), result, RUN], routes);
    expect(out.status).toBe(0);
    expect(out.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST repos/owner/repo/deployments',
      'POST repos/owner/repo/deployments/77/statuses',
      `GET repos/owner/repo/commits/${sha('d')}/pulls`,
      'POST repos/owner/repo/issues/12/comments',
    ]);
    // Not the drift check's record (environment terraform/<account>, task terraform-apply: last-applied.sh).
    expect(out.calls[0].body).toEqual({ ref: sha('d'), environment: 'qa', task: 'release', auto_merge: false, required_contexts: [], production_environment: false, description: 'release of qa' });
    expect(out.calls[1].body).toEqual({ state: result, log_url: RUN, description });
    const body = String(out.calls[3].body?.body);
    expect(body).toContain('Deployed to **qa**');
    expect(body).toContain(sha('d'));
    expect(body).toContain(phrase);
    expect(body).toContain(RUN);
  });

  test('a commit pushed without a merged pull request gets the deployment status and no comment', () => {
    const out = run('notify-release.sh', ['qa', sha('d'), 'success', RUN], { ...routes, [`GET repos/owner/repo/commits/${sha('d')}/pulls`]: [pulls[1]] });
    expect(out.status).toBe(0);
    expect(out.calls.filter((c) => c.path.includes('/comments'))).toEqual([]);
    expect(out.output).toContain(`no merged pull request has commit ${sha('d')}`);
  });

  test('refuses a bad account, a short SHA or an unknown result before calling GitHub', () => {
    for (const args of [['../x', sha('d'), 'success', RUN], ['qa', 'abc123', 'success', RUN], ['qa', sha('d'), 'skipped', RUN]]) {
      const out = run('notify-release.sh', args, routes);
      expect([args, out.status, out.calls]).toEqual([args, 1, []]);
      expect(out.output).toContain('::error::notify-release.sh');
    }
  });
});

describe('refuse-pending-apply.sh: no apply or rollback request disappears silently', () => {
  // GET /repos/{owner}/{repo}/actions/workflows/{id}/runs: https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow
  // GitHub keeps one pending job per concurrency group and cancels the one already waiting:
  // https://docs.github.com/actions/writing-workflows/choosing-what-your-workflow-does/control-the-concurrency-of-workflows-and-jobs
  const applyRoute = 'GET repos/owner/repo/actions/workflows/apply.yml/runs?per_page=100';
  const rollbackRoute = 'GET repos/owner/repo/actions/workflows/rollback.yml/runs?per_page=100';
  const runOf = (id: number, title: string, status: string) => ({
    id,
    name: title.split(' ')[0],
    display_title: title,
    status,
    conclusion: status === 'completed' ? 'success' : null,
    html_url: `https://github.com/owner/repo/actions/runs/${id}`,
  });
  const routes = (applies: unknown[], rollbacks: unknown[]) => ({
    [applyRoute]: { total_count: applies.length, workflow_runs: applies },
    [rollbackRoute]: { total_count: rollbacks.length, workflow_runs: rollbacks },
  });

  test('refuses, naming the other run, while an older request for the same account waits or runs', () => {
    const result = run('refuse-pending-apply.sh', ['qa'], routes([runOf(200, 'Apply qa at main', 'in_progress'), runOf(100, 'Apply qa at v1', 'waiting')], []), { GITHUB_RUN_ID: '200' });
    expect(result.status).toBe(1);
    expect(result.output).toContain('https://github.com/owner/repo/actions/runs/100');
  });

  test('a rollback requested while an apply of the account waits for approval is refused visibly, naming the apply', () => {
    const result = run('refuse-pending-apply.sh', ['qa'], routes([runOf(100, 'Apply qa at main', 'waiting')], [runOf(200, 'Rollback qa', 'in_progress')]), { GITHUB_RUN_ID: '200' });
    expect(result.status).toBe(1);
    expect(result.output).toContain('Apply qa at main (waiting): https://github.com/owner/repo/actions/runs/100');
  });

  test('an apply requested while a rollback of the account waits or runs is refused visibly, naming the rollback', () => {
    const result = run('refuse-pending-apply.sh', ['qa'], routes([runOf(200, 'Apply qa at main', 'in_progress')], [runOf(100, 'Rollback qa sync-clock 7', 'waiting')]), { GITHUB_RUN_ID: '200' });
    expect(result.status).toBe(1);
    expect(result.output).toContain('Rollback qa sync-clock 7 (waiting): https://github.com/owner/repo/actions/runs/100');
  });

  test('proceeds when the other runs are finished, newer, or for another account', () => {
    const applies = [runOf(300, 'Apply qa at main', 'queued'), runOf(200, 'Apply qa at main', 'in_progress'), runOf(150, 'Apply qa-eu at main', 'waiting'), runOf(100, 'Apply qa at v1', 'completed')];
    const rollbacks = [runOf(160, 'Rollback qa-eu', 'waiting'), runOf(120, 'Rollback qa', 'completed'), runOf(400, 'Rollback qa', 'queued')];
    const result = run('refuse-pending-apply.sh', ['qa'], routes(applies, rollbacks), { GITHUB_RUN_ID: '200' });
    expect(result.status).toBe(0);
  });
});

describe('cancel-stale-applies.sh: an apply still waiting after the approval window is cancelled by the daily run', () => {
  // GET .../actions/workflows/{id}/runs?status=waiting and POST .../actions/runs/{id}/cancel:
  // https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow
  // https://docs.github.com/rest/actions/workflow-runs#cancel-a-workflow-run
  const route = 'GET repos/owner/repo/actions/workflows/apply.yml/runs?status=waiting&per_page=100';
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const waiting = (id: number, title: string, created: string) => ({ id, display_title: title, status: 'waiting', created_at: created });

  test('cancels the runs older than the window and only those, saying so', () => {
    const runs = [waiting(3, 'Apply qa at main', daysAgo(1)), waiting(2, 'Apply qa at v1', daysAgo(3.5)), waiting(1, 'Apply prod at main', daysAgo(20))];
    const result = run('cancel-stale-applies.sh', ['3'], { [route]: { total_count: 3, workflow_runs: runs }, 'POST repos/owner/repo/actions/runs/2/cancel': {}, 'POST repos/owner/repo/actions/runs/1/cancel': {} });
    expect(result.status).toBe(0);
    expect(result.calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['repos/owner/repo/actions/runs/2/cancel', 'repos/owner/repo/actions/runs/1/cancel']);
    expect(result.output).toContain('Cancelled run 2 (Apply qa at v1)');
  });

  test('cancels nothing when every waiting run is within the window, and refuses a window that is not whole days', () => {
    const result = run('cancel-stale-applies.sh', ['3'], { [route]: { total_count: 1, workflow_runs: [waiting(3, 'Apply qa at main', daysAgo(2.9))] } });
    expect([result.status, result.calls.filter((c) => c.method === 'POST')]).toEqual([0, []]);
    expect(run('cancel-stale-applies.sh', ['3d'], {}).status).toBe(1);
  });
});

describe('checks-passed-on-tree.sh: a merge skips the suite only when its very tree passed the checks', () => {
  // GET .../commits/{sha}/pulls, GET .../git/commits/{sha} and GET .../commits/{ref}/check-runs:
  // https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit
  // https://docs.github.com/rest/git/commits#get-a-commit-object
  // https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference
  const merge = sha('a');
  const head = sha('b');
  const routes = (headTree: string, conclusion: string | null, merged = true) => ({
    [`GET repos/owner/repo/git/commits/${merge}`]: { sha: merge, tree: { sha: sha('1') } },
    [`GET repos/owner/repo/git/commits/${head}`]: { sha: head, tree: { sha: headTree } },
    [`GET repos/owner/repo/commits/${merge}/pulls`]: [{ number: 7, merged_at: merged ? '2026-12-06T10:00:00Z' : null, head: { sha: head } }],
    [`GET repos/owner/repo/commits/${head}/check-runs?check_name=checks`]: {
      total_count: 1,
      check_runs: [{ name: 'checks', status: conclusion ? 'completed' : 'in_progress', conclusion }],
    },
  });
  const passed = (r: { githubOutput: string }) => r.githubOutput.trim();

  test('passed=true when the merged pull request\'s head has the same tree and green checks', () => {
    const result = run('checks-passed-on-tree.sh', [], routes(sha('1'), 'success'), { GITHUB_SHA: merge });
    expect([result.status, passed(result)]).toEqual([0, 'passed=true']);
    expect(result.output).toContain(`The checks passed on ${head}`);
  });

  test('passed=false for another tree, checks not green, an unmerged pull request, or an API error', () => {
    expect(passed(run('checks-passed-on-tree.sh', [], routes(sha('2'), 'success'), { GITHUB_SHA: merge }))).toBe('passed=false');
    expect(passed(run('checks-passed-on-tree.sh', [], routes(sha('1'), 'failure'), { GITHUB_SHA: merge }))).toBe('passed=false');
    expect(passed(run('checks-passed-on-tree.sh', [], routes(sha('1'), null), { GITHUB_SHA: merge }))).toBe('passed=false');
    expect(passed(run('checks-passed-on-tree.sh', [], routes(sha('1'), 'success', false), { GITHUB_SHA: merge }))).toBe('passed=false');
    const result = run('checks-passed-on-tree.sh', [], {}, { GITHUB_SHA: merge });
    expect([result.status, passed(result)]).toEqual([0, 'passed=false']);
  });
});

describe('applied-behind.sh: how many commits of main an account\'s last apply is behind', () => {
  // The last apply: the newest terraform/<account> deployment with a success status (last-applied.sh);
  // GET .../compare/{base}...{head}, ahead_by = commits of head not in base:
  // https://docs.github.com/rest/commits/commits#compare-two-commits
  const deployments = 'GET repos/owner/repo/deployments?environment=terraform%2Fstaging&task=terraform-apply&per_page=30';
  const applied = sha('c');
  const main = sha('d');

  test('writes the applied commit and how far main is ahead of it', () => {
    const result = run('applied-behind.sh', ['staging', main], {
      [deployments]: [{ id: 5, sha: applied }],
      'GET repos/owner/repo/deployments/5/statuses?per_page=1': [{ state: 'success' }],
      [`GET repos/owner/repo/compare/${applied}...${main}`]: { status: 'ahead', ahead_by: 4, behind_by: 0, total_commits: 4 },
    });
    expect(result.status).toBe(0);
    expect(result.githubOutput).toBe(`applied=${applied}\nbehind=4\n`);
  });

  test('writes nothing for an account never applied', () => {
    const result = run('applied-behind.sh', ['staging', main], { [deployments]: [] });
    expect([result.status, result.githubOutput]).toEqual([0, '']);
  });

  test('refuses a short main SHA before calling GitHub', () => {
    const result = run('applied-behind.sh', ['staging', 'abc123'], {});
    expect([result.status, result.calls]).toEqual([1, []]);
  });
});

describe('mark-outdated-comments.sh: a plan comment for an account the latest push no longer affects', () => {
  // GET /repos/{owner}/{repo}/issues/{n}/comments: https://docs.github.com/rest/issues/comments#list-issue-comments
  const comment = (id: number, stack: string, login = 'github-actions[bot]', extra = '') => ({
    id,
    user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
    body: `<!-- plan-summary:${stack} -->\n${extra}### Terraform plan: \`${stack}\`\n\nPlanned commit: \`${sha('1')}\``,
  });

  test('is marked outdated with the newer commit, its old plan kept folded, and its marker kept first', () => {
    const targets = path.join(dir, 'targets.json');
    fs.writeFileSync(targets, JSON.stringify([{ account: 'qa', units: 'bootstrap app' }]));
    const routes = {
      'GET repos/owner/repo/issues/7/comments': [comment(1, 'qa'), comment(2, 'other'), comment(3, 'gone', 'someone'), comment(4, 'older', 'github-actions[bot]', '<!-- outdated -->\n'), comment(5, 'qa-bootstrap')],
      'PATCH repos/owner/repo/issues/comments/2': {},
      'PATCH repos/owner/repo/issues/comments/5': {},
    };
    const result = run('mark-outdated-comments.sh', ['7', sha('9'), targets], routes);
    expect(result.status).toBe(0);
    const patches = result.calls.filter((c) => c.method === 'PATCH');
    // A comment of a stack planned on its own before units (qa-bootstrap) is outdated too: the account's comment replaces it.
    expect(patches.map((c) => c.path)).toEqual(['repos/owner/repo/issues/comments/2', 'repos/owner/repo/issues/comments/5']);
    const body = fs.readFileSync(path.join(dir, 'body.md'), 'utf8');
    expect(body.split('\n').slice(0, 2)).toEqual(['<!-- plan-summary:qa-bootstrap -->', '<!-- outdated -->']);
    expect(body).toContain(`**Outdated:** commit \`${sha('9')}\``);
    expect(body).toContain(`<details><summary>Earlier plan</summary>`);
    expect(body).toContain(`Planned commit: \`${sha('1')}\``);
  });

  test('a matrix that is not a list of account names (it comes from a job that ran the pull request) marks nothing', () => {
    const targets = path.join(dir, 'targets.json');
    const routes = { 'GET repos/owner/repo/issues/7/comments': [comment(2, 'other')], 'PATCH repos/owner/repo/issues/comments/2': {} };
    for (const matrix of [[{ account: 'qa\nBASH_ENV=x' }], [{ account: 42 }], { account: 'qa' }, [{ stack: 'qa' }]]) {
      fs.writeFileSync(targets, JSON.stringify(matrix));
      const result = run('mark-outdated-comments.sh', ['7', sha('9'), targets], routes);
      expect([matrix, result.status, result.calls]).toEqual([matrix, 1, []]);
      expect(result.output).toContain('is not a plan matrix of account names');
    }
  });
});

describe('plan-status.sh: the required `plan` check', () => {
  // The needs context reports success, failure, cancelled or skipped per job:
  // https://docs.github.com/actions/reference/workflows-and-actions/contexts#needs-context
  const targets = JSON.stringify([{ account: 'qa', stack: 'qa' }]);
  const status = (env: Record<string, string>) => run('plan-status.sh', [], {}, { FORK: 'false', DEPENDABOT: 'false', SYNTH: 'success', TARGETS: targets, ...env });

  test('green when every affected stack planned, or when none is affected', () => {
    expect(status({ PLAN: 'success' }).status).toBe(0);
    expect(status({ TARGETS: '[]', PLAN: 'skipped' }).status).toBe(0);
  });

  test('red when any stack failed, was cancelled or skipped, when synthesis (with the detection) failed, and for forks', () => {
    expect(status({ PLAN: 'failure' }).status).toBe(1);
    expect(status({ PLAN: 'cancelled' }).status).toBe(1);
    expect(status({ PLAN: 'skipped' }).status).toBe(1);
    expect(status({ SYNTH: 'failure', TARGETS: '', PLAN: 'skipped' }).status).toBe(1);
    expect(status({ FORK: 'true', SYNTH: 'skipped', PLAN: 'skipped' }).output).toContain('forks are not planned');
  });

  test('a Dependabot run that affects a stack is red, saying it was not planned with credentials and how to plan it', () => {
    // Dependabot's runs are told apart by github.actor == 'dependabot[bot]':
    // https://docs.github.com/code-security/dependabot/troubleshooting-dependabot/troubleshooting-dependabot-on-github-actions
    const result = status({ DEPENDABOT: 'true', PLAN: 'skipped' });
    expect(result.status).toBe(1);
    expect(result.output).toContain('not planned with AWS credentials');
    expect(result.output).toContain('git commit --allow-empty');
    // Nothing to plan: nothing withheld.
    expect(status({ DEPENDABOT: 'true', TARGETS: '[]', PLAN: 'skipped' }).status).toBe(0);
  });
});

describe('print-oidc-claims.sh: the subject a job really receives, without AWS', () => {
  // The token request: GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=... with the request token as a
  // bearer, answered {"value": "<JWT>"}: https://docs.github.com/actions/reference/security/oidc#methods-for-requesting-the-oidc-token
  const claims = {
    sub: 'repo:octocat@123456/my-repo@456789:environment:prod:job_workflow_ref:octocat/my-repo/.github/workflows/oidc-subjects.yml@refs/heads/main',
    job_workflow_ref: 'octocat/my-repo/.github/workflows/oidc-subjects.yml@refs/heads/main',
    repository: 'octocat/my-repo',
    repository_id: '456789',
    repository_owner: 'octocat',
    repository_owner_id: '123456',
    ref: 'refs/heads/main',
    environment: 'prod',
    event_name: 'workflow_dispatch',
    aud: 'sts.amazonaws.com',
  };
  const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const jwt = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}.c2lnbmF0dXJl`;

  test('decodes the token, prints the claims and writes the subject to the step outputs, never the token', () => {
    fs.writeFileSync(path.join(dir, 'curl'), `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> "$FAKE_DIR/curl.log"\nprintf '{"count":1,"value":"%s"}' '${jwt}'\n`, { mode: 0o755 });
    const result = run('print-oidc-claims.sh', [], {}, { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/?x=1', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' });
    expect(result.status).toBe(0);
    expect(result.githubOutput).toBe(`sub=${claims.sub}\n`);
    expect(result.output).toContain(`"job_workflow_ref": "${claims.job_workflow_ref}"`);
    expect(result.output).toContain(`::add-mask::${jwt}`);
    expect(result.output.replace(`::add-mask::${jwt}`, '')).not.toContain(jwt);
    expect(fs.readFileSync(path.join(dir, 'curl.log'), 'utf8')).toContain('https://token.example/?x=1&audience=sts.amazonaws.com');
  });

  test('says so when GitHub gave the job no token', () => {
    const result = run('print-oidc-claims.sh', [], {});
    expect(result.status).toBe(1);
    expect(result.output).toContain('no OIDC token');
  });
});
