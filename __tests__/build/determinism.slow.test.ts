import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { copyRepo, listTree, REPO_ROOT, touchTree } from './repo-copy';
import { realAccounts } from '../helpers/accounts';
import { FUNCTIONS, LAYER_NAMES } from '../../catalogue';
import { accountStacks } from '../../stacks/app';

const accounts = realAccounts();
const run = promisify(execFile);

/** `npm run synth` in a copy: build + synth into the copy's cdktf.out, in the given time zone. */
async function synthIn(dir: string, tz: string): Promise<void> {
  await run(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: dir,
    env: { ...process.env, TZ: tz, CDKTF_OUTDIR: path.join(dir, 'cdktf.out'), INFRA_OVERRIDES_FILE: '' },
    maxBuffer: 16 * 1024 * 1024,
  });
}

describe('two clones at different paths, times and time zones', () => {
  let first: string;
  let second: string;

  beforeAll(async () => {
    first = copyRepo('clone-a-');
    second = copyRepo('clone-b-', 3);
    touchTree(second, new Date('2001-02-03T04:05:06Z'));
    await Promise.all([synthIn(first, 'UTC'), synthIn(second, 'Asia/Tokyo')]);
  }, 300_000);

  test('build byte-identical function and layer zips and manifest', () => {
    const zips = listTree(path.join(first, '.build')).filter((file) => file.endsWith('.zip') || file === 'manifest.json');
    expect(zips).toEqual(expect.arrayContaining([...FUNCTIONS.map((fn) => `functions/${fn.name}.zip`), ...LAYER_NAMES.map((layer) => `layers/${layer}.zip`), 'manifest.json']));
    expect(listTree(path.join(second, '.build')).filter((file) => file.endsWith('.zip') || file === 'manifest.json')).toEqual(zips);
    const differing = zips.filter((file) => !fs.readFileSync(path.join(first, '.build', file)).equals(fs.readFileSync(path.join(second, '.build', file))));
    expect(differing).toEqual([]);
  });

  test('synthesize byte-identical stacks and assets, free of machine paths', () => {
    const files = listTree(path.join(first, 'cdktf.out'));
    const stacks = accounts.flatMap((account) => accountStacks(account).map(({ stack }) => stack));
    expect(files).toEqual(expect.arrayContaining(stacks.map((stack) => `stacks/${stack}/cdk.tf.json`)));
    expect(listTree(path.join(second, 'cdktf.out'))).toEqual(files);
    const differing = files.filter((file) => !fs.readFileSync(path.join(first, 'cdktf.out', file)).equals(fs.readFileSync(path.join(second, 'cdktf.out', file))));
    expect(differing).toEqual([]);
    for (const stack of stacks) {
      const json = fs.readFileSync(path.join(first, 'cdktf.out', 'stacks', stack, 'cdk.tf.json'), 'utf8');
      expect(json).not.toContain(first);
      expect(json).not.toContain(REPO_ROOT);
    }
  });

  test('re-running synth changes nothing', async () => {
    const files = listTree(path.join(first, 'cdktf.out'));
    const before = files.map((file) => [file, fs.statSync(path.join(first, 'cdktf.out', file)).mtimeMs]);
    await synthIn(first, 'America/Los_Angeles');
    expect(files.map((file) => [file, fs.statSync(path.join(first, 'cdktf.out', file)).mtimeMs])).toEqual(before);
    expect(listTree(path.join(first, 'cdktf.out'))).toEqual(files);
  }, 120_000);
});
