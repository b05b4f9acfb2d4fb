import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DATABASE_ADMIN } from '../../catalogue/database-admin';
import { commentMarker } from '../../tools/ci/plan-summary';

/**
 * The shell scripts the workflows run, driven against fake `aws` and `gh` commands on PATH that
 * record every call and answer from fixture files: what the script decides is what is tested.
 */

const SCRIPTS = path.resolve(__dirname, '..', '..', '.github', 'scripts');
let dir: string;

const FAKE = `#!/usr/bin/env bash
printf '%s\\n' "$(basename "$0") $*" >> "$FAKE_DIR/calls.log"
for arg in "$@"; do
  case "$arg" in body=@*) cat "\${arg#body=@}" > "$FAKE_DIR/last-body.md" ;; esac
done
if [ "$(basename "$0")" = aws ]; then
  cp "$FAKE_DIR/report.json" "\${@: -1}"
  cat "$FAKE_DIR/response.json"
elif [ "$1" = api ] && [ "$2" = --paginate ]; then
  cat "$FAKE_DIR/listing.json"
elif [ "$1" = api ] && [ -f "$FAKE_DIR/answer.txt" ]; then
  cat "$FAKE_DIR/answer.txt"
fi
`;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'github-scripts-'));
  for (const name of ['aws', 'gh']) fs.writeFileSync(path.join(dir, name), FAKE, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'calls.log'), '');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function runScript(script: string, args: string[], extraEnv: Record<string, string> = {}) {
  const result = spawnSync(path.join(SCRIPTS, script), args, {
    encoding: 'utf8',
    env: { PATH: `${dir}:${process.env.PATH}`, FAKE_DIR: dir, GITHUB_REPOSITORY: 'owner/repo', GH_TOKEN: 'not-a-token', ...extraEnv },
  });
  const calls = fs.readFileSync(path.join(dir, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean);
  return { status: result.status, output: `${result.stdout}${result.stderr}`, calls };
}
const write = (name: string, value: unknown) => fs.writeFileSync(path.join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));

describe('post-deploy-checks.sh', () => {
  const checks = [
    { name: 'database-reachable', passed: true, detail: 'ok', durationMilliseconds: 12 },
    { name: 'bucket-reachable', passed: false, detail: 'AccessDenied', durationMilliseconds: 3 },
  ];

  test('passes when the test-runner report says passed, invoking the live alias', () => {
    write('response.json', { StatusCode: 200, ExecutedVersion: '7' });
    write('report.json', { passed: true, checks: [checks[0]] });
    const { status, calls } = runScript('post-deploy-checks.sh', ['lambda-test-runner']);
    expect(status).toBe(0);
    expect(calls[0]).toMatch(/^aws lambda invoke --function-name lambda-test-runner --qualifier live --payload \{\} /);
  });

  test('fails and names the failed checks when the report does not pass', () => {
    write('response.json', { StatusCode: 200 });
    write('report.json', { passed: false, checks });
    const { status, output } = runScript('post-deploy-checks.sh', ['lambda-test-runner']);
    expect(status).toBe(1);
    expect(output).toContain('::error::post-deploy checks of lambda-test-runner failed: bucket-reachable');
  });

  test('fails when the function itself raised an error', () => {
    write('response.json', { StatusCode: 200, FunctionError: 'Unhandled' });
    write('report.json', { errorType: 'ImportModuleError', errorMessage: 'No module named pg8000' });
    const { status, output } = runScript('post-deploy-checks.sh', ['lambda-test-runner']);
    expect(status).toBe(1);
    expect(output).toContain('ImportModuleError');
  });
});

describe('database-admin.sh', () => {
  test('invokes each action in order with its payload and passes when every report passed', () => {
    write('response.json', { StatusCode: 200 });
    write('report.json', { action: 'migrate', passed: true, detail: 'schema version 1 (nothing to apply)' });
    const { status, calls } = runScript('database-admin.sh', ['database-admin', 'bootstrap', 'migrate']);
    expect(status).toBe(0);
    expect(calls).toEqual([
      expect.stringMatching(/^aws lambda invoke --function-name database-admin --payload \{"action":"bootstrap"\} /),
      expect.stringMatching(/^aws lambda invoke --function-name database-admin --payload \{"action":"migrate"\} /),
    ]);
  });

  test('stops at the first action whose report did not pass, naming its detail', () => {
    write('response.json', { StatusCode: 200 });
    write('report.json', { action: 'bootstrap', passed: false, detail: 'DB_MASTER_SECRET_ARN is not set' });
    const { status, calls, output } = runScript('database-admin.sh', ['database-admin', 'bootstrap', 'migrate']);
    expect(status).toBe(1);
    expect(calls).toHaveLength(1);
    expect(output).toContain('::error::database-admin bootstrap failed: DB_MASTER_SECRET_ARN is not set');
  });

  test('fails when the function itself raised an error', () => {
    write('response.json', { StatusCode: 200, FunctionError: 'Unhandled' });
    write('report.json', { errorType: 'Runtime.ImportModuleError', errorMessage: 'No module named pg8000' });
    const { status, output } = runScript('database-admin.sh', ['database-admin', 'migrate']);
    expect(status).toBe(1);
    expect(output).toContain('Runtime.ImportModuleError');
  });

  test('without actions it runs what every apply runs: the deploy actions of catalogue/database-admin.ts', () => {
    write('response.json', { StatusCode: 200 });
    write('report.json', { passed: true });
    const { status, calls } = runScript('database-admin.sh', ['database-admin']);
    expect(status).toBe(0);
    expect(calls.map((call) => /--payload \{"action":"(\w+)"\}/.exec(call)?.[1])).toEqual([...DATABASE_ADMIN.deployActions]);
  });
});

