import type { Construct } from 'constructs';
import type { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { denyInsecureTransport } from './iam';

/**
 * The queue policy every queue of this platform carries: any request not made over TLS is denied,
 * whoever makes it. Grants stay in IAM; this policy only takes away.
 */
export function tlsOnlyQueuePolicy(scope: Construct, id: string, queue: SqsQueue): SqsQueuePolicy {
  return new SqsQueuePolicy(scope, id, {
    queueUrl: queue.url,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [denyInsecureTransport('sqs:*', queue.arn)],
    }),
  });
}
