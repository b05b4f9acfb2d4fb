import { ApiGatewayLogging } from '../../constructs/api-gateway-logging';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';

const json = synthWith((stack) => new ApiGatewayLogging(stack, 'ApiGatewayLogging'));
const [[roleId, role]] = resourcesOf(json, 'aws_iam_role');
const [[attachmentId, attachment]] = resourcesOf(json, 'aws_iam_role_policy_attachment');
const [[, account]] = resourcesOf(json, 'aws_api_gateway_account');

test('API Gateway assumes the logging role (no condition: AWS documents no confused-deputy key for it)', () => {
  expect(role.name).toBe('api-gateway-cloudwatch-logs');
  expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
    {
      Effect: 'Allow',
      Principal: { Service: 'apigateway.amazonaws.com' },
      Action: 'sts:AssumeRole',
    },
  ]);
});

test('the account setting is saved only after the role can write logs (its managed policy is attached)', () => {
  expect(attachment).toMatchObject({ policy_arn: 'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs', role: `\${aws_iam_role.${roleId}.name}` });
  expect(account.cloudwatch_role_arn).toBe(`\${aws_iam_role.${roleId}.arn}`);
  expect(account.depends_on).toEqual([`aws_iam_role_policy_attachment.${attachmentId}`]);
});
