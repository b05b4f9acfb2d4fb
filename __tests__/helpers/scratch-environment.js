// The jest environment of every test file: node's, plus a scratch folder of its own as the temp
// folder (TMPDIR, which os.tmpdir(), Python's tempfile, Terraform and the apps the tests spawn
// all honour). When the file ends, pass or fail, the folder is removed; anything the file left in
// it fails the file with the names of the leftovers, so a test that does not clean up is caught
// where it is written. Plain CommonJS: jest loads environments without transforming them.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

// cdktf's Testing helpers (synthScope, synth, fullSynth) synthesize into a fresh
// mkdtemp(os.tmpdir()/cdktf.outdir.) folder and never remove it; that is cdktf's, not a test's.
const CDKTF_TESTING_OUTDIR = /^cdktf\.outdir\./;
// tsx keeps its transform cache in <tmpdir>/tsx-<uid>, a cache meant to outlive runs (like
// ~/.cache): the scratch folder links to the machine's one, so spawned apps start warm.
const TSX_CACHE = `tsx-${os.userInfo().uid}`;
// Node 22's module compile cache: a tool that calls module.enableCompileCache() without a folder
// (TypeScript's tsc, ESLint's worker) writes it to <tmpdir>/node-compile-cache
// (https://nodejs.org/api/module.html#moduleenablecompilecachecachedir). Also a cache meant to
// outlive runs, linked the same way.
const NODE_COMPILE_CACHE = 'node-compile-cache';
const CACHES = [TSX_CACHE, NODE_COMPILE_CACHE];

// A jest worker that has run this suite's files holds a large heap (cdktf, the provider bindings,
// the AWS SDK): when jest ends it, its event loop is empty at once (no handle is left open), but
// Node's natural exit then tears the whole heap down, measured at 350-600 ms on a busy 2-core
// machine. Jest force-kills a worker still alive 500 ms after asking it to end and reports it as a
// leak ("A worker process has failed to exit gracefully"), on every full run. process.exit() skips
// that teardown (https://nodejs.org/api/process.html#processexitcode): called from the 'exit'
// event, once the loop is already empty, it ends the process with the same code, at once.
// Only in jest's worker processes (JEST_WORKER_ID), never in a run in band.
if (process.env.JEST_WORKER_ID && process.send && !process.listeners('exit').some((l) => l.name === 'exitWithoutHeapTeardown')) {
  process.on('exit', function exitWithoutHeapTeardown(code) {
    process.exit(code);
  });
}

class ScratchEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async setup() {
    await super.setup();
    const parent = os.tmpdir();
    this.previousTmpdir = process.env.TMPDIR;
    this.scratch = fs.mkdtempSync(path.join(parent, 'jest-'));
    for (const cache of CACHES) {
      fs.mkdirSync(path.join(parent, cache), { recursive: true });
      fs.symlinkSync(path.join(parent, cache), path.join(this.scratch, cache));
    }
    // The worker's own environment (os.tmpdir(), children spawned without `env`) and the copy the
    // test file sees as process.env (children spawned with `env: process.env`).
    process.env.TMPDIR = this.scratch;
    this.global.process.env.TMPDIR = this.scratch;
  }

  async teardown() {
    try {
      if (this.previousTmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = this.previousTmpdir;
      const leftovers = fs
        .readdirSync(this.scratch)
        .filter((name) => !CACHES.includes(name) && !CDKTF_TESTING_OUTDIR.test(name));
      if (leftovers.length > 0) {
        throw new Error(
          `${path.relative(process.cwd(), this.testPath)} left ${leftovers.join(', ')} in its temp folder: ` +
            'remove every temp file, folder, server and process in a finally block or an afterAll/afterEach hook',
        );
      }
    } finally {
      fs.rmSync(this.scratch, { recursive: true, force: true });
      await super.teardown();
    }
  }
}

module.exports = ScratchEnvironment;
