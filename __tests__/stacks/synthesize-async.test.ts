import * as fs from 'node:fs';
import * as path from 'node:path';
import { type App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { synthesizeAtomically, synthesizeAtomicallyAsync } from '../../stacks/synthesize';
import { tempDir } from '../helpers/temp';

function bucketStack(bucket: string): (app: App) => void {
  return (app) => {
    const stack = new TerraformStack(app, 'main');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    new S3Bucket(stack, 'Bucket', { bucket });
  };
}

// npm run synth uses the asynchronous variant (main.ts); it must behave as synthesizeAtomically does.
describe('synthesizeAtomicallyAsync', () => {
  it('writes what synthesizeAtomically writes and leaves no scratch folder behind', async () => {
    const parent = tempDir('synth-async-');
    expect(await synthesizeAtomicallyAsync(path.join(parent, 'async'), bucketStack('one'))).toEqual(['main']);
    synthesizeAtomically(path.join(parent, 'sync'), bucketStack('one'));
    const file = (dir: string) => fs.readFileSync(path.join(parent, dir, 'stacks', 'main', 'cdk.tf.json'), 'utf8');
    expect(file('async')).toBe(file('sync'));
    expect(fs.readdirSync(parent).sort()).toEqual(['async', 'sync']);
  });

  it('leaves the previous output and no scratch folder when the build fails', async () => {
    const parent = tempDir('synth-async-');
    const target = path.join(parent, 'out');
    await synthesizeAtomicallyAsync(target, bucketStack('one'));
    const before = fs.readFileSync(path.join(target, 'stacks', 'main', 'cdk.tf.json'), 'utf8');
    await expect(
      synthesizeAtomicallyAsync(target, (app) => {
        bucketStack('two')(app);
        throw new Error('build failed');
      }),
    ).rejects.toThrow('build failed');
    expect(fs.readFileSync(path.join(target, 'stacks', 'main', 'cdk.tf.json'), 'utf8')).toBe(before);
    expect(fs.readdirSync(parent)).toEqual(['out']);
  });
});
