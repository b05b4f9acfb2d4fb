import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AccountConfig } from '../../environments/schema';
import { loadEnvironments, stateBucketName } from '../../environments/load';
import { AWS_PROVIDER_VERSION } from '../../stacks/account-stack';
import { accountUnitTargets } from '../lib/stack-catalog';

/**
 * The gate between a pull request's synthesized Terraform and the credentials that plan it.
 *
 * plan.yml synthesizes the pull request's code in a job with no credentials; the plan job then
 * checks out the base branch (reviewed code), runs this gate from there on the downloaded stack
 * folder, and only when it passes requests the PR plan role and runs `terraform plan`. Terraform
 * itself would otherwise run code of the pull request's choosing during init/plan: a provider or
 * module from anywhere, an `external` data source (runs a program), `http` (sends requests),
 * provisioners, or an endpoint/proxy override that hands the session's signed requests elsewhere.
 *
 *   tsx tools/ci/synth-gate.ts <stack> <stack-folder>     exit 1 listing every problem
 */

/**
 * What a stack folder may hold: the synthesized JSON and the function/layer zips, nothing else. Any
 * other file under assets/ is a file the pull request put next to a job that will hold credentials
 * (a script for BASH_ENV, a Terraform file, a provider binary), so it is refused.
 */
const ALLOWED_FILE = /^(cdk\.tf\.json|assets\/(?:[\w.-]+\/)*[\w.-]+\.zip)$/;
/** The dependency lock file: accepted only when byte-identical to the repository's committed one. */
export const LOCK_FILE = '.terraform.lock.hcl';
const TOP_LEVEL = new Set(['//', 'terraform', 'provider', 'resource', 'data', 'locals', 'output', 'variable', 'moved', 'import', 'removed']);
const TERRAFORM_BLOCK = new Set(['backend', 'required_providers', 'required_version']);
const BACKEND_FIELDS = new Set(['bucket', 'key', 'region', 'encrypt', 'use_lockfile', 'kms_key_id']);
/** Provider settings the stacks use; anything else (endpoints, proxies, credentials, assume_role) is refused. */
const PROVIDER_FIELDS = new Set(['region', 'allowed_account_ids', 'default_tags', 'alias']);
const AWS_SOURCES = new Set(['aws', 'hashicorp/aws', 'registry.terraform.io/hashicorp/aws']);
/** Resource and data types outside the aws provider that run code or reach the network. */
const REFUSED_TYPES = new Set(['null_resource', 'terraform_data', 'external', 'http']);
/**
 * How a unit reads the units it depends on: Terraform's built-in terraform_remote_state, admitted
 * only on the s3 backend of the account's own state bucket, under its own key prefix, with no
 * endpoint, credential or role setting (which would hand the session's signed requests elsewhere).
 * https://developer.hashicorp.com/terraform/language/state/remote-state-data
 */
const REMOTE_STATE = 'terraform_remote_state';
// No `defaults`: a dependency never applied would then be planned against invented values.
const REMOTE_STATE_FIELDS = new Set(['backend', 'config', 'workspace']);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
/** cdktf writes some blocks as one-element arrays; read both shapes. */
const blocks = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : isObject(value) ? [value] : []);

function listFiles(dir: string, prefix = ''): { file: string; symlink: boolean }[] {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isSymbolicLink()) return [{ file: relative, symlink: true }];
    if (entry.isDirectory()) return listFiles(dir, relative);
    return [{ file: relative, symlink: false }];
  });
}

/** Paths of every `provisioner` or `connection` key anywhere in a block (resources, removed blocks ...). */
function provisionerPaths(value: unknown, at: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => provisionerPaths(item, `${at}[${i}]`));
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === 'provisioner' || key === 'connection' ? [`${at}.${key}`] : provisionerPaths(child, `${at}.${key}`),
  );
}

export interface GateExpectation {
  readonly stack: string;
  /** The account's state bucket and region: the backend must point there and nowhere else. */
  readonly bucket: string;
  readonly region: string;
  readonly keyPrefix: string;
}

/** The expectation for a stack of the base branch's configuration; undefined for an unknown stack. */
export function expectationFor(stack: string, accounts: readonly AccountConfig[]): GateExpectation | undefined {
  const config = accounts.find((a) => accountUnitTargets(a).some((t) => t.stack === stack));
  if (!config) return undefined;
  return { stack, bucket: stateBucketName(config), region: config.region, keyPrefix: `${config.name}/${config.region}/` };
}

/**
 * Every reason the synthesized stack folder may not be planned with credentials (empty: it may).
 * `lockFile` is the committed .terraform.lock.hcl (the base branch's): a lock file in the folder
 * must be exactly that one, so no provider hash of the pull request's choosing is trusted.
 */
