import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import type { EncryptionKey } from './encryption-key';
import type { IGrantee } from './iam';
import { nameAcrossStacks } from './cross-stack';
import { ConstructPropsError } from './construct-props-error';

/** Key schema the software-event-update-handler reads and writes. */
export const SOFTWARE_EVENTS_PARTITION_KEY = 'deviceId';
export const SOFTWARE_VERSION_INDEX = 'softwareVersion-index';
export const SOFTWARE_VERSION_INDEX_PARTITION_KEY = 'softwareVersion';
export const SOFTWARE_VERSION_INDEX_SORT_KEY = 'occurredAt';

export interface SoftwareEventsTableProps {
  /** Default: software-update-events. */
  readonly tableName?: string;
  /** Encrypts the table, its index and backups. */
  readonly encryptionKey: EncryptionKey;
  /** Refuse DeleteTable. Default: true. */
  readonly deletionProtection?: boolean;
  /** Where the table lives: its ARN is known from the name, so other units read it without remote state. */
  readonly accountId: string;
  readonly region: string;
}

/**
 * The latest software update event per device (partition key deviceId), with an index that
 * lists devices by software version in time order. On-demand capacity, point-in-time recovery
 * and encryption with the account key.
 */
export class SoftwareEventsTable extends Construct {
  readonly tableName: string;
  readonly tableArn: string;
  readonly partitionKey = SOFTWARE_EVENTS_PARTITION_KEY;
  readonly softwareVersionIndexName = SOFTWARE_VERSION_INDEX;
  private readonly encryptionKey: EncryptionKey;

  constructor(scope: Construct, id: string, props: SoftwareEventsTableProps) {
    super(scope, id);
    const name = props.tableName ?? 'software-update-events';
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(name)) {
      throw new ConstructPropsError(`SoftwareEventsTable: table name '${name}' must be 3-255 letters, digits, '_', '-' or '.'`);
    }
    this.encryptionKey = props.encryptionKey;
    const table = new DynamodbTable(this, 'Table', {
      name,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: SOFTWARE_EVENTS_PARTITION_KEY,
      attribute: [
        { name: SOFTWARE_EVENTS_PARTITION_KEY, type: 'S' },
        { name: SOFTWARE_VERSION_INDEX_PARTITION_KEY, type: 'S' },
        { name: SOFTWARE_VERSION_INDEX_SORT_KEY, type: 'S' },
      ],
      globalSecondaryIndex: [
        {
          name: SOFTWARE_VERSION_INDEX,
          hashKey: SOFTWARE_VERSION_INDEX_PARTITION_KEY,
          rangeKey: SOFTWARE_VERSION_INDEX_SORT_KEY,
          projectionType: 'ALL',
        },
      ],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.encryptionKey.keyArn },
      deletionProtectionEnabled: props.deletionProtection ?? true,
    });
    // arn:aws:dynamodb:<region>:<account>:table/<name> (Service Authorization Reference, DynamoDB resource types).
    this.tableName = nameAcrossStacks(this, table.name, name);
    this.tableArn = nameAcrossStacks(this, table.arn, `arn:aws:dynamodb:${props.region}:${props.accountId}:table/${name}`);
  }

  /** Item reads and writes on the table and queries on its index, with the key used through DynamoDB. */
  grantReadWrite(grantee: IGrantee): void {
    const name = this.node.id.replace(/[^A-Za-z0-9]/g, '');
    grantee.addToPrincipalPolicy({
      sid: `DynamoReadWrite${name}`,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DescribeTable'],
      resources: [this.tableArn, `${this.tableArn}/index/*`],
    });
    this.encryptionKey.grantViaService(grantee, `DynamoKms${name}`, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], 'dynamodb');
  }
}
