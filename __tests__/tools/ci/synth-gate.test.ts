import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdktf';
import { loadEnvironments } from '../../../environments/load';
import { AWS_PROVIDER_VERSION } from '../../../stacks/account-stack';
import { unitStackName } from '../../../environments/units';
import { stateKey } from '../../../stacks/account-stack';
import { stateBucketName } from '../../../environments/load';
import { BootstrapStack } from '../../../stacks/bootstrap-stack';
import { expectationFor, gateProblems, LOCK_FILE } from '../../../tools/ci/synth-gate';

/**
 * The gate a pull request's synthesized stack passes before the PR plan role is requested.
 * Each refusal is something Terraform would otherwise do with the session's credentials during
 * init/plan: install a provider or module from anywhere (https://developer.hashicorp.com/terraform/language/modules/sources),
 * run a program (`external` data source: https://registry.terraform.io/providers/hashicorp/external/latest/docs/data-sources/external),
 * send requests (`http`), run provisioners (also in `removed` blocks since Terraform 1.9:
 * https://developer.hashicorp.com/terraform/language/resources/syntax#removing-resources), or send
 * signed AWS requests to another endpoint (provider `endpoints`, proxies).
 */

const accounts = loadEnvironments();
const config = accounts[0];
const stack = unitStackName(config.name, 'bootstrap');
const synthesized = JSON.parse(Testing.synth(new BootstrapStack(Testing.app(), stack, { config })));
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-gate-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const committedLock = fs.readFileSync(path.join(__dirname, '..', '..', '..', LOCK_FILE), 'utf8');

function gate(mutate: (json: any) => void = () => undefined, extraFiles: Record<string, string> = {}): string[] {
  // Each call gates a fresh folder: files of an earlier call must not count again.
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  const json = structuredClone(synthesized);
  mutate(json);
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(json));
  for (const [file, text] of Object.entries(extraFiles)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return gateProblems(dir, expectationFor(stack, accounts)!, committedLock);
}

test('the bootstrap stack of every account, as synthesized, passes (and a stack with assets)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-gate-all-'));
  try {
    for (const account of accounts) {
      const name = unitStackName(account.name, 'bootstrap');
      fs.mkdirSync(path.join(out, name));
      fs.writeFileSync(path.join(out, name, 'cdk.tf.json'), Testing.synth(new BootstrapStack(Testing.app(), name, { config: account })));
      expect([name, gateProblems(path.join(out, name), expectationFor(name, accounts)!)]).toEqual([name, []]);
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  expect(gate(() => undefined, { 'assets/fn/abc/fn.zip': 'zip' })).toEqual([]);
});

test('a provider other than aws, or aws at another version or source, is refused', () => {
  expect(gate((j) => (j.terraform.required_providers.null = { source: 'hashicorp/null', version: '3.2.0' }))).toEqual([
    'terraform.required_providers.null: only the aws provider is allowed',
  ]);
  expect(gate((j) => (j.terraform.required_providers.aws.version = '>= 5.0'))).toEqual([
    `terraform.required_providers.aws.version: '>= 5.0' is not the locked ${AWS_PROVIDER_VERSION}`,
  ]);
  expect(gate((j) => (j.terraform.required_providers.aws.source = 'evil/aws'))).toEqual(["terraform.required_providers.aws.source: 'evil/aws' is not hashicorp/aws"]);
});

test('modules, external/http data sources, null_resource, terraform_data and provisioners are refused', () => {
  expect(gate((j) => (j.module = { x: { source: 'git::https://example.com/x.git' } }))).toEqual([expect.stringMatching(/^module: /)]);
  expect(gate((j) => (j.data = { external: { x: { program: ['sh', '-c', 'env'] } } }))).toEqual(['data.external: only aws_* data sources are allowed']);
  expect(gate((j) => (j.data = { http: { x: { url: 'https://example.com' } } }))).toEqual(['data.http: only aws_* data sources are allowed']);
  expect(gate((j) => (j.resource.null_resource = { x: {} }))).toEqual(['resource.null_resource: only aws_* resources are allowed']);
  expect(gate((j) => (j.resource.terraform_data = { x: {} }))).toEqual(['resource.terraform_data: only aws_* resources are allowed']);
  const [type] = Object.keys(synthesized.resource);
  const [name] = Object.keys(synthesized.resource[type]);
  expect(gate((j) => (j.resource[type][name].provisioner = [{ 'local-exec': { command: 'env' } }]))).toEqual([
    `resource.${type}.${name}.provisioner: provisioners and connections are not allowed`,
  ]);
  expect(gate((j) => (j.removed = [{ from: 'aws_s3_bucket.x', provisioner: [{ 'local-exec': { when: 'destroy', command: 'env' } }] }]))).toEqual([
    'removed[0].provisioner: provisioners are not allowed',
  ]);
});

