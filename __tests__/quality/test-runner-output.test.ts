import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/temp';
import { REPO_ROOT } from '../helpers/terraform';

/**
 * Issue 22 item 6: `npm test` printed pytest's output only after jest ended. tools/dev/test.sh runs
 * both side by side; pytest's lines now show as they come, prefixed "pytest | ", and its closing
 * line ("N passed in ...") is repeated as the run's last line, after jest's summary. Stand-ins take
 * the two runners' places (INFRA_TEST_JEST, INFRA_TEST_PYTEST), so the order is deterministic:
 * the jest stand-in ends only once the pytest stand-in has printed its first line.
 */

function standIns(dir: string, pytestStatus: number): { jest: string; pytest: string } {
  const started = path.join(dir, 'pytest-started');
  const jestDone = path.join(dir, 'jest-done');
  const pytest = path.join(dir, 'pytest.sh');
  const jest = path.join(dir, 'jest.sh');
  fs.writeFileSync(
    pytest,
    `echo "collected 3 items"\ntouch ${started}\nfor i in $(seq 200); do [ -e ${jestDone} ] && break; sleep 0.05; done\necho "lambda-functions/x/tests/test_x.py ...  [100%]"\necho "============ 3 passed in 0.12s ============"\nexit ${pytestStatus}\n`,
  );
  fs.writeFileSync(
    jest,
    `for i in $(seq 200); do [ -e ${started} ] && break; sleep 0.05; done\nsleep 0.5\necho "Tests:       7 passed, 7 total" >&2\necho "Ran all test suites." >&2\ntouch ${jestDone}\n`,
  );
  return { jest: `bash ${jest}`, pytest: `bash ${pytest}` };
}

function runTestSh(pytestStatus: number): { status: number | null; lines: string[] } {
  const dir = tempDir('test-sh-');
  const { jest, pytest } = standIns(dir, pytestStatus);
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp);
  // One stream, as a terminal or a CI log shows them: jest writes to stderr, pytest's lines to stdout.
  const result = spawnSync('bash', ['-c', 'bash tools/dev/test.sh 2>&1'], {
    cwd: REPO_ROOT,
    env: { ...process.env, INFRA_TEST_JEST: jest, INFRA_TEST_PYTEST: pytest, TMPDIR: tmp, TF_PROVIDER_MIRROR_SEARCH: 'off' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, lines: result.stdout.split('\n').filter((line) => line !== '') };
}

test("pytest's lines stream beside jest, prefixed, and its closing line is the run's last", () => {
  const { status, lines } = runTestSh(0);
  expect(status).toBe(0);
  const first = lines.indexOf('pytest | collected 3 items');
  const jestSummary = lines.indexOf('Tests:       7 passed, 7 total');
  expect(first).toBeGreaterThanOrEqual(0);
  // Shown while jest was still running, not held until it ended.
  expect(first).toBeLessThan(jestSummary);
  expect(lines).toContain('pytest | ============ 3 passed in 0.12s ============');
  expect(lines[lines.length - 1]).toBe('pytest: ============ 3 passed in 0.12s ============');
});

test("a pytest failure still fails the run, after both runners' output", () => {
  const { status, lines } = runTestSh(1);
  expect(status).toBe(1);
  expect(lines).toContain('Tests:       7 passed, 7 total');
  expect(lines.slice(-2)).toEqual(['pytest: ============ 3 passed in 0.12s ============', 'pytest failed (exit 1)']);
});
