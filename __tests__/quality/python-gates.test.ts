import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The Python gates of `npm run lint` (tools/dev/lint-python.sh, configured in pyproject.toml) reject
 * what they exist to reject: a shell-injection pattern (ruff's flake8-bandit rules), an untyped
 * function (mypy --strict) and unformatted code (ruff format --check). A handler the scaffolding
 * writes, or anyone adds, meets the same configuration.
 */
const REPO_ROOT = resolve(__dirname, '..', '..');
const VENV_BIN = join(REPO_ROOT, '.venv', 'bin');

// A handler with one problem per gate: shell=True with input from the event
// (https://docs.astral.sh/ruff/rules/subprocess-popen-with-shell-equals-true: "Derived from the
// flake8-bandit linter"), a function without annotations (mypy --strict's disallow_untyped_defs),
// and a call spread over lines the formatter joins.
const BAD_HANDLER = [
  'import subprocess',
  '',
  '',
  'def handler(event, context):',
  '    return subprocess.run(event["command"], shell=True, check=False).returncode',
  '',
  '',
  'def joined() -> list[int]:',
  '    return list(',
  '        range(3)',
  '    )',
  '',
].join('\n');

const GOOD_HANDLER = [
  'from typing import Any',
  '',
  '',
  'def handler(event: dict[str, Any], context: object) -> dict[str, Any]:',
  '    return {"statusCode": 200, "body": str(len(event))}',
  '',
].join('\n');

function run(tool: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(join(VENV_BIN, tool), args, { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('Python lint, format and type gates', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(join(VENV_BIN, 'ruff'))) throw new Error('No .venv with ruff: run `npm run setup:python` first');
    dir = mkdtempSync(join(tmpdir(), 'python-gates-'));
    writeFileSync(join(dir, 'bad_handler.py'), BAD_HANDLER);
    writeFileSync(join(dir, 'good_handler.py'), GOOD_HANDLER);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('ruff reports a subprocess started with a shell (bandit S602)', () => {
    const result = run('ruff', ['check', '--config', 'pyproject.toml', '--no-cache', '--output-format', 'concise', join(dir, 'bad_handler.py')]);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/S602/);
  });

  test('ruff format --check fails on code the formatter would change', () => {
    const result = run('ruff', ['format', '--config', 'pyproject.toml', '--no-cache', '--check', join(dir, 'bad_handler.py')]);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/would be reformatted/);
  });

  test('mypy --strict reports a handler without type annotations', () => {
    const result = run('mypy', ['--config-file', 'pyproject.toml', '--no-incremental', join(dir, 'bad_handler.py')]);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/\[no-untyped-def\]/);
  });

  test('a typed, formatted handler passes all three', () => {
    const good = join(dir, 'good_handler.py');
    expect(run('ruff', ['check', '--config', 'pyproject.toml', '--no-cache', good]).status).toBe(0);
    expect(run('ruff', ['format', '--config', 'pyproject.toml', '--no-cache', '--check', good]).status).toBe(0);
    expect(run('mypy', ['--config-file', 'pyproject.toml', '--no-incremental', good])).toEqual({ status: 0, output: expect.stringMatching(/Success/) });
  });
});
