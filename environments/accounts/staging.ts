import type { AccountFile } from '../schema';

/** Staging account: production-like sizes; applied only through the approved manual workflow. */
export const account: AccountFile = {
  name: 'staging',
  accountId: '574210586915',
  environment: 'staging',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  github: { applyEnvironment: 'staging' },
  network: {
    cidr: '10.20.0.0/16',
    publicSubnetCidrs: ['10.20.0.0/24', '10.20.1.0/24'],
    privateSubnetCidrs: ['10.20.16.0/20', '10.20.32.0/20'],
  },
  database: { proxy: true, backupRetentionDays: 14 },
  notifications: { emails: ['platform-alerts@example.com'] },
};
