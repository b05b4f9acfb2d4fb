import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { dependablesInStack, dependsOnStacksOf, nameAcrossStacks } from '../../constructs/cross-stack';
import { tempDir } from '../helpers/temp';

/** Two stacks of one app: `home` holds a queue, `other` uses it. Returns both stacks' JSON and the manifest's dependencies. */
function synth(build: (home: TerraformStack, other: TerraformStack, queue: SqsQueue) => void) {
  const outdir = tempDir('cross-stack-');
  const app = new App({ outdir });
  const [home, other] = ['home', 'other'].map((id) => {
    const stack = new TerraformStack(app, id);
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    return stack;
  });
  const queue = new SqsQueue(home, 'Queue', { name: 'events' });
  build(home, other, queue);
  app.synth();
  const read = (stack: string) => JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  return { home: read('home'), other: read('other'), dependencies: manifest.stacks.other.dependencies as string[] };
}

const parameterValues = (json: Record<string, any>) => Object.values<Record<string, any>>(json.resource.aws_ssm_parameter).map((p) => p.value);

test('a name is the resource attribute in its own stack and the literal name, with a stack dependency, in another', () => {
  const { home, other, dependencies } = synth((homeStack, otherStack, queue) => {
    const name = nameAcrossStacks(queue, queue.name, 'events');
    new SsmParameter(homeStack, 'Here', { name: 'here', type: 'String', value: name });
    new SsmParameter(otherStack, 'There', { name: 'there', type: 'String', value: `queue ${name}` });
  });
  expect(parameterValues(home)).toEqual(['${aws_sqs_queue.Queue.name}']);
  expect(parameterValues(other)).toEqual(['queue events']);
  // No remote state: the other stack does not wait on the home stack's outputs for a name.
  expect(other.data).toBeUndefined();
  expect(home.output).toBeUndefined();
  expect(dependencies).toEqual(['home']);
});

test('the same value used directly crosses through remote state (what cdktf does for generated values)', () => {
  const { other, dependencies } = synth((_home, otherStack, queue) => {
    new SsmParameter(otherStack, 'There', { name: 'there', type: 'String', value: queue.arn });
  });
  expect(Object.keys(other.data.terraform_remote_state)).toEqual(['cross-stack-reference-input-home']);
  expect(dependencies).toEqual(['home']);
});

test('depends_on keeps a dependable of the same stack and turns one of another stack into a stack dependency', () => {
  const { other, dependencies } = synth((_home, otherStack, queue) => {
    const local = new SqsQueue(otherStack, 'Local', { name: 'local' });
    new SsmParameter(otherStack, 'There', { name: 'there', type: 'String', value: 'x', dependsOn: dependablesInStack(otherStack, [queue, local]) });
  });
  expect(other.resource.aws_ssm_parameter.There.depends_on).toEqual(['aws_sqs_queue.Local']);
  expect(dependencies).toEqual(['home']);
});

test('a consumer of literal names depends on the stacks of the constructs that own them, and on nothing in its own stack', () => {
  const { dependencies } = synth((homeStack, otherStack, queue) => {
    const reader = new SsmParameter(otherStack, 'There', { name: 'there', type: 'String', value: 'events' });
    dependsOnStacksOf(reader, queue, reader);
    dependsOnStacksOf(new SsmParameter(homeStack, 'Here', { name: 'here', type: 'String', value: 'x' }), queue);
  });
  expect(dependencies).toEqual(['home']);
});
