import { Construct } from 'constructs';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueueRedriveAllowPolicy } from '@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy';
import type { EncryptionKey } from './encryption-key';
import type { IGrantee } from './iam';
import { type Metric, type MetricOptions, queueMessagesVisible } from './metric';
import { tlsOnlyQueuePolicy } from './tls-only-queue-policy';
import { nameAcrossStacks } from './cross-stack';
import { ConstructPropsError } from './construct-props-error';

/** SQS's longest retention, given to the dead-letter queue so failed events wait for a human. */
const MAX_RETENTION_SECONDS = 1209600;

export interface EventQueueProps {
  /** Queue name; the dead-letter queue is <queueName>-dlq. */
  readonly queueName: string;
  readonly encryptionKey: EncryptionKey;
  /** How long an unconsumed message is kept (60-1209600). */
  readonly messageRetentionSeconds: number;
  /** Receives before a message moves to the dead-letter queue (1-1000). */
  readonly maxReceiveCount: number;
  /**
   * How long a received message stays hidden. AWS advises six times the consumer function's
   * timeout for Lambda event sources. Default: 60.
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Where the queues live: their ARNs and URLs are known from the names, so other units read them without remote state. */
  readonly accountId: string;
  readonly region: string;
}

/**
 * A KMS-encrypted SQS queue with a dead-letter queue behind it: messages that fail
 * maxReceiveCount times move aside instead of blocking the queue, and only this queue may
 * redrive into the dead-letter queue. Both queues refuse requests that are not over TLS.
 */
export class EventQueue extends Construct {
  readonly queueArn: string;
  readonly queueUrl: string;
  readonly queueName: string;
  readonly deadLetterQueueArn: string;
  readonly deadLetterQueueName: string;
  readonly deadLetterQueueUrl: string;
  readonly visibilityTimeoutSeconds: number;
  private readonly encryptionKey: EncryptionKey;

  constructor(scope: Construct, id: string, props: EventQueueProps) {
    super(scope, id);
    validateQueueProps(props);
    this.encryptionKey = props.encryptionKey;
    this.visibilityTimeoutSeconds = props.visibilityTimeoutSeconds ?? 60;
    const encryption = {
      kmsMasterKeyId: props.encryptionKey.keyArn,
      // Reuse a data key for 5 minutes: fewer KMS calls at the same protection.
      kmsDataKeyReusePeriodSeconds: 300,
    };
    const dlq = new SqsQueue(this, 'DeadLetterQueue', {
      name: `${props.queueName}-dlq`,
      messageRetentionSeconds: MAX_RETENTION_SECONDS,
      ...encryption,
    });
    const queue = new SqsQueue(this, 'Queue', {
      name: props.queueName,
      messageRetentionSeconds: props.messageRetentionSeconds,
      visibilityTimeoutSeconds: this.visibilityTimeoutSeconds,
      // Long polling: fewer empty receives.
      receiveWaitTimeSeconds: 20,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: props.maxReceiveCount }),
      ...encryption,
    });
    new SqsQueueRedriveAllowPolicy(this, 'RedriveAllow', {
      queueUrl: dlq.url,
      redriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [queue.arn] }),
    });
    tlsOnlyQueuePolicy(this, 'QueuePolicy', queue);
    tlsOnlyQueuePolicy(this, 'DeadLetterQueuePolicy', dlq);
    // ARN and URL follow from the name (queue URL format:
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-queue-message-identifiers.html).
    const arn = (name: string) => `arn:aws:sqs:${props.region}:${props.accountId}:${name}`;
    const url = (name: string) => `https://sqs.${props.region}.amazonaws.com/${props.accountId}/${name}`;
    const dlqName = `${props.queueName}-dlq`;
    this.queueArn = nameAcrossStacks(this, queue.arn, arn(props.queueName));
    this.queueUrl = nameAcrossStacks(this, queue.url, url(props.queueName));
    this.queueName = nameAcrossStacks(this, queue.name, props.queueName);
    this.deadLetterQueueArn = nameAcrossStacks(this, dlq.arn, arn(dlqName));
    this.deadLetterQueueName = nameAcrossStacks(this, dlq.name, dlqName);
    this.deadLetterQueueUrl = nameAcrossStacks(this, dlq.url, url(dlqName));
  }

  /** Receive, delete and extend visibility of messages (what a Lambda event source mapping needs). */
  grantConsume(grantee: IGrantee): void {
    const name = this.sidName();
    grantee.addToPrincipalPolicy({
      sid: `SqsConsume${name}`,
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
      resources: [this.queueArn],
    });
    this.encryptionKey.grantViaService(grantee, `SqsDecrypt${name}`, ['kms:Decrypt'], 'sqs');
  }

  /** Send messages, encrypting them through SQS. */
  grantSend(grantee: IGrantee): void {
    const name = this.sidName();
    grantee.addToPrincipalPolicy({
      sid: `SqsSend${name}`,
      actions: ['sqs:SendMessage', 'sqs:GetQueueUrl'],
      resources: [this.queueArn],
    });
    this.encryptionKey.grantViaService(grantee, `SqsEncrypt${name}`, ['kms:GenerateDataKey', 'kms:Decrypt'], 'sqs');
  }

  /** Messages waiting in the queue (Maximum). */
  metricApproximateNumberOfMessagesVisible(options: MetricOptions = {}): Metric {
    return queueMessagesVisible(this.queueName, options);
  }

  /** Messages waiting in the dead-letter queue (Maximum): each one failed every receive. */
  metricDeadLetterQueueMessagesVisible(options: MetricOptions = {}): Metric {
    return queueMessagesVisible(this.deadLetterQueueName, options);
  }

  private sidName(): string {
    return this.node.id.replace(/[^A-Za-z0-9]/g, '');
  }
}

function validateQueueProps(props: EventQueueProps): void {
  const where = `EventQueue ${props.queueName}`;
  // The dead-letter queue adds '-dlq' to the 80-character SQS limit.
  if (!/^[A-Za-z0-9_-]{1,76}$/.test(props.queueName)) {
    throw new ConstructPropsError(`${where}: queue name must be 1-76 letters, digits, '-' or '_' (the dead-letter queue appends -dlq)`);
  }
  if (!Number.isInteger(props.messageRetentionSeconds) || props.messageRetentionSeconds < 60 || props.messageRetentionSeconds > MAX_RETENTION_SECONDS) {
    throw new ConstructPropsError(`${where}: messageRetentionSeconds ${props.messageRetentionSeconds} is outside 60-${MAX_RETENTION_SECONDS} (1 minute to 14 days)`);
  }
  if (!Number.isInteger(props.maxReceiveCount) || props.maxReceiveCount < 1 || props.maxReceiveCount > 1000) {
    throw new ConstructPropsError(`${where}: maxReceiveCount ${props.maxReceiveCount} is outside 1-1000`);
  }
  const visibility = props.visibilityTimeoutSeconds ?? 60;
  if (!Number.isInteger(visibility) || visibility < 0 || visibility > 43200) {
    throw new ConstructPropsError(`${where}: visibilityTimeoutSeconds ${visibility} is outside 0-43200 (12 hours)`);
  }
}
