import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { EncryptionKey } from './encryption-key';

export interface LogGroupProps {
  readonly logGroupName: string;
  readonly retentionDays: number;
  /** Key that encrypts the log data; its policy is extended to admit CloudWatch Logs. */
  readonly encryptionKey: EncryptionKey;
}

/** A CloudWatch log group that is always KMS-encrypted and never kept forever. */
export class LogGroup extends Construct {
  readonly logGroupArn: string;
  readonly logGroupName: string;

  constructor(scope: Construct, id: string, props: LogGroupProps) {
    super(scope, id);
    props.encryptionKey.allowCloudWatchLogs();
    const group = new CloudwatchLogGroup(this, 'LogGroup', {
      name: props.logGroupName,
      retentionInDays: props.retentionDays,
      kmsKeyId: props.encryptionKey.keyArn,
    });
    this.logGroupArn = group.arn;
    this.logGroupName = group.name;
  }
}
