import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const created: string[] = [];

/**
 * A new folder in the temp folder, removed after the test file's last test, pass or fail. Usable
 * anywhere in a test file (top level, hooks, tests). Jest gives each test file its own copy of this
 * module, so the afterAll below, registered when a test file first imports it, is that file's.
 * The per-file temp folder (scratch-environment.js) fails a file that leaves anything else behind.
 */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
