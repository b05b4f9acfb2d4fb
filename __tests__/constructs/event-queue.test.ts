import { TerraformOutput } from 'cdktf';
import { EventQueue, type EventQueueProps } from '../../constructs/event-queue';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';
import { constructionError, ref, testRole } from '../helpers/data-fixtures';

type Overrides = Partial<Omit<EventQueueProps, 'encryptionKey'>>;
const props = (overrides: Overrides = {}) => ({ queueName: 'software-update-events', messageRetentionSeconds: 345600, maxReceiveCount: 5, accountId: '111122223333', region: 'eu-west-1', ...overrides });

function synthQueue(overrides: Overrides = {}, after?: (queue: EventQueue) => void) {
  return synthWith((stack, key) => {
    const queue = new EventQueue(stack, 'SoftwareEventQueue', { ...props(overrides), encryptionKey: key });
    after?.(queue);
  });
}

const json = synthQueue();
const queues = resourcesOf(json, 'aws_sqs_queue');
const [queueId, queue] = queues.find(([, q]) => q.name === 'software-update-events')!;
const [dlqId, dlq] = queues.find(([, q]) => q.name === 'software-update-events-dlq')!;
const keyArn = ref('aws_kms_key', resourcesOf(json, 'aws_kms_key')[0][0], 'arn');

test('the queue keeps messages for the configured retention and the dead-letter queue for the 14-day maximum', () => {
  expect(queues).toHaveLength(2);
  expect(queue.message_retention_seconds).toBe(345600);
  expect(dlq.message_retention_seconds).toBe(1209600);
});

test('both queues are encrypted with the customer-managed key', () => {
  for (const q of [queue, dlq]) expect(q).toMatchObject({ kms_master_key_id: keyArn, kms_data_key_reuse_period_seconds: 300 });
});

test('messages move to the dead-letter queue after the configured receive count', () => {
  expect(JSON.parse(queue.redrive_policy)).toEqual({ deadLetterTargetArn: ref('aws_sqs_queue', dlqId, 'arn'), maxReceiveCount: 5 });
  const other = synthQueue({ maxReceiveCount: 3 });
  const main = resourcesOf(other, 'aws_sqs_queue').find(([, q]) => q.name === 'software-update-events')!;
  expect(JSON.parse(main[1].redrive_policy).maxReceiveCount).toBe(3);
});

test('only this queue may redrive into the dead-letter queue', () => {
  const [[, allow]] = resourcesOf(json, 'aws_sqs_queue_redrive_allow_policy');
  expect(allow.queue_url).toBe(ref('aws_sqs_queue', dlqId, 'url'));
  expect(JSON.parse(allow.redrive_allow_policy)).toEqual({ redrivePermission: 'byQueue', sourceQueueArns: [ref('aws_sqs_queue', queueId, 'arn')] });
});

test('both queues refuse requests that are not over TLS', () => {
  const policies = resourcesOf(json, 'aws_sqs_queue_policy').map(([, p]) => [p.queue_url, JSON.parse(p.policy).Statement]);
  expect(policies).toHaveLength(2);
  for (const [url, statements] of policies) {
    const id = url.includes(dlqId) ? dlqId : queueId;
    expect(statements).toEqual([
      { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: ref('aws_sqs_queue', id, 'arn'), Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ]);
  }
});

test('exposes the names, ARNs and URLs of both queues', () => {
  let visibility = 0;
  const exposed = synthQueue({}, (q) => {
    const outputs = { queueName: q.queueName, queueArn: q.queueArn, queueUrl: q.queueUrl, dlqName: q.deadLetterQueueName, dlqArn: q.deadLetterQueueArn, dlqUrl: q.deadLetterQueueUrl };
    Object.entries(outputs).forEach(([name, value]) => new TerraformOutput(q, name, { value }));
    visibility = q.visibilityTimeoutSeconds;
  });
  const value = (name: string) => Object.entries(exposed.output as Record<string, { value: string }>).find(([id]) => id.includes(`_${name}`))?.[1].value;
  expect(['queueName', 'queueArn', 'queueUrl'].map(value)).toEqual(['name', 'arn', 'url'].map((a) => ref('aws_sqs_queue', queueId, a)));
  expect(['dlqName', 'dlqArn', 'dlqUrl'].map(value)).toEqual(['name', 'arn', 'url'].map((a) => ref('aws_sqs_queue', dlqId, a)));
  expect(visibility).toBe(60);
  expect(queue.visibility_timeout_seconds).toBe(60);
});

const grantStatements = (grant: (q: EventQueue, role: ReturnType<typeof testRole>) => void) => {
  const synthesized = synthQueue({}, (q) => grant(q, testRole(q)));
  return JSON.parse(resourcesOf(synthesized, 'aws_iam_role_policy')[0][1].policy).Statement as Record<string, any>[];
};

test('grantConsume allows what an event source mapping needs on the queue, decrypting through SQS only', () => {
  const statements = grantStatements((q, role) => {
    q.grantConsume(role);
    q.grantConsume(role);
  });
  expect(statements).toEqual([
    {
      Sid: 'SqsConsumeSoftwareEventQueue',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
      Resource: ref('aws_sqs_queue', queueId, 'arn'),
    },
    { Sid: 'SqsDecryptSoftwareEventQueue', Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn, Condition: { StringEquals: { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' } } },
  ]);
});

test('grantSend allows sending to the queue, encrypting through SQS only', () => {
  const statements = grantStatements((q, role) => q.grantSend(role));
  expect(statements.map((s) => [s.Action, s.Resource, s.Condition])).toEqual([
    [['sqs:SendMessage', 'sqs:GetQueueUrl'], ref('aws_sqs_queue', queueId, 'arn'), undefined],
    [['kms:GenerateDataKey', 'kms:Decrypt'], keyArn, { StringEquals: { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' } }],
  ]);
});

describe('rejects bad props', () => {
  const errorWith = (overrides: Overrides) => constructionError((stack, key) => new EventQueue(stack, 'Q', { ...props(overrides), encryptionKey: key }));

  test('a retention outside SQS limits', () => {
    expect(errorWith({ messageRetentionSeconds: 30 })).toMatch(/messageRetentionSeconds 30 is outside 60-1209600/);
  });

  test('a receive count of zero', () => {
    expect(errorWith({ maxReceiveCount: 0 })).toMatch(/maxReceiveCount 0 is outside 1-1000/);
  });

  test('a name too long for its dead-letter queue', () => {
    expect(errorWith({ queueName: 'q'.repeat(78) })).toMatch(/queue name must be 1-76/);
  });
});

test('metricXxx() are the peak of messages waiting in the queue and in its dead-letter queue', () => {
  let metrics: unknown[] = [];
  let names: string[] = [];
  synthQueue({}, (queue) => {
    metrics = [queue.metricApproximateNumberOfMessagesVisible(), queue.metricDeadLetterQueueMessagesVisible({ statistic: 'Sum' })];
    names = [queue.queueName, queue.deadLetterQueueName];
  });
  expect(names.every((name) => name.length > 0)).toBe(true);
  expect(metrics).toEqual([
    { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: names[0] }, statistic: 'Maximum' },
    { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: names[1] }, statistic: 'Sum' },
  ]);
});
