import { HeadObjectCommand, NotFound, type S3Client } from '@aws-sdk/client-s3';
import type { AccountConfig } from '../../environments/schema';
import { LEGACY_UNIT, stateKey, WORKLOAD_UNITS } from '../../environments/units';
import { stateBucketName } from '../../environments/load';

/**
 * An account applied before the split keeps its whole workload in one state (key
 * `<account>/<region>/main/terraform.tfstate`) until `npm run units:migrate` moves it into the
 * units' states. Until then every unit's state is empty, and a unit apply would try to create
 * every resource a second time (a second VPC, key, database ...). This refuses that case; after the
 * migration (which leaves the old key as it was) the units' states exist and nothing is refused.
 * HeadObject answers 404 for a missing key when the caller may list the bucket:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
 */
export async function legacyStateProblem(s3: S3Client, config: AccountConfig): Promise<string | undefined> {
  const bucket = stateBucketName(config);
  const exists = async (key: string): Promise<boolean> => {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if (error instanceof NotFound || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  };
  const legacyKey = stateKey(config, LEGACY_UNIT);
  if (!(await exists(legacyKey))) return undefined;
  const unitKeys = WORKLOAD_UNITS.filter((unit) => config.units[unit].enabled).map((unit) => stateKey(config, unit));
  for (const key of unitKeys) if (await exists(key)) return undefined;
  return (
    `${config.name}'s workload is still one state (s3://${bucket}/${legacyKey}) and none of its units has a state yet: ` +
    `applying the units now would create every resource a second time. Run \`npm run units:migrate -- ${config.name}\` ` +
    `first (docs/units-migrate.md), then re-run this job.`
  );
}