export function gateProblems(stackDir: string, expected: GateExpectation, lockFile?: string): string[] {
  const problems: string[] = [];
  if (!fs.existsSync(path.join(stackDir, 'cdk.tf.json'))) return [`${stackDir}: no cdk.tf.json (synthesize the stack first)`];
  for (const { file, symlink } of listFiles(stackDir)) {
    if (symlink) problems.push(`${file}: symbolic links are not allowed in a stack folder`);
    else if (file === LOCK_FILE) {
      if (lockFile === undefined || fs.readFileSync(path.join(stackDir, file), 'utf8') !== lockFile) {
        problems.push(`${file}: differs from the repository's committed ${LOCK_FILE} (provider hashes come from the base branch only)`);
      }
    } else if (!ALLOWED_FILE.test(file)) problems.push(`${file}: only cdk.tf.json and assets/**/*.zip may be planned (no .tf, override, script or .terraform files)`);
  }
  let config: Json;
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
    if (!isObject(parsed)) return [...problems, 'cdk.tf.json: not a JSON object'];
    config = parsed;
  } catch (error) {
    return [...problems, `cdk.tf.json: not JSON (${(error as Error).message})`];
  }

  for (const key of Object.keys(config)) {
    if (key === 'module') problems.push('module: modules are not allowed (a module source is code from anywhere)');
    else if (!TOP_LEVEL.has(key)) problems.push(`${key}: top-level block not allowed (allowed: ${[...TOP_LEVEL].join(', ')})`);
  }

  const s3Problems = (at: string, settings: Json) => {
    for (const key of Object.keys(settings)) if (!BACKEND_FIELDS.has(key)) problems.push(`${at}.${key}: not allowed (endpoints, credentials and role settings are refused)`);
    if (settings.bucket !== expected.bucket) problems.push(`${at}.bucket: '${String(settings.bucket)}' is not the account's state bucket ${expected.bucket}`);
    if (settings.region !== expected.region) problems.push(`${at}.region: '${String(settings.region)}' is not ${expected.region}`);
    if (!String(settings.key ?? '').startsWith(expected.keyPrefix)) problems.push(`${at}.key: '${String(settings.key)}' is not under ${expected.keyPrefix}`);
  };
  for (const terraform of blocks(config.terraform)) {
    for (const key of Object.keys(terraform)) {
      if (!TERRAFORM_BLOCK.has(key)) problems.push(`terraform.${key}: not allowed (only backend, required_providers, required_version)`);
    }
    for (const [name, requirement] of Object.entries(isObject(terraform.required_providers) ? terraform.required_providers : {})) {
      const req = isObject(requirement) ? requirement : {};
      if (name !== 'aws') problems.push(`terraform.required_providers.${name}: only the aws provider is allowed`);
      else {
        if (!AWS_SOURCES.has(String(req.source ?? 'aws'))) problems.push(`terraform.required_providers.aws.source: '${String(req.source)}' is not hashicorp/aws`);
        if (req.version !== AWS_PROVIDER_VERSION) problems.push(`terraform.required_providers.aws.version: '${String(req.version)}' is not the locked ${AWS_PROVIDER_VERSION}`);
      }
    }
    const backend = isObject(terraform.backend) ? terraform.backend : {};
    for (const [type, settingsValue] of Object.entries(backend)) {
      if (type !== 's3') {
        problems.push(`terraform.backend.${type}: only the s3 backend is allowed`);
        continue;
      }
      s3Problems('terraform.backend.s3', isObject(settingsValue) ? settingsValue : {});
    }
  }

  for (const [name, configs] of Object.entries(isObject(config.provider) ? config.provider : {})) {
    if (name !== 'aws') {
      problems.push(`provider.${name}: only the aws provider is allowed`);
      continue;
    }
    for (const provider of blocks(configs)) {
      for (const key of Object.keys(provider)) if (!PROVIDER_FIELDS.has(key)) problems.push(`provider.aws.${key}: not allowed (only ${[...PROVIDER_FIELDS].join(', ')})`);
    }
  }

  for (const [name, remoteStates] of Object.entries(isObject(config.data) && isObject(config.data[REMOTE_STATE]) ? config.data[REMOTE_STATE] : {})) {
    for (const remote of blocks(remoteStates)) {
      const at = `data.${REMOTE_STATE}.${name}`;
      for (const key of Object.keys(remote)) if (!REMOTE_STATE_FIELDS.has(key)) problems.push(`${at}.${key}: not allowed (only ${[...REMOTE_STATE_FIELDS].join(', ')})`);
      if (remote.backend !== 's3') problems.push(`${at}.backend: '${String(remote.backend)}' is not s3 (a unit reads only its account's state bucket)`);
      s3Problems(`${at}.config`, isObject(remote.config) ? remote.config : {});
    }
  }

  for (const kind of ['resource', 'data'] as const) {
    for (const [type, instances] of Object.entries(isObject(config[kind]) ? config[kind] : {})) {
      if (kind === 'data' && type === REMOTE_STATE) continue;
      if (REFUSED_TYPES.has(type) || !type.startsWith('aws_')) {
        problems.push(`${kind}.${type}: only aws_* ${kind === 'data' ? 'data sources' : 'resources'} are allowed`);
      }
      problems.push(...provisionerPaths(instances, `${kind}.${type}`).map((at) => `${at}: provisioners and connections are not allowed`));
    }
  }
  problems.push(...provisionerPaths(config.removed, 'removed').map((at) => `${at}: provisioners are not allowed`));
  return problems;
}

if (require.main === module) {
  const [stack, stackDir] = process.argv.slice(2);
  if (!stack || !stackDir) {
    console.error('Usage: tsx tools/ci/synth-gate.ts <stack> <stack-folder>');
    process.exit(2);
  }
  try {
    const expected = expectationFor(stack, loadEnvironments());
    if (!expected) {
      console.error(`${stack}: not a stack of the base branch's accounts; a new account is planned after its bootstrap stack is applied`);
      process.exit(1);
    }
    const committedLock = path.join(__dirname, '..', '..', LOCK_FILE);
    const problems = gateProblems(stackDir, expected, fs.existsSync(committedLock) ? fs.readFileSync(committedLock, 'utf8') : undefined);
    if (problems.length > 0) {
      console.error(`${stack}: the synthesized stack may not be planned with AWS credentials:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      process.exit(1);
    }
    console.log(`${stack}: synthesized stack passed the gate (aws ${AWS_PROVIDER_VERSION} only, s3 backend and remote states in ${expected.bucket}, no modules, provisioners or code-running data sources)`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
