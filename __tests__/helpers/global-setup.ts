import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildArtifacts } from '../../build/build-artifacts';
import { SHARED_DIR_ENV } from './terraform';

/**
 * Before any test file: stacks reference the built zips, so every run starts from an up-to-date
 * build (a no-op when warm); and a folder shared by the run's test files (the shared synth,
 * helpers/terraform.ts), named in the environment the workers inherit and removed by the global
 * teardown.
 */
export default async function globalSetup(): Promise<void> {
  await buildArtifacts();
  process.env[SHARED_DIR_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), 'jest-shared-'));
}
