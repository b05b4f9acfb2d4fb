import * as fs from 'node:fs';
import * as path from 'node:path';
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from './s3-server';
import { startStsServer, type StsServer } from './sts-server';

/** STS and S3 answered on 127.0.0.1, enough for `terraform plan` of any stack here. */
export interface StandIns {
  readonly sts: StsServer;
  readonly s3: S3Server;
  /** The account the STS stand-in answers as. */
  readonly accountId: string;
  /** Credentials the provider presents (the stand-ins accept anything; these are not secrets). */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export async function startStandIns(options: { accountId: string; buckets: readonly string[] }): Promise<StandIns> {
  const sts = await startStsServer({ accountId: options.accountId });
  const s3 = await startS3Server({ buckets: options.buckets });
  return {
    sts,
    s3,
    accountId: options.accountId,
    env: {
      AWS_ACCESS_KEY_ID: 'ASIALOCALSTANDIN',
      AWS_SECRET_ACCESS_KEY: 'local-stand-in-secret',
      AWS_SESSION_TOKEN: 'local-stand-in-token',
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    close: async () => {
      await Promise.all([sts.close(), s3.close()]);
    },
  };
}

export const OVERRIDE_FILE = 'local_stand_ins_override.tf.json';

/**
 * Writes a Terraform override file next to a synthesized stack that points the AWS provider's STS
 * and the S3 backend (and every remote state a unit reads) at the stand-ins. The synthesized cdk.tf.json is left exactly as CI plans it;
 * the backend block is restated whole because an override replaces the original backend block.
 */
export function writeStandInOverrides(stackDir: string, standIns: StandIns): string {
  const stack = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
  const backend = stack.terraform?.backend?.s3;
  if (!backend) throw new Error(`${stackDir}/cdk.tf.json has no S3 backend; is it a stack of this repository?`);
  const standInS3 = {
    endpoints: { s3: standIns.s3.url, sts: standIns.sts.url },
    use_path_style: true,
    access_key: S3RVER_CREDENTIALS.accessKeyId,
    secret_key: S3RVER_CREDENTIALS.secretAccessKey,
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_s3_checksum: true,
  };
  // A unit reads the units it depends on through terraform_remote_state on the same S3 backend:
  // each such `config` is restated whole (an override replaces an argument) with the stand-in's S3.
  const remoteStates = Object.entries((stack.data?.terraform_remote_state ?? {}) as Record<string, { backend?: string; config?: object }>);
  const override = {
    ...(remoteStates.length
      ? { data: { terraform_remote_state: Object.fromEntries(remoteStates.map(([name, data]) => [name, { config: { ...data.config, ...standInS3 } }])) } }
      : {}),
    provider: {
      aws: [
        {
          endpoints: [{ sts: standIns.sts.url }],
          skip_metadata_api_check: true,
        },
      ],
    },
    terraform: {
      backend: {
        s3: {
          ...backend,
          ...standInS3,
        },
      },
    },
  };
  const file = path.join(stackDir, OVERRIDE_FILE);
  fs.writeFileSync(file, `${JSON.stringify(override, null, 2)}\n`);
  return file;
}
