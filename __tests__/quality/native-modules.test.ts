import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/terraform';

/**
 * Every native module `npm ci` installs must load on the Node.js that .nvmrc pins, without a
 * compiler: install scripts do not run here (npm 11 runs none unless approved, and the CI setup
 * action turns them off), so nothing is built at install time.
 *
 * A native addon loads on a Node.js release when either
 * - it is a Node-API addon: "ABI stable across versions of Node.js ... modules compiled for one
 *   major version run on later major versions without recompilation"
 *   (https://nodejs.org/api/n-api.html). Node looks such an addon up by the symbol
 *   `napi_register_module_v1` (NAPI_MODULE_INITIALIZER_BASE in src/node_api.h) or registers it
 *   through `napi_module_register`, and it links no V8 C++ symbol (mangled `_ZN2v8...`); or
 * - it is built against V8/NAN for exactly that release line's NODE_MODULE_VERSION (ABI), as in
 *   prebuildify's `node.abi<N>.node` file names (https://github.com/prebuild/prebuildify#usage):
 *   https://nodejs.org/en/learn/modules/abi-stability. The ABI of each release line comes from
 *   node-abi's registry (the table prebuild-install itself uses), which is in the install.
 *
 * The packages come from package-lock.json: those with an install script (npm sets
 * hasInstallScript for a binding.gyp too) and the platform packages (os/cpu/libc) that ship the
 * binaries, for the platform CI and these machines run: Linux x64 with glibc.
 */

interface LockPackage {
  version: string;
  hasInstallScript?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockPackage> };
const nvmrc = fs.readFileSync(path.join(REPO_ROOT, '.nvmrc'), 'utf8').trim();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeAbi = require('node-abi') as { getAbi(target: string, runtime: string): string };
const abi = nodeAbi.getAbi(/^\d+$/.test(nvmrc) ? `${nvmrc}.0.0` : nvmrc, 'node');

const PLATFORM = { os: 'linux', cpu: 'x64', libc: 'glibc' };
const installedHere = (pkg: LockPackage) =>
  (!pkg.os || pkg.os.includes(PLATFORM.os)) && (!pkg.cpu || pkg.cpu.includes(PLATFORM.cpu)) && (!pkg.libc || pkg.libc.includes(PLATFORM.libc));
const isPlatformPackage = (pkg: LockPackage) => Boolean(pkg.os || pkg.cpu || pkg.libc);

function addonFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile() && entry.name.endsWith('.node'))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/** The addons of a package built for Linux x64 glibc: a platform package's own, or prebuilds/linux-x64 (not musl). */
function linuxAddons(dir: string, pkg: LockPackage): string[] {
  const files = addonFiles(dir);
  if (isPlatformPackage(pkg)) return files;
  return files.filter((file) => file.split(path.sep).join('/').includes('linux-x64/') && !file.includes('.musl.'));
}

function isNodeApi(file: string): boolean {
  const bytes = fs.readFileSync(file);
  const has = (symbol: string) => bytes.includes(Buffer.from(symbol));
  return (has('napi_register_module_v1') || has('napi_module_register')) && !has('_ZN2v8');
}

const native = Object.entries(lock.packages)
  .filter(([key, pkg]) => key.startsWith('node_modules/') && installedHere(pkg) && (pkg.hasInstallScript || isPlatformPackage(pkg)))
  .map(([key, pkg]) => ({ key, pkg, dir: path.join(REPO_ROOT, key), addons: linuxAddons(path.join(REPO_ROOT, key), pkg) }));

describe(`native modules of the install on Node.js ${nvmrc} (.nvmrc; ABI ${abi})`, () => {
  test('the lock file has native modules for this platform to check (the selection is not empty)', () => {
    expect(native.filter((n) => n.addons.length > 0).length).toBeGreaterThan(0);
  });

  test.each(native.filter((n) => n.addons.length > 0).map((n) => [n.key, n] as const))('%s is Node-API or ships a prebuild for the pinned ABI', (_key, { dir, addons }) => {
    const loadable = addons.filter((file) => isNodeApi(path.join(dir, file)) || path.basename(file).includes(`abi${abi}.`));
    expect([addons, loadable.length > 0]).toEqual([addons, true]);
  });

  // A package whose install script would fetch or build its binary (esbuild, @swc/core ...) gets it
  // from an optional platform package instead; that package must be in the lock for this platform.
  test.each(native.filter((n) => n.addons.length === 0 && !isPlatformPackage(n.pkg)).map((n) => [n.key, n] as const))(
    '%s, with an install script and no addon of its own, gets its binary from a platform package in the lock',
    (key, { dir, pkg }) => {
      // A binding.gyp without a prebuild would have to be compiled at install, which never happens here.
      expect([key, fs.existsSync(path.join(dir, 'binding.gyp'))]).toEqual([key, false]);
      const platformPackages = Object.keys(pkg.optionalDependencies ?? {})
        .map((name) => lock.packages[`${key}/node_modules/${name}`] ?? lock.packages[`node_modules/${name}`])
        .filter((dep): dep is LockPackage => dep !== undefined && isPlatformPackage(dep) && installedHere(dep));
      expect([key, platformPackages.length]).toEqual([key, 1]);
    },
  );

  // The ABI match above reads the prebuild's file name: every V8-bound addon must carry its ABI there.
  test('every addon that is not Node-API names the ABI it was built for', () => {
    const bound = native.flatMap(({ key, dir, addons }) => addons.filter((file) => !isNodeApi(path.join(dir, file))).map((file) => `${key}/${file}`));
    for (const file of bound) expect(path.basename(file)).toMatch(/(^|\.)abi\d+\./);
  });
});