test('a provider or backend pointed elsewhere is refused', () => {
  expect(gate((j) => (j.provider.aws[0].endpoints = [{ sts: 'https://example.com' }]))).toEqual([expect.stringMatching(/^provider\.aws\.endpoints: not allowed/)]);
  expect(gate((j) => (j.provider.aws[0].http_proxy = 'http://example.com:3128'))).toEqual([expect.stringMatching(/^provider\.aws\.http_proxy: not allowed/)]);
  expect(gate((j) => (j.terraform.backend = { http: { address: 'https://example.com' } }))).toEqual(['terraform.backend.http: only the s3 backend is allowed']);
  expect(gate((j) => (j.terraform.backend.s3.bucket = 'someone-elses-bucket'))).toEqual([expect.stringMatching(/^terraform\.backend\.s3\.bucket: 'someone-elses-bucket' is not the account's state bucket/)]);
  expect(gate((j) => (j.terraform.backend.s3.endpoints = { s3: 'https://example.com' }))).toEqual([expect.stringMatching(/^terraform\.backend\.s3\.endpoints: not allowed/)]);
  expect(gate((j) => (j.terraform.cloud = { organization: 'x' }))).toEqual([expect.stringMatching(/^terraform\.cloud: not allowed/)]);
});

test('files other than cdk.tf.json and assets/**/*.zip (override files, .terraform, scripts under assets) are refused', () => {
  const refused = `only cdk.tf.json and assets/**/*.zip may be planned (no .tf, override, script or .terraform files)`;
  expect(gate(() => undefined, { 'x_override.tf.json': '{}', '.terraform/providers/x': '' }).sort()).toEqual([
    `.terraform/providers/x: ${refused}`,
    `x_override.tf.json: ${refused}`,
  ]);
  // A file for BASH_ENV to name, a Terraform file or a zip's sibling under assets/: the runner would
  // source a BASH_ENV file in every later bash step of the job holding credentials
  // (https://www.gnu.org/software/bash/manual/bash.html#Bash-Startup-Files; GitHub's bash steps run
  // `bash --noprofile --norc -eo pipefail`, non-interactive, so BASH_ENV is read).
  expect(gate(() => undefined, { 'assets/fn/abc/env.sh': 'curl ...', 'assets/fn/abc/main.tf': '', 'assets/fn.zip.sh': '' }).sort()).toEqual([
    `assets/fn.zip.sh: ${refused}`,
    `assets/fn/abc/env.sh: ${refused}`,
    `assets/fn/abc/main.tf: ${refused}`,
  ]);
});

test('a lock file is accepted only when it is the committed one: provider hashes never come from the pull request', () => {
  expect(gate(() => undefined, { [LOCK_FILE]: committedLock })).toEqual([]);
  const planted = committedLock.replace(/"h1:[^"]+"/, '"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="');
  expect(gate(() => undefined, { [LOCK_FILE]: planted })).toEqual([
    `${LOCK_FILE}: differs from the repository's committed ${LOCK_FILE} (provider hashes come from the base branch only)`,
  ]);
});

test('the committed lock file holds the hashes of the pinned aws provider', () => {
  expect(committedLock).toContain(`provider "registry.terraform.io/hashicorp/aws" {\n  version     = "${AWS_PROVIDER_VERSION}"`);
  expect(committedLock).toMatch(/"h1:[A-Za-z0-9+/]{43}="/);
});

// How a unit reads another unit's outputs (https://developer.hashicorp.com/terraform/language/state/remote-state-data):
// only from its own account's state bucket and key prefix, with nothing that points the request elsewhere.
describe('terraform_remote_state, the way a unit reads the units it depends on', () => {
  const remote = (config: Record<string, unknown>, extra: Record<string, unknown> = {}) => (j: any) =>
    (j.data = { ...j.data, terraform_remote_state: { 'cross-stack-reference-input-network': { backend: 's3', config, ...extra } } });
  const own = { bucket: stateBucketName(config), key: stateKey(config, 'network'), region: config.region, encrypt: true };
  const at = 'data.terraform_remote_state.cross-stack-reference-input-network';

  test("is admitted on the account's own state bucket, region and key prefix", () => {
    expect(gate(remote(own))).toEqual([]);
  });

  test('is refused on another bucket, key prefix, region or backend, and with an endpoint or role', () => {
    expect(gate(remote({ ...own, bucket: 'someone-elses-bucket' }))).toEqual([`${at}.config.bucket: 'someone-elses-bucket' is not the account's state bucket ${stateBucketName(config)}`]);
    expect(gate(remote({ ...own, key: 'other/eu-west-1/network/terraform.tfstate' }))).toEqual([`${at}.config.key: 'other/eu-west-1/network/terraform.tfstate' is not under ${config.name}/${config.region}/`]);
    expect(gate(remote({ ...own, region: 'us-east-1' }))).toEqual([`${at}.config.region: 'us-east-1' is not ${config.region}`]);
    expect(gate(remote({ ...own, endpoints: { s3: 'https://example.com' } }))).toEqual([`${at}.config.endpoints: not allowed (endpoints, credentials and role settings are refused)`]);
    expect(gate(remote({ ...own, role_arn: 'arn:aws:iam::111122223333:role/x' }))).toEqual([`${at}.config.role_arn: not allowed (endpoints, credentials and role settings are refused)`]);
    expect(gate((j) => (j.data = { terraform_remote_state: { x: { backend: 'http', config: { address: 'https://example.com' } } } }))).toEqual(
      expect.arrayContaining(["data.terraform_remote_state.x.backend: 'http' is not s3 (a unit reads only its account's state bucket)"]),
    );
  });

  test('is refused with defaults: a never-applied dependency must never be planned against invented values', () => {
    expect(gate(remote(own, { defaults: { vpc_id: 'vpc-00000000' } }))).toEqual([`${at}.defaults: not allowed (only backend, config, workspace)`]);
  });

  test("every unit stack of the account has the account's expectation", () => {
    for (const unit of ['foundation', 'network', 'data', 'app', 'edge', 'observability'] as const) {
      expect(expectationFor(unitStackName(config.name, unit), accounts)).toEqual({
        stack: unitStackName(config.name, unit),
        bucket: stateBucketName(config),
        region: config.region,
        keyPrefix: `${config.name}/${config.region}/`,
      });
    }
  });
});

test('a stack of no account of the base branch has no expectation (a new account is not planned before its bootstrap)', () => {
  expect(expectationFor('no-such-account', accounts)).toBeUndefined();
});
