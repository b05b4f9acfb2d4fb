import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadEnvironments, stateBucketName } from '../../../environments/load';
import { LEGACY_UNIT, stateKey, WORKLOAD_UNITS } from '../../../environments/units';
import { legacyStateProblem } from '../../../tools/lib/legacy-state-guard';
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from '../../../tools/local-aws/s3-server';

const accounts = loadEnvironments({ overrides: {} });
let s3: S3Server;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: accounts.map(stateBucketName) });
  client = new S3Client({ region: accounts[0].region, endpoint: s3.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

const put = (config: (typeof accounts)[number], key: string) => client.send(new PutObjectCommand({ Bucket: stateBucketName(config), Key: key, Body: '{"version":4}' }));

describe.each(accounts.map((config) => [config.name, config] as const))('the units of %s', (_name, config) => {
  test('are not held back when the account was never applied as one workload state', async () => {
    expect(await legacyStateProblem(client, config)).toBeUndefined();
  });

  test('are refused while the old workload state exists and no unit has a state, naming the state and units:migrate', async () => {
    await put(config, stateKey(config, LEGACY_UNIT));
    expect(await legacyStateProblem(client, config)).toBe(
      `${config.name}'s workload is still one state (s3://${stateBucketName(config)}/${stateKey(config, LEGACY_UNIT)}) and none of its units has a state yet: ` +
        `applying the units now would create every resource a second time. Run \`npm run units:migrate -- ${config.name}\` first (docs/units-migrate.md), then re-run this job.`,
    );
  });

  test('run once the migration has given the units their states (the old key stays as it was)', async () => {
    await put(config, stateKey(config, WORKLOAD_UNITS[0]));
    expect(await legacyStateProblem(client, config)).toBeUndefined();
  });
});
