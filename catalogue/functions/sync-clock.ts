import { databaseEnvironment, defineFunction } from '../defaults';

export const SYNC_CLOCK_METRIC_NAMESPACE = 'PPU/SyncClock';

export default defineFunction({
  name: 'sync-clock',
  description: 'Scheduled check of the database clock against the Lambda clock',
  timeoutSeconds: 3,
  // One run at a time: overlapping checks would only measure each other.
  reservedConcurrency: 1,
  vpc: true,
  layers: ['pg-driver'],
  sharedModules: ['platform_log', 'platform_db'],
  trigger: { kind: 'schedule', scheduleExpression: 'rate(5 minutes)' },
  environment: { ...databaseEnvironment('sync_clock'), METRIC_NAMESPACE: SYNC_CLOCK_METRIC_NAMESPACE },
  grants: [
    { kind: 'db-login', user: 'sync_clock' },
    { kind: 'cloudwatch-put-metric', namespace: SYNC_CLOCK_METRIC_NAMESPACE },
  ],
  // One extra clock measurement: a read of the database clock and one metric data point.
  dryRun: { event: { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, expectKeys: ['driftMilliseconds'] },
});
