import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/temp';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** What a clone holds that the build and synth read. */
const SOURCES = ['main.ts', 'cdktf.json', 'package.json', 'tsconfig.json', 'aws', 'environments', 'stacks', 'constructs', 'rules', 'iam', 'catalogue', 'lambda-functions', 'build', 'tools'];
/** What a clone holds besides: the tests, their configuration and the files they compare against. */
const TEST_SOURCES = [
  '__tests__', 'jest.config.js', 'pytest.ini', 'pyproject.toml', 'requirements-dev.txt', 'README.md', '.checkov.yaml', '.github', 'docs',
  // The docs generator (tools/docs/) that the configuration-reference test runs.
  'tools',
  // Read by the tool-version and README-command tests, which the scaffolding acceptance test runs on the copy.
  '.ci', '.nvmrc', '.python-version', '.terraform-version',
  // Read by the synth-gate test (the committed provider lock) and the native-module test (the npm lock).
  '.terraform.lock.hcl', 'package-lock.json',
  // Read by the README layout test (what git ignores is no folder of the repository).
  '.gitignore',
];
const GENERATED = /(^|[\\/])(\.venv|__pycache__|\.pytest_cache|\.build|node_modules|cdktf\.out)([\\/]|$)/;

/** Sources only: generated folders stay behind, and so do sockets or pipes a test run left in the tree. */
function isSource(from: string): boolean {
  if (GENERATED.test(path.relative(REPO_ROOT, from))) return false;
  try {
    const stat = fs.lstatSync(from);
    return stat.isFile() || stat.isDirectory();
  } catch {
    return false;
  }
}

/**
 * A fresh copy of the repository's sources (like a clone) under a new temp folder (removed after the test file), with
 * node_modules linked. `depth` nests it deeper so two copies differ in path length too.
 * `withTests` adds the tests and what they read, links .venv and copies the build cache (so the
 * copy's first build is warm); the caller removes the temp folder.
 */
export function copyRepo(prefix: string, depth = 0, { withTests = false } = {}): string {
  let dir = tempDir(prefix);
  for (let i = 0; i < depth; i++) dir = path.join(dir, `level-${i}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const source of SOURCES) {
    fs.cpSync(path.join(REPO_ROOT, source), path.join(dir, source), {
      recursive: true,
      filter: isSource,
    });
  }
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  if (withTests) {
    for (const source of TEST_SOURCES.filter((s) => fs.existsSync(path.join(REPO_ROOT, s)))) {
      fs.cpSync(path.join(REPO_ROOT, source), path.join(dir, source), { recursive: true, filter: isSource });
    }
    fs.symlinkSync(path.join(REPO_ROOT, '.venv'), path.join(dir, '.venv'));
    if (fs.existsSync(path.join(REPO_ROOT, '.build'))) fs.cpSync(path.join(REPO_ROOT, '.build'), path.join(dir, '.build'), { recursive: true });
  }
  return dir;
}

/** Copies just lambda-functions/ and catalogue/ into a new root: enough for buildArtifacts({ rootDir }) and new:function. */
export function copyFunctionSources(prefix: string): string {
  const dir = tempDir(prefix);
  for (const source of ['lambda-functions', 'catalogue']) {
    fs.cpSync(path.join(REPO_ROOT, source), path.join(dir, source), { recursive: true, filter: isSource });
  }
  return dir;
}

/** Every file under a folder, as sorted relative paths. */
export function listTree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** Sets every file's modification time, as a checkout at another moment would. */
export function touchTree(dir: string, when: Date): void {
  for (const file of listTree(dir)) fs.utimesSync(path.join(dir, file), when, when);
}
