import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ACCOUNTS_DIR } from '../../environments/load';

/** A temp accounts folder holding the real account files plus the given fixture files. */
export function accountsDirWith(...fixtures: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accounts-'));
  for (const name of fs.readdirSync(ACCOUNTS_DIR)) fs.copyFileSync(path.join(ACCOUNTS_DIR, name), path.join(dir, name));
  for (const fixture of fixtures) fs.copyFileSync(fixture, path.join(dir, path.basename(fixture)));
  return dir;
}

export const QA_FIXTURE = path.join(__dirname, '..', 'fixtures', 'accounts', 'qa.ts');