describe('upsert-pr-comment.sh', () => {
  const summary = () => {
    const file = path.join(dir, 'dev.md');
    fs.writeFileSync(file, `${commentMarker('dev')}\n### Terraform plan: \`dev\`\n`);
    return file;
  };

  test("updates the bot's existing comment for the account", () => {
    write('listing.json', [
      { id: 11, user: { login: 'someone' }, body: `${commentMarker('dev')}\nquoted by a human` },
      { id: 12, user: { login: 'github-actions[bot]' }, body: `${commentMarker('staging')}\n...` },
      { id: 13, user: { login: 'github-actions[bot]' }, body: `${commentMarker('dev')}\nold plan` },
    ]);
    const { status, calls } = runScript('upsert-pr-comment.sh', ['42', summary()]);
    expect(status).toBe(0);
    expect(calls[1]).toBe(`gh api --method PATCH repos/owner/repo/issues/comments/13 -F body=@${path.join(dir, 'dev.md')} --silent`);
    expect(fs.readFileSync(path.join(dir, 'last-body.md'), 'utf8')).toContain(commentMarker('dev'));
  });

  test('creates a comment when the account has none yet', () => {
    write('listing.json', [{ id: 12, user: { login: 'github-actions[bot]' }, body: `${commentMarker('staging')}\n...` }]);
    const { status, calls } = runScript('upsert-pr-comment.sh', ['42', summary()]);
    expect(status).toBe(0);
    expect(calls[1]).toMatch(/^gh api --method POST repos\/owner\/repo\/issues\/42\/comments /);
  });

  test('refuses a file that is not a plan summary', () => {
    fs.writeFileSync(path.join(dir, 'other.md'), 'hello\n');
    const { status, calls } = runScript('upsert-pr-comment.sh', ['42', path.join(dir, 'other.md')]);
    expect(status).toBe(1);
    expect(calls).toEqual([]);
  });
});

describe('upsert-drift-issue.sh', () => {
  const summary = () => {
    const file = path.join(dir, 'staging.md');
    fs.writeFileSync(file, `${commentMarker('staging')}\n### Terraform plan: \`staging\`\n`);
    return file;
  };
  const RUN = 'https://github.com/owner/repo/actions/runs/1';

  test('opens a labelled issue when an account drifts and none is open', () => {
    write('listing.json', []);
    const { status, calls } = runScript('upsert-drift-issue.sh', ['staging', summary(), 'drift', RUN]);
    expect(status).toBe(0);
    expect(calls.some((c) => c.startsWith('gh label create drift'))).toBe(true);
    expect(calls.at(-1)).toMatch(/^gh api --method POST repos\/owner\/repo\/issues -f title=Drift detected in staging -F body=@\S+ -f labels\[\]=drift/);
  });

  test("updates the account's open drift issue instead of opening another", () => {
    write('listing.json', [
      { number: 5, body: `${commentMarker('dev')}\n...` },
      { number: 6, body: `${commentMarker('staging')}\n...` },
    ]);
    const { status, calls } = runScript('upsert-drift-issue.sh', ['staging', summary(), 'drift', RUN]);
    expect(status).toBe(0);
    expect(calls.at(-1)).toMatch(/^gh api --method PATCH repos\/owner\/repo\/issues\/6 -f title=Drift detected in staging -F body=@/);
  });

  test('closes the open issue once the account matches its configuration again', () => {
    write('listing.json', [{ number: 6, body: `${commentMarker('staging')}\n...` }]);
    const { status, calls } = runScript('upsert-drift-issue.sh', ['staging', summary(), 'clean', RUN]);
    expect(status).toBe(0);
    expect(calls.at(-1)).toBe('gh api --method PATCH repos/owner/repo/issues/6 -f state=closed -f state_reason=completed --silent');
  });

  test('does nothing for a clean account without an open issue', () => {
    write('listing.json', []);
    const { status, calls } = runScript('upsert-drift-issue.sh', ['staging', summary(), 'clean', RUN]);
    expect(status).toBe(0);
    expect(calls).toHaveLength(1);
  });
});

