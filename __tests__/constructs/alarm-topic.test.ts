import { AlarmTopic, type AlarmTopicProps, CHATBOT_READ_ACTIONS } from '../../constructs/alarm-topic';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';

function synthTopic(overrides: Partial<Omit<AlarmTopicProps, 'encryptionKey'>> = {}) {
  return synthWith((stack, key) => {
    new AlarmTopic(stack, 'Alarms', {
      topicName: 'platform-alarms',
      accountId: '111122223333',
      region: 'eu-west-1',
      encryptionKey: key,
      emails: ['oncall@example.com', 'lead@example.com'],
      ...overrides,
    });
  });
}

const synthesized = synthTopic();

test('the topic is encrypted with the customer-managed key', () => {
  const [[, topic]] = resourcesOf(synthesized, 'aws_sns_topic');
  const [[keyId]] = resourcesOf(synthesized, 'aws_kms_key');
  expect(topic).toMatchObject({ name: 'platform-alarms', kms_master_key_id: `\${aws_kms_key.${keyId}.arn}` });
});

// AWS documents the key policy statement CloudWatch alarms need to publish to an encrypted topic
// (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns, "Allow_CloudWatch_for_CMK"):
// exactly kms:Decrypt and kms:GenerateDataKey* on "*" for cloudwatch.amazonaws.com. A condition on a
// key CloudWatch does not send with the KMS call fails it, and every notification is dropped.
test("the key's CloudWatch alarms statement is exactly AWS's documented form, with no condition", () => {
  const [[, key]] = resourcesOf(synthesized, 'aws_kms_key');
  const statement = JSON.parse(key.policy).Statement.find((s: any) => s.Sid === 'CloudWatchAlarmsPublish');
  expect(statement).toEqual({
    Sid: 'CloudWatchAlarmsPublish',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    Resource: '*',
  });
});

test("the topic policy lets only this account's alarms publish, over TLS", () => {
  const [[, policy]] = resourcesOf(synthesized, 'aws_sns_topic_policy');
  const statements = JSON.parse(policy.policy).Statement;
  const cloudwatch = statements.find((s: any) => s.Sid === 'CloudWatchAlarmsPublish');
  expect(cloudwatch).toMatchObject({
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: 'sns:Publish',
    Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:*' } },
  });
  expect(statements.find((s: any) => s.Sid === 'DenyInsecureTransport')).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  const publishers = statements.filter((s: any) => s.Effect === 'Allow' && [s.Action].flat().includes('sns:Publish')).map((s: any) => s.Sid);
  expect(publishers).toEqual(['CloudWatchAlarmsPublish']);
});

test('each configured address gets an email subscription', () => {
  const subscriptions = resourcesOf(synthesized, 'aws_sns_topic_subscription').map(([, s]) => `${s.protocol}:${s.endpoint}`);
  expect(subscriptions.sort()).toEqual(['email:lead@example.com', 'email:oncall@example.com']);
});

test('without a Slack channel there is no Chatbot configuration or role', () => {
  expect(resourcesOf(synthesized, 'aws_chatbot_slack_channel_configuration')).toHaveLength(0);
  expect(resourcesOf(synthesized, 'aws_iam_role')).toHaveLength(0);
});

test('a Slack channel is wired through Chatbot with a read-only role and guardrail', () => {
  const withSlack = synthTopic({ slack: { workspaceId: 'T01234567', channelId: 'C01234567' } });
  const [[, chatbot]] = resourcesOf(withSlack, 'aws_chatbot_slack_channel_configuration');
  const [[topicId]] = resourcesOf(withSlack, 'aws_sns_topic');
  expect(chatbot).toMatchObject({
    slack_team_id: 'T01234567',
    slack_channel_id: 'C01234567',
    sns_topic_arns: [`\${aws_sns_topic.${topicId}.arn}`],
    guardrail_policy_arns: ['arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess'],
  });
  const [[, role]] = resourcesOf(withSlack, 'aws_iam_role');
  expect(JSON.parse(role.assume_role_policy).Statement[0].Principal).toEqual({ Service: 'chatbot.amazonaws.com' });
  const [[, policy]] = resourcesOf(withSlack, 'aws_iam_role_policy');
  const actions = JSON.parse(policy.policy).Statement.flatMap((s: any) => s.Action);
  expect(actions).toEqual(CHATBOT_READ_ACTIONS);
  expect(actions.every((a: string) => a.startsWith('cloudwatch:') && !a.includes('*'))).toBe(true);
});

test('an invalid email address is refused naming it', () => {
  expect(() => synthTopic({ emails: ['oncall@example.com', 'not-an-address'] })).toThrow("'not-an-address' not a valid email address");
});
