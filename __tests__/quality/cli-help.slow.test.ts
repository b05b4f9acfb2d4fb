import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyRepo, REPO_ROOT } from '../build/repo-copy';

/**
 * Issue 22 item 6: `--help` was an error on seven commands and `npm run bench -- --help` started
 * the whole bench. Every npm script answers `--help` and `-h` with its usage and exit 0, and does
 * nothing else: run here on a copy of the repository, whose files must be exactly as before.
 */

const scripts = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
/** Scripts whose command is a tool's own (tsc): its help is the usage; ours print `Usage: npm ...`. */
const OWN_ENTRY = /^(tsx|node|bash)\s/;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// A bench or a synth started by mistake must not hold the suite: each answer has a minute.
function npmRun(cwd: string, name: string, flag: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', name, '--', flag], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Every file of the copy with its size and modification time (node_modules is a link to the real one). */
function listing(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => !entry.isSymbolicLink())
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      const stat = fs.statSync(file);
      return `${path.relative(root, file)} ${entry.isDirectory() ? 'dir' : `${stat.size} ${stat.mtimeMs}`}`;
    })
    .sort();
}

describe('every npm script answers --help and -h with its usage, exit 0, and writes nothing', () => {
  const root = copyRepo('cli-help-');
  const before = listing(root);
  const cases = Object.keys(scripts).flatMap((name) => ['--help', '-h'].map((flag) => [name, flag] as const));
  const runs = new Map<string, Promise<Run>>();
  // Two at a time: the machine is shared, and each run is a node or bash start-up.
  const chain: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
  cases.forEach(([name, flag], i) => {
    const run = chain[i % 2].then(() => npmRun(root, name, flag));
    chain[i % 2] = run;
    runs.set(`${name} ${flag}`, run);
  });

  test.each(cases)('npm run %s -- %s', async (name, flag) => {
    const run = await (runs.get(`${name} ${flag}`) as Promise<Run>);
    expect([run.status, run.stderr]).toEqual([0, '']);
    if (OWN_ENTRY.test(scripts[name])) {
      const invocation = name === 'test' ? 'npm test' : `npm run ${name}`;
      expect(run.stdout.split('\n')).toContainEqual(expect.stringMatching(new RegExp(`^Usage: ${invocation.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`)));
    } else {
      expect(run.stdout.trim()).not.toBe('');
    }
  }, 120_000);

  test('nothing in the repository copy was written, created or removed', async () => {
    await Promise.all(runs.values());
    expect(listing(root)).toEqual(before);
  }, 600_000);
});
