import { Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { EncryptionKey } from '../../constructs/encryption-key';
import { FunctionFleet, type FunctionFleetProps } from '../../constructs/function-fleet';
import type { IGrantee } from '../../constructs/iam';
import { readBuildManifest, REPO_ROOT } from '../../build/build-manifest';
import { FUNCTION_NAMES, FUNCTIONS } from '../../catalogue';
import { resolveFunctionSettings } from '../../catalogue/function-settings';

const noGrant = (_grantee: IGrantee) => undefined;

function fleet(scope: Construct, overrides: Partial<FunctionFleetProps>): FunctionFleet {
  const key = new EncryptionKey(scope, 'Key', { alias: 'test', description: 'test', accountId: '824357028182', region: 'eu-west-1' });
  return new FunctionFleet(scope, 'Functions', {
    functions: resolveFunctionSettings({ name: 'fleet-test', functions: {} }),
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
      grantConnect: noGrant,
    },
    uploads: { bucketName: 'uploads', grantRead: noGrant, grantPut: noGrant, grantList: noGrant },
    events: { tableName: 'events', tableArn: 'arn:aws:dynamodb:eu-west-1:824357028182:table/events', grantReadWrite: noGrant },
    eventQueue: { queueArn: 'arn:aws:sqs:eu-west-1:824357028182:events', queueUrl: 'https://sqs/events', visibilityTimeoutSeconds: 60, grantConsume: noGrant },
    presignedUrlExpirySeconds: 900,
    maxUploadBytes: 1024,
    ...overrides,
  });
}

const queueConsumers = FUNCTIONS.filter((fn) => fn.trigger.kind === 'queue');

describe('FunctionFleet', () => {
  test('get() returns each catalogue function by name and refuses an unknown one', () => {
    Testing.synthScope((scope) => {
      const functions = fleet(scope, {});
      for (const spec of FUNCTIONS) expect([spec.name, functions.get(spec.name).timeoutSeconds]).toEqual([spec.name, spec.timeoutSeconds]);
      expect(functions.all()).toHaveLength(FUNCTIONS.length);
      expect(() => functions.get('nope' as never)).toThrow(`FunctionFleet: no function 'nope'; functions: ${FUNCTION_NAMES[0]},`);
    });
  });

  test.each(queueConsumers.map((fn) => [fn.name, fn] as const))('refuses a queue whose visibility timeout is shorter than its consumer %s may run', (name, spec) => {
    const visibilityTimeoutSeconds = spec.timeoutSeconds - 1;
    const eventQueue = { queueArn: 'arn:aws:sqs:eu-west-1:824357028182:events', queueUrl: 'https://sqs/events', visibilityTimeoutSeconds, grantConsume: noGrant };
    const functions = resolveFunctionSettings({ name: 'fleet-test', functions: {} }).filter((fn) => fn.name === name);
    expect(() => Testing.synthScope((scope) => fleet(scope, { eventQueue, functions }))).toThrow(
      `FunctionFleet: ${name} times out after ${spec.timeoutSeconds} s but its queue's visibility timeout is ${visibilityTimeoutSeconds} s`,
    );
  });

  test.each(FUNCTION_NAMES)('refuses %s when its zip is missing from the build manifest', (name) => {
    const manifest = readBuildManifest();
    const functions = Object.fromEntries(Object.entries(manifest.functions).filter(([key]) => key !== name));
    expect(() => Testing.synthScope((scope) => fleet(scope, { artifacts: { ...manifest, functions: functions as typeof manifest.functions } }))).toThrow(
      `FunctionFleet: ${name} is not in the build manifest; run \`npm run build\``,
    );
  });

  test.each(FUNCTIONS.filter((fn) => fn.layers.length > 0).map((fn) => [fn.name, fn] as const))('refuses %s when its layer is missing from the build manifest', (name, spec) => {
    const manifest = readBuildManifest();
    const functions = resolveFunctionSettings({ name: 'fleet-test', functions: {} }).filter((fn) => fn.name === name);
    expect(() => Testing.synthScope((scope) => fleet(scope, { functions, artifacts: { ...manifest, layers: {} as typeof manifest.layers } }))).toThrow(
      `FunctionFleet: ${name} uses layer ${spec.layers[0]}, which is not in the build manifest`,
    );
  });
});
