import type { AccountFile } from '../schema';

/** Development account: applied on every merge to main; small and single-AZ where it saves money. */
export const account: AccountFile = {
  name: 'dev',
  accountId: '824357028182',
  environment: 'development',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  github: { applyBranch: 'main' },
  logRetentionDays: 30,
  network: {
    cidr: '10.10.0.0/16',
    publicSubnetCidrs: ['10.10.0.0/24', '10.10.1.0/24'],
    privateSubnetCidrs: ['10.10.16.0/20', '10.10.32.0/20'],
    flowLogRetentionDays: 30,
  },
  database: {
    instanceClass: 'db.t4g.micro',
    maxAllocatedStorageGiB: 50,
    multiAz: false,
    deletionProtection: false,
    finalSnapshot: false,
  },
  storage: { corsAllowedOrigins: ['http://localhost:3000'] },
  functions: {
    'insert-ppu-data': { memoryMiB: 512 },
    'lambda-test-runner': { memoryMiB: 512 },
  },
  // No delivery override: dev takes the default canary (10% for 5 minutes), so a deployment alarm
  // can roll a bad version back there too; all-at-once ends before a one-minute alarm evaluates.
  api: { loggingLevel: 'INFO' },
  notifications: { emails: ['platform-dev-alerts@example.com'] },
  suppressions: [
    {
      rule: 'PLAT-RDS-5',
      unit: 'data',
      construct: 'Database',
      reason:
        'dev holds only test data: its database is destroyed and recreated freely (deletionProtection and finalSnapshot off), and database-admin bootstraps and migrates a fresh one after every apply, with nothing by hand',
    },
  ],
};
