import { Construct } from 'constructs';
import type { AccountConfig } from '../environments/schema';
import { EncryptionKey } from '../constructs/encryption-key';
import { AccountStack } from './account-stack';

export interface MainStackProps {
  readonly config: AccountConfig;
}

/** The account's workload: network, data, functions, API and monitoring. */
export class MainStack extends AccountStack {
  /** The account's customer-managed key for logs, queues, topics, buckets, tables and the database. */
  readonly key: EncryptionKey;

  constructor(scope: Construct, id: string, props: MainStackProps) {
    super(scope, id, { config: props.config, unit: 'main' });
    const { config } = props;
    this.key = new EncryptionKey(this, 'PlatformKey', {
      alias: 'platform',
      description: `Customer-managed key for ${config.name} data at rest`,
      accountId: config.accountId,
      region: config.region,
    });
  }
}
