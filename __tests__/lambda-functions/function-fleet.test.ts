import { Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { EncryptionKey } from '../../constructs/encryption-key';
import { FunctionFleet, type FunctionFleetProps } from '../../constructs/function-fleet';
import type { IGrantee } from '../../constructs/iam';
import { readBuildManifest, REPO_ROOT } from '../../lambda-functions/build-manifest';
import { resolveFunctionSettings } from '../../lambda-functions/function-settings';

const noGrant = (_grantee: IGrantee) => undefined;

function fleet(scope: Construct, overrides: Partial<FunctionFleetProps>): FunctionFleet {
  const key = new EncryptionKey(scope, 'Key', { alias: 'test', description: 'test', accountId: '824357028182', region: 'eu-west-1' });
  return new FunctionFleet(scope, 'Functions', {
    functions: resolveFunctionSettings({ name: 'dev', functions: {} }),
    artifacts: readBuildManifest(),
    artifactRoot: REPO_ROOT,
    accountId: '824357028182',
    region: 'eu-west-1',
    encryptionKey: key,
    logRetentionDays: 30,
    network: { privateSubnetIds: ['subnet-a', 'subnet-b'], lambdaSecurityGroupId: 'sg-lambda' },
    database: {
      connectHost: 'db.internal',
      port: 5432,
      databaseName: 'ppu',
      masterUsername: 'ppu_admin',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:824357028182:secret:rds-db',
      grantConnect: noGrant,
      grantReadSecret: noGrant,
    },
    uploads: { bucketName: 'uploads', grantRead: noGrant, grantPut: noGrant, grantList: noGrant },
    events: { tableName: 'events', tableArn: 'arn:aws:dynamodb:eu-west-1:824357028182:table/events', grantReadWrite: noGrant },
    eventQueue: { queueArn: 'arn:aws:sqs:eu-west-1:824357028182:events', queueUrl: 'https://sqs/events', visibilityTimeoutSeconds: 60, grantConsume: noGrant },
    presignedUrlExpirySeconds: 900,
    maxUploadBytes: 1024,
    ...overrides,
  });
}

describe('FunctionFleet', () => {
  test('get() returns each catalogue function by name and refuses an unknown one', () => {
    Testing.synthScope((scope) => {
      const functions = fleet(scope, {});
      expect(functions.get('sync-clock').timeoutSeconds).toBe(3);
      expect(functions.all()).toHaveLength(7);
      expect(() => functions.get('nope' as never)).toThrow("FunctionFleet: no function 'nope'; functions: api-docs-generator,");
    });
  });

  test('refuses a queue whose visibility timeout is shorter than its consumer may run', () => {
    const eventQueue = { queueArn: 'arn:aws:sqs:eu-west-1:824357028182:events', queueUrl: 'https://sqs/events', visibilityTimeoutSeconds: 5, grantConsume: noGrant };
    expect(() => Testing.synthScope((scope) => fleet(scope, { eventQueue }))).toThrow(
      "FunctionFleet: software-event-update-handler times out after 10 s but its queue's visibility timeout is 5 s",
    );
  });

  test('refuses a function whose zip is missing from the build manifest', () => {
    const manifest = readBuildManifest();
    const { 'sync-clock': _dropped, ...functions } = manifest.functions;
    expect(() => Testing.synthScope((scope) => fleet(scope, { artifacts: { ...manifest, functions: functions as typeof manifest.functions } }))).toThrow(
      'FunctionFleet: sync-clock is not in the build manifest; run `npm run build`',
    );
  });

  test('refuses a layer missing from the build manifest', () => {
    const manifest = readBuildManifest();
    expect(() => Testing.synthScope((scope) => fleet(scope, { artifacts: { ...manifest, layers: {} as typeof manifest.layers } }))).toThrow(
      'FunctionFleet: insert-ppu-data uses layer pg-driver, which is not in the build manifest',
    );
  });
});
