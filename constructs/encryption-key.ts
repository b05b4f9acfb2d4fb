import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { type IGrantee, type PolicyStatement, StatementSet } from './iam';

/** The key operations a service needs to encrypt and decrypt the data it stores. */
const CRYPTO_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext'];

export interface EncryptionKeyProps {
  /** Alias without the alias/ prefix, e.g. platform-data. */
  readonly alias: string;
  readonly description: string;
  readonly accountId: string;
  readonly region: string;
  /** Days before a scheduled deletion completes. Default: 30 (the maximum, to allow recovery). */
  readonly deletionWindowDays?: number;
}

/**
 * A customer-managed KMS key with rotation on and an explicit key policy. The account root keeps
 * administration (so IAM policies can grant use); services are admitted through allowXxx()
 * helpers, each adding one statement scoped to this account.
 */
export class EncryptionKey extends Construct {
  readonly keyArn: string;
  readonly keyId: string;
  private readonly accountId: string;
  private readonly region: string;
  private readonly servicePolicy = new StatementSet();

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    this.accountId = props.accountId;
    this.region = props.region;
    const rootAccess = {
      Sid: 'AccountAdministration',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
      Action: 'kms:*',
      Resource: '*',
    };
    const key = new KmsKey(this, 'Key', {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays ?? 30,
      policy: this.servicePolicy.toJson(() => [rootAccess]),
    });
    new KmsAlias(this, 'Alias', { name: `alias/${props.alias}`, targetKeyId: key.keyId });
    this.keyArn = key.arn;
    this.keyId = key.keyId;
  }

  /** Lets a service principal use the key for data it stores in this account. */
  allowService(sid: string, servicePrincipal: string, conditions?: PolicyStatement['conditions'], actions: readonly string[] = [...CRYPTO_ACTIONS, 'kms:DescribeKey']): void {
    this.servicePolicy.add({
      sid,
      actions,
      resources: ['*'],
      principal: { Service: servicePrincipal },
      conditions,
    });
  }

  /**
   * CloudWatch Logs encrypting log groups of this account (the documented key policy). Only the
   * cryptographic operations: kms:EncryptionContext:* is defined for them alone, so under this
   * condition kms:DescribeKey could never be allowed (AWS KMS condition keys:
   * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context;
   * found by the policy validation rule PLAT-IAM-7).
   */
  allowCloudWatchLogs(): void {
    this.allowService(
      'CloudWatchLogs',
      `logs.${this.region}.amazonaws.com`,
      { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${this.region}:${this.accountId}:log-group:*` } },
      CRYPTO_ACTIONS,
    );
  }

  /**
   * CloudWatch alarms publishing to topics encrypted with this key, in exactly the form AWS
   * documents (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns, statement
   * "Allow_CloudWatch_for_CMK"): kms:Decrypt and kms:GenerateDataKey* for cloudwatch.amazonaws.com,
   * Resource "*", no condition. A condition key CloudWatch does not send with its KMS request
   * (aws:SourceAccount was one here) fails the call, and the alarm then drops every notification
   * ("CloudWatch Alarms does not have authorization to access the SNS topic encryption key").
   * Who may publish is narrowed where CloudWatch does send the keys: the topic policy admits only
   * this account's alarms (aws:SourceAccount and aws:SourceArn on sns:Publish).
   */
  allowCloudWatchAlarms(): void {
    this.servicePolicy.add({
      sid: 'CloudWatchAlarmsPublish',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      principal: { Service: 'cloudwatch.amazonaws.com' },
    });
  }

  /** Grants a principal's role use of the key (encrypt, decrypt, data keys). */
  grantEncryptDecrypt(grantee: IGrantee): void {
    grantee.addToPrincipalPolicy({
      sid: `KmsUse${this.node.id.replace(/[^A-Za-z0-9]/g, '')}`,
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [this.keyArn],
    });
  }

  /**
   * Grants key actions only for calls a service makes on the principal's behalf (kms:ViaService),
   * e.g. 's3' for SSE-KMS objects: the principal can use the key through that service, never directly.
   */
  grantViaService(grantee: IGrantee, sid: string, actions: readonly string[], service: string): void {
    grantee.addToPrincipalPolicy({
      sid,
      actions,
      resources: [this.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `${service}.${this.region}.amazonaws.com` } },
    });
  }
}