describe('reviewed-commit.sh', () => {
  // A remote with main and an unmerged branch, cloned in full as actions/checkout (fetch-depth: 0) does.
  let remote: string;
  let clone: string;
  const shas: Record<string, string> = {};
  const git = (cwd: string, ...args: string[]) => {
    const result = spawnSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
    });
    if (result.status !== 0) throw new Error(result.stderr);
    return result.stdout.trim();
  };
  const commitOn = (name: string) => {
    fs.writeFileSync(path.join(remote, 'file.txt'), name);
    git(remote, 'add', 'file.txt');
    git(remote, 'commit', '--quiet', '-m', name);
    shas[name] = git(remote, 'rev-parse', 'HEAD');
  };
  const reviewed = (ref: string, cwd = clone) => {
    const result = spawnSync(path.join(SCRIPTS, 'reviewed-commit.sh'), [ref], { cwd, encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
  };

  beforeAll(() => {
    remote = fs.mkdtempSync(path.join(os.tmpdir(), 'reviewed-remote-'));
    git(remote, 'init', '--quiet', '--initial-branch=main');
    commitOn('first');
    commitOn('second');
    git(remote, 'tag', 'v1', shas.first);
    git(remote, 'checkout', '--quiet', '-b', 'feature');
    commitOn('unreviewed');
    git(remote, 'tag', 'v2-unreviewed');
    git(remote, 'checkout', '--quiet', 'main');
    clone = fs.mkdtempSync(path.join(os.tmpdir(), 'reviewed-clone-'));
    git(clone, 'clone', '--quiet', remote, '.');
  });
  afterAll(() => {
    fs.rmSync(remote, { recursive: true, force: true });
    fs.rmSync(clone, { recursive: true, force: true });
  });

  test('main, an older commit of main and a tag on main resolve to their SHA', () => {
    expect(reviewed('main')).toMatchObject({ status: 0, stdout: shas.second });
    expect(reviewed('refs/heads/main')).toMatchObject({ status: 0, stdout: shas.second });
    expect(reviewed(shas.first)).toMatchObject({ status: 0, stdout: shas.first });
    expect(reviewed('v1')).toMatchObject({ status: 0, stdout: shas.first });
  });

  test('an unmerged branch, its commit or a tag on it is refused', () => {
    for (const ref of ['feature', 'refs/heads/feature', shas.unreviewed, 'v2-unreviewed']) {
      const result = reviewed(ref);
      expect([ref, result.status, result.stdout]).toEqual([ref, 1, '']);
      expect(result.stderr).toContain('is not on main');
    }
  });

  test('an unknown ref and option-like or expression refs are refused', () => {
    for (const ref of ['no-such-branch', '--upload-pack=touch', 'main~1', 'feature..main', 'main^{tree}']) {
      expect([ref, reviewed(ref).status, reviewed(ref).stdout]).toEqual([ref, 1, '']);
    }
  });

  test('a shallow checkout is refused: ancestry cannot be decided without the history', () => {
    const shallow = fs.mkdtempSync(path.join(os.tmpdir(), 'reviewed-shallow-'));
    try {
      git(shallow, 'clone', '--quiet', '--depth', '1', `file://${remote}`, '.');
      const result = reviewed('main', shallow);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('fetch-depth: 0');
    } finally {
      fs.rmSync(shallow, { recursive: true, force: true });
    }
  });
});

// A new account's first merge holds the data unit; the app unit then waits and no function exists,
// so database-admin, the release and the post-deploy checks must not run yet (deploy.yml, apply.yml).
describe('functions-ready.sh', () => {
  const results = (app?: { status: string; reason?: string }) => [
    { unit: 'foundation', stack: 'dev-foundation', status: 'applied' },
    { unit: 'data', stack: 'dev-data', status: 'held', reason: 'data requires approval: applied through apply.yml' },
    ...(app ? [{ unit: 'app', stack: 'dev-app', ...app }] : []),
  ];

  test.each(['held', 'waiting'])('is false, with a notice naming the app unit and why, when the app unit is %s', (status) => {
    write('results.json', results({ status, reason: 'app waits on data: data is held for approval' }));
    const run = runScript('functions-ready.sh', [path.join(dir, 'results.json')]);
    expect(run.status).toBe(0);
    expect(run.output).toMatch(new RegExp(`^::notice::database-admin, the release and the post-deploy checks wait until the functions exist: dev-app ${status}: app waits on data`, 'm'));
    const lines = run.output.trim().split('\n');
    expect([lines.includes('false'), lines.includes('true')]).toEqual([true, false]);
  });

  test.each([['applied'], ['unchanged'], ['planned']])('is true when the app unit is %s', (status) => {
    write('results.json', results({ status }));
    expect(runScript('functions-ready.sh', [path.join(dir, 'results.json')]).output.trim()).toBe('true');
  });

  test('is true when the change did not touch the app unit (its functions exist already)', () => {
    write('results.json', results());
    expect(runScript('functions-ready.sh', [path.join(dir, 'results.json')]).output.trim()).toBe('true');
  });
});
