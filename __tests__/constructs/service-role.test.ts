import { ServiceRole } from '../../constructs/service-role';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';

const trustOf = (json: Record<string, any>) => JSON.parse(resourcesOf(json, 'aws_iam_role')[0][1].assume_role_policy);

test('without conditions the service is trusted with no Condition block (Lambda sends no aws:SourceAccount)', () => {
  const json = synthWith((stack) => new ServiceRole(stack, 'Role', { roleName: 'fn', servicePrincipal: 'lambda.amazonaws.com', description: 'x' }));
  expect(trustOf(json).Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
});

test('conditions guard the trust statement against a confused deputy', () => {
  const json = synthWith(
    (stack) =>
      new ServiceRole(stack, 'Role', {
        roleName: 'flow-logs',
        servicePrincipal: 'vpc-flow-logs.amazonaws.com',
        description: 'x',
        conditions: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
      }),
  );
  expect(trustOf(json).Statement).toEqual([
    {
      Effect: 'Allow',
      Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
    },
  ]);
});

test('exposes one managed-policy attachment per managed policy, for dependsOn', () => {
  let ids: string[] = [];
  const json = synthWith((stack) => {
    const role = new ServiceRole(stack, 'Role', { roleName: 'r', servicePrincipal: 'apigateway.amazonaws.com', description: 'x', managedPolicyArns: ['arn:aws:iam::aws:policy/A', 'arn:aws:iam::aws:policy/B'] });
    ids = role.managedPolicyAttachments.map((a) => a.friendlyUniqueId);
  });
  const attachments = resourcesOf(json, 'aws_iam_role_policy_attachment');
  expect(attachments.map(([id, a]) => [id, a.policy_arn])).toEqual([
    [ids[0], 'arn:aws:iam::aws:policy/A'],
    [ids[1], 'arn:aws:iam::aws:policy/B'],
  ]);
});
