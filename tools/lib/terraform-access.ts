import * as fs from 'node:fs';
import * as path from 'node:path';
import { S3RVER_CREDENTIALS } from '../local-aws/s3-server';
import type { StandIns } from '../local-aws/stand-ins';

/**
 * How Terraform reaches AWS for a command that works on synthesized stacks: real AWS with the
 * caller's credentials (nothing overridden), an emulator serving every service on one URL (moto),
 * or the local STS and S3 stand-ins of plan:local. The emulator and stand-in forms write a
 * `*_override.tf.json` beside the stack (the synthesized cdk.tf.json stays what CI plans), which
 * restates the S3 backend and every S3 `terraform_remote_state` (cdktf's cross-stack references)
 * with the local endpoints: an override replaces a block's arguments whole.
 * https://developer.hashicorp.com/terraform/language/files/override
 */
export interface TerraformAccess {
  /** Said in messages: where the states and resources are. */
  readonly description: string;
  /** Environment added to every terraform command. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Whether plans refresh resources from the provider. Only the stand-ins turn it off: they answer
   * STS and S3 and nothing else, so a refresh would reach for real AWS.
   */
  readonly refresh: boolean;
  /** Writes the override file next to a synthesized stack (or nothing, for real AWS). */
  prepare(stackDir: string): void;
}

export const ACCESS_OVERRIDE_FILE = 'units_migrate_access_override.tf.json';

/** Real AWS: the synthesized backends and provider as CI uses them, credentials from the environment. */
export function awsAccess(): TerraformAccess {
  return {
    description: 'AWS (credentials from the environment)',
    env: {},
    refresh: true,
    prepare: (stackDir) => fs.rmSync(path.join(stackDir, ACCESS_OVERRIDE_FILE), { force: true }),
  };
}

// The services of the AWS provider's `endpoints` block the stacks use; the emulator answers them all.
// https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/guides/custom-service-endpoints
const EMULATED_SERVICES = [
  'apigateway', 'chatbot', 'cloudwatch', 'codedeploy', 'dynamodb', 'ec2', 'events', 'iam', 'kms', 'lambda', 'logs',
  'rds', 's3', 'secretsmanager', 'sns', 'sqs', 'ssm', 'sts', 'wafv2',
];

interface S3BackendLike {
  readonly [key: string]: unknown;
}

function localS3Settings(s3Url: string, stsUrl: string, credentials?: { accessKeyId: string; secretAccessKey: string }): Record<string, unknown> {
  return {
    endpoints: { s3: s3Url, sts: stsUrl },
    use_path_style: true,
    ...(credentials ? { access_key: credentials.accessKeyId, secret_key: credentials.secretAccessKey } : {}),
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_s3_checksum: true,
  };
}

/** The override restating backend and remote states with local endpoints, plus the provider's. */
function writeOverride(stackDir: string, provider: Record<string, unknown>, backendExtra: Record<string, unknown>): void {
  const stack = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as {
    terraform?: { backend?: { s3?: S3BackendLike } };
    data?: { terraform_remote_state?: Record<string, { backend?: string; config?: S3BackendLike }> };
  };
  const backend = stack.terraform?.backend?.s3;
  if (!backend) throw new Error(`${stackDir}/cdk.tf.json has no S3 backend; is it a stack of this repository?`);
  const remoteStates = Object.fromEntries(
    Object.entries(stack.data?.terraform_remote_state ?? {})
      .filter(([, remote]) => remote.backend === 's3')
      .map(([name, remote]) => [name, { config: { ...remote.config, ...backendExtra } }]),
  );
  const override = {
    provider: { aws: [provider] },
    terraform: { backend: { s3: { ...backend, ...backendExtra } } },
    ...(Object.keys(remoteStates).length ? { data: { terraform_remote_state: remoteStates } } : {}),
  };
  fs.writeFileSync(path.join(stackDir, ACCESS_OVERRIDE_FILE), `${JSON.stringify(override, null, 2)}\n`);
}

/**
 * An AWS emulator serving every service on one URL (the moto server of ../shared/tools/moto-apply.sh).
 * Credentials come from the environment; an emulator accepts any.
 */
export function emulatorAccess(url: string): TerraformAccess {
  if (!/^https?:\/\/[^/\s]+\/?$/.test(url)) throw new Error(`--endpoint ${url} is not a URL like http://127.0.0.1:5000; give the emulator's base URL`);
  const base = url.replace(/\/$/, '');
  return {
    description: `the AWS emulator at ${base}`,
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
    refresh: true,
    prepare: (stackDir) =>
      writeOverride(
        stackDir,
        {
          endpoints: [Object.fromEntries(EMULATED_SERVICES.map((service) => [service, base]))],
          s3_use_path_style: true,
          skip_metadata_api_check: true,
        },
        localS3Settings(base, base),
      ),
  };
}

/** The plan:local stand-ins (STS and an s3rver): states are real, resources are not refreshed. */
export function standInAccess(standIns: StandIns): TerraformAccess {
  return {
    description: `the local stand-ins (S3 ${standIns.s3.url}, STS ${standIns.sts.url})`,
    env: standIns.env,
    refresh: false,
    prepare: (stackDir) =>
      writeOverride(
        stackDir,
        { endpoints: [{ sts: standIns.sts.url }], skip_metadata_api_check: true },
        localS3Settings(standIns.s3.url, standIns.sts.url, S3RVER_CREDENTIALS),
      ),
  };
}
