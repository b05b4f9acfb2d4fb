import { defineFunction } from '../defaults';

export default defineFunction({
  name: 'software-event-update-handler',
  description: 'Consumes software update events from SQS into DynamoDB',
  reservedConcurrency: 5,
  trigger: { kind: 'queue', batchSize: 10, maximumBatchingWindowSeconds: 5 },
  environment: { TABLE_NAME: { from: 'table-name' } },
  grants: [{ kind: 'queue-consume' }, { kind: 'table-read-write' }],
  // An empty batch: nothing to write, nothing failed.
  dryRun: { event: { Records: [] }, expect: { batchItemFailures: [] } },
});
