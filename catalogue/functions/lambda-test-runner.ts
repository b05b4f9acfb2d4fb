import { databaseEnvironment, defineFunction } from '../defaults';

export default defineFunction({
  name: 'lambda-test-runner',
  description: 'Post-deploy checks of the database, bucket, table and queue',
  memoryMiB: 1024,
  timeoutSeconds: 300,
  reservedConcurrency: 1,
  vpc: true,
  layers: ['pg-driver'],
  sharedModules: ['platform_log', 'platform_db', 'platform_migrations'],
  trigger: { kind: 'manual' },
  environment: {
    ...databaseEnvironment('lambda_test_runner'),
    BUCKET_NAME: { from: 'bucket-name' },
    TABLE_NAME: { from: 'table-name' },
    QUEUE_URL: { from: 'queue-url' },
  },
  // Checks only look: they read schema_migrations as its own role, list the bucket, describe the
  // table and read queue attributes. Every release's post-traffic hook runs them, so the role may
  // neither migrate nor touch a secret: that is database-admin's (catalogue/database-admin.ts).
  grants: [
    { kind: 'db-login', user: 'lambda_test_runner' },
    { kind: 'bucket-list' },
    { kind: 'table-describe' },
    { kind: 'queue-read-attributes' },
  ],
  // Its checks only read.
  dryRun: { event: {}, expect: { passed: true } },
});
