import { Construct } from 'constructs';
import { ChatbotSlackChannelConfiguration } from '@cdktf/provider-aws/lib/chatbot-slack-channel-configuration';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import type { EncryptionKey } from './encryption-key';
import { denyInsecureTransport, policyDocument } from './iam';
import { ServiceRole } from './service-role';
import { nameAcrossStacks } from './cross-stack';
import { ConstructPropsError } from './construct-props-error';

export interface SlackChannel {
  /** Slack workspace (team) id, e.g. T01234567; the workspace must be authorised in the Chatbot console once. */
  readonly workspaceId: string;
  /** Slack channel id, e.g. C01234567. */
  readonly channelId: string;
}

export interface AlarmTopicProps {
  readonly topicName: string;
  readonly accountId: string;
  readonly region: string;
  /** Encrypts messages at rest; its policy is extended so CloudWatch alarms can publish. */
  readonly encryptionKey: EncryptionKey;
  /** Addresses that get every alarm by email (each confirms once). Default: none. */
  readonly emails?: readonly string[];
  /** Slack channel that gets every alarm through AWS Chatbot. Default: none (email only). */
  readonly slack?: SlackChannel;
}

/** What the Chatbot role may do: read alarms and metrics to render them, nothing else. */
export const CHATBOT_READ_ACTIONS = [
  'cloudwatch:DescribeAlarmHistory',
  'cloudwatch:DescribeAlarms',
  'cloudwatch:GetMetricData',
  'cloudwatch:GetMetricStatistics',
  'cloudwatch:GetMetricWidgetImage',
  'cloudwatch:ListMetrics',
];

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The account's alarm topic: KMS-encrypted, publishable only by this account's CloudWatch alarms
 * over TLS, delivering to email and optionally Slack.
 */
export class AlarmTopic extends Construct {
  readonly topicArn: string;
  readonly topicName: string;
  /** Only when a Slack channel is configured. */
  readonly chatbotRoleArn?: string;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(props.topicName)) {
      throw new ConstructPropsError(`AlarmTopic topicName '${props.topicName}' must be 1-256 letters, digits, dashes or underscores`);
    }
    const emails = props.emails ?? [];
    const badEmails = emails.filter((email) => !EMAIL.test(email));
    if (badEmails.length) {
      throw new ConstructPropsError(`AlarmTopic emails: ${badEmails.map((e) => `'${e}'`).join(', ')} not a valid email address; write it like team@example.com`);
    }

    // CloudWatch encrypts the alarm message with the topic's key when it publishes.
    props.encryptionKey.allowCloudWatchAlarms();
    const topic = new SnsTopic(this, 'Topic', {
      name: props.topicName,
      displayName: `${props.topicName} (CloudWatch alarms)`,
      kmsMasterKeyId: props.encryptionKey.keyArn,
    });
    new SnsTopicPolicy(this, 'Policy', {
      arn: topic.arn,
      policy: JSON.stringify(
        policyDocument(
          [
            {
              sid: 'AccountManagesTopic',
              // No sns:Publish: only this account's alarms (statement below) publish to the topic.
              actions: ['sns:AddPermission', 'sns:DeleteTopic', 'sns:GetTopicAttributes', 'sns:ListSubscriptionsByTopic', 'sns:RemovePermission', 'sns:SetTopicAttributes', 'sns:Subscribe'],
              resources: [topic.arn],
              principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
            },
            {
              sid: 'CloudWatchAlarmsPublish',
              actions: ['sns:Publish'],
              resources: [topic.arn],
              principal: { Service: 'cloudwatch.amazonaws.com' },
              conditions: {
                StringEquals: { 'aws:SourceAccount': props.accountId },
                ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${props.region}:${props.accountId}:alarm:*` },
              },
            },
          ],
          [
            denyInsecureTransport('sns:Publish', topic.arn),
          ],
        ),
      ),
    });

    emails.forEach((email, index) => {
      new SnsTopicSubscription(this, `Email${index}`, { topicArn: topic.arn, protocol: 'email', endpoint: email });
    });

    if (props.slack) {
      const role = new ServiceRole(this, 'ChatbotRole', {
        roleName: `${props.topicName}-chatbot`,
        servicePrincipal: 'chatbot.amazonaws.com',
        description: `Lets AWS Chatbot render ${props.topicName} alarms in Slack (read-only)`,
      });
      role.addToPrincipalPolicy({ sid: 'ReadAlarmsAndMetrics', actions: CHATBOT_READ_ACTIONS, resources: ['*'] });
      new ChatbotSlackChannelConfiguration(this, 'Slack', {
        configurationName: `${props.topicName}-slack`,
        iamRoleArn: role.roleArn,
        slackTeamId: props.slack.workspaceId,
        slackChannelId: props.slack.channelId,
        snsTopicArns: [topic.arn],
        // Caps what anyone in the channel can do through Chatbot, whatever the role allows.
        guardrailPolicyArns: ['arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess'],
        loggingLevel: 'ERROR',
      });
      this.chatbotRoleArn = role.roleArn;
    }

    // arn:aws:sns:<region>:<account>:<name> (Service Authorization Reference, SNS resource types).
    this.topicArn = nameAcrossStacks(this, topic.arn, `arn:aws:sns:${props.region}:${props.accountId}:${props.topicName}`);
    this.topicName = props.topicName;
  }
}
