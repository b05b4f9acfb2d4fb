import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { EncryptionKey } from './encryption-key';

export interface LogGroupProps {
  readonly logGroupName: string;
  readonly retentionDays: number;
  /** Key that encrypts the log data; its policy is extended to admit CloudWatch Logs. */
  readonly encryptionKey: EncryptionKey;
}

/**
 * A CloudWatch log group that is always KMS-encrypted and never kept forever. It can be a
 * dependsOn target, for services that would otherwise create the group themselves first.
 */
export class LogGroup extends Construct implements ITerraformDependable {
  readonly logGroupArn: string;
  readonly logGroupName: string;
  readonly fqn: string;

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
    this.fqn = group.fqn;
  }
}
