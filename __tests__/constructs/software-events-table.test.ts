import { SoftwareEventsTable } from '../../constructs/software-events-table';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';
import { constructionError, ref, testRole } from '../helpers/data-fixtures';

const json = synthWith((stack, key) => new SoftwareEventsTable(stack, 'SoftwareEvents', { accountId: '111122223333', region: 'eu-west-1', encryptionKey: key }));
const [[tableId, table]] = resourcesOf(json, 'aws_dynamodb_table');
const keyArn = ref('aws_kms_key', resourcesOf(json, 'aws_kms_key')[0][0], 'arn');

test('the table is keyed by deviceId alone, on demand', () => {
  expect(table).toMatchObject({ name: 'software-update-events', billing_mode: 'PAY_PER_REQUEST', hash_key: 'deviceId' });
  expect(table.range_key).toBeUndefined();
});

test('softwareVersion-index lists devices by software version in time order', () => {
  expect(table.global_secondary_index).toEqual([{ name: 'softwareVersion-index', hash_key: 'softwareVersion', range_key: 'occurredAt', projection_type: 'ALL' }]);
  expect(table.attribute).toEqual([
    { name: 'deviceId', type: 'S' },
    { name: 'softwareVersion', type: 'S' },
    { name: 'occurredAt', type: 'S' },
  ]);
});

test('point-in-time recovery is on', () => {
  expect(table.point_in_time_recovery).toEqual({ enabled: true });
});

test('the table is encrypted with the customer-managed key', () => {
  expect(table.server_side_encryption).toEqual({ enabled: true, kms_key_arn: keyArn });
});

test('deletion protection is on by default and can be turned off', () => {
  expect(table.deletion_protection_enabled).toBe(true);
  const off = synthWith((stack, key) => new SoftwareEventsTable(stack, 'T', { accountId: '111122223333', region: 'eu-west-1', encryptionKey: key, deletionProtection: false, tableName: 'events-test' }));
  expect(resourcesOf(off, 'aws_dynamodb_table')[0][1]).toMatchObject({ deletion_protection_enabled: false, name: 'events-test' });
});

test('grantReadWrite allows the handler item operations on the table and its index, and the key through DynamoDB only', () => {
  const granted = synthWith((stack, key) => {
    const t = new SoftwareEventsTable(stack, 'SoftwareEvents', { accountId: '111122223333', region: 'eu-west-1', encryptionKey: key });
    const role = testRole(stack);
    t.grantReadWrite(role);
    t.grantReadWrite(role);
  });
  const [[, policy]] = resourcesOf(granted, 'aws_iam_role_policy');
  const arn = ref('aws_dynamodb_table', tableId, 'arn');
  expect(JSON.parse(policy.policy).Statement).toEqual([
    {
      Sid: 'DynamoReadWriteSoftwareEvents',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
      Resource: [arn, `${arn}/index/*`],
    },
    {
      Sid: 'DynamoKmsSoftwareEvents',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      Resource: keyArn,
      Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } },
    },
  ]);
});

test('a table name DynamoDB refuses is rejected', () => {
  expect(constructionError((stack, key) => new SoftwareEventsTable(stack, 'T', { accountId: '111122223333', region: 'eu-west-1', encryptionKey: key, tableName: 'a b' }))).toMatch(/table name 'a b' must be 3-255/);
});
