import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { checkStack, formatReport } from '../../rules/engine';
import { iamValidPolicies } from '../../rules/iam/valid-policies';
import { ACCOUNT, FIXTURE_DAY } from './rule-fixtures';
import { tempDir } from '../helpers/temp';

// A unit reads what AWS generates in another unit through cdktf's remote state; the IAM policy
// rule must resolve such a value through the other stack's output, as it does a value of its own stack.
function policyReport(resources: (producer: { key: KmsKey; queue: SqsQueue }) => string[]): string[] {
  const app = new App({ outdir: tempDir('cross-stack-values-'), skipValidation: true });
  const [producerStack, consumerStack] = ['producer', 'consumer'].map((id) => {
    const stack = new TerraformStack(app, id);
    new AwsProvider(stack, 'aws', { region: 'eu-west-1', allowedAccountIds: [ACCOUNT] });
    return stack;
  });
  const producer = { key: new KmsKey(producerStack, 'Key', {}), queue: new SqsQueue(producerStack, 'Queue', { name: 'events' }) };
  const role = new IamRole(consumerStack, 'Role', {
    name: 'reader',
    assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
  });
  new IamRolePolicy(consumerStack, 'Policy', {
    role: role.name,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:Decrypt', 'sqs:ReceiveMessage'], Resource: resources(producer) }] }),
  });
  // What cdktf does before it writes a stack: turns references to another stack into remote state reads.
  for (const stack of [producerStack, consumerStack]) stack.prepareStack();
  return formatReport(checkStack(consumerStack, { rules: [iamValidPolicies], today: FIXTURE_DAY }));
}

test("a key ARN read from another stack's state is resolved and judged like one of the same stack", () => {
  expect(policyReport(({ key, queue }) => [key.arn, queue.arn])).toEqual([]);
});

test("a value of another stack's state that is no ARN an action takes is still a finding", () => {
  const findings = policyReport(({ key }) => [key.keyId]);
  expect(findings).toHaveLength(1);
  expect(findings[0]).toMatch(/^PLAT-IAM-7 .* consumer\/Policy/);
});
