import * as fs from 'node:fs';
import { SHARED_DIR_ENV } from './terraform';

/** After the last test file, pass or fail: the run's shared folder goes (helpers/global-setup.ts). */
export default async function globalTeardown(): Promise<void> {
  const shared = process.env[SHARED_DIR_ENV];
  if (shared) fs.rmSync(shared, { recursive: true, force: true });
}
