import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AWS_PROVIDER_VERSION as PINNED } from '../../../stacks/account-stack';
import { AWS_PROVIDER_VERSION, findProviderMirror, holdsProvider, noMirrorHint, terraformPlatform } from '../../../tools/lib/provider-mirror';
import { providerMirror } from '../../../tools/dev/plan-local';

// Terraform's filesystem mirror layouts: unpacked HOST/NAMESPACE/TYPE/VERSION/TARGET/ and packed
// HOST/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_TARGET.zip
// (https://developer.hashicorp.com/terraform/cli/config/config-file#filesystem_mirror).
let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mirror-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const platform = terraformPlatform();
function mirror(dir: string, { version = AWS_PROVIDER_VERSION, target = platform, packed = false } = {}): string {
  const aws = path.join(dir, 'registry.terraform.io', 'hashicorp', 'aws');
  if (packed) {
    fs.mkdirSync(aws, { recursive: true });
    fs.writeFileSync(path.join(aws, `terraform-provider-aws_${version}_${target}.zip`), '');
  } else {
    fs.mkdirSync(path.join(aws, version, target), { recursive: true });
  }
  return dir;
}

test('the version searched for is the one the stacks pin', () => {
  expect(AWS_PROVIDER_VERSION).toBe(PINNED);
});

test('a mirror counts only with the pinned version for this platform, in either layout', () => {
  expect(holdsProvider(mirror(path.join(root, 'unpacked')))).toBe(true);
  expect(holdsProvider(mirror(path.join(root, 'packed'), { packed: true }))).toBe(true);
  expect(holdsProvider(mirror(path.join(root, 'old'), { version: '5.99.0' }))).toBe(false);
  expect(holdsProvider(mirror(path.join(root, 'foreign'), { target: platform === 'linux_amd64' ? 'darwin_arm64' : 'linux_amd64' }))).toBe(false);
});

test('the search skips mirrors of another version or platform and finds the one with the pinned provider', () => {
  mirror(path.join(root, 'a', 'old'), { version: '5.99.0' });
  const wanted = mirror(path.join(root, 'b', 'good'));
  expect(findProviderMirror({ roots: [root], tempDir: path.join(root, 'elsewhere') })).toBe(wanted);
});

test('the search never picks a folder under the temp directory, where other processes keep (and delete) their copies', () => {
  mirror(path.join(root, 'copy-of-a-test-run'));
  expect(findProviderMirror({ roots: [root], tempDir: root })).toBeUndefined();
  expect(findProviderMirror({ roots: [root], tempDir: os.tmpdir() })).toBeUndefined();
});

test('plan:local takes TF_PROVIDER_MIRROR as set, and otherwise says how to point at a mirror when none is found', () => {
  expect(providerMirror({ TF_PROVIDER_MIRROR: '/some/mirror' })).toBe('/some/mirror');
  expect(providerMirror({ TF_PROVIDER_MIRROR_SEARCH: 'off' })).toBeUndefined();
  expect(noMirrorHint()).toMatch(new RegExp(`hashicorp/aws ${AWS_PROVIDER_VERSION.replace(/\./g, '\\.')} for ${platform}.*point TF_PROVIDER_MIRROR at a mirror \\(the folder containing registry\\.terraform\\.io\\)`));
});
