import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Caches that tools keep under the temp folder and that are meant to outlive a run are links from
 * each test file's scratch folder to the machine's (helpers/scratch-environment.js), so they are
 * neither reported as leftovers nor rebuilt per file. On Node 22, tools that call
 * module.enableCompileCache() without a folder (TypeScript's tsc, ESLint's worker) write
 * <tmpdir>/node-compile-cache (https://nodejs.org/api/module.html#moduleenablecompilecachecachedir):
 * without the link every file that spawned one failed as leaving 'node-compile-cache' behind.
 */
test("a spawned tool's Node compile cache goes to the machine's cache, not the test file's temp folder", () => {
  const script = "const m = require('node:module'); if (m.enableCompileCache) m.enableCompileCache(); require('node:assert');";
  const run = spawnSync(process.execPath, ['-e', script], { env: process.env, encoding: 'utf8' });
  expect(run.status).toBe(0);
  const cache = path.join(os.tmpdir(), 'node-compile-cache');
  expect(fs.lstatSync(cache).isSymbolicLink()).toBe(true);
  expect(path.dirname(fs.readlinkSync(cache))).not.toBe(os.tmpdir());
});

test("tsx's transform cache is linked the same way", () => {
  const cache = path.join(os.tmpdir(), `tsx-${os.userInfo().uid}`);
  expect(fs.lstatSync(cache).isSymbolicLink()).toBe(true);
});
