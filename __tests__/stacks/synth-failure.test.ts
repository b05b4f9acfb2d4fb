import * as fs from 'node:fs';
import * as path from 'node:path';
import { TerraformStack } from 'cdktf';
import { ConstructPropsError } from '../../constructs/construct-props-error';
import { EncryptionKey } from '../../constructs/encryption-key';
import { EventQueue } from '../../constructs/event-queue';
import { describeSynthFailure } from '../../stacks/synth-failure';
import { synthesizeAtomically } from '../../stacks/synthesize';
import { tempDir } from '../helpers/temp';

const REPO_ROOT = path.resolve(__dirname, '../..');

function synthesizeBadQueue(outdir: string): unknown {
  try {
    synthesizeAtomically(outdir, (app) => {
      const stack = new TerraformStack(app, 'broken');
      const key = new EncryptionKey(stack, 'Key', { alias: 'alias/test', description: 'test key', accountId: '111111111111', region: 'eu-west-1' });
      new EventQueue(stack, 'Queue', { queueName: 'software update events', encryptionKey: key, messageRetentionSeconds: 3600, maxReceiveCount: 3, accountId: '111111111111', region: 'eu-west-1' });
    });
  } catch (error) {
    return error;
  }
  throw new Error('the synth with a bad queue name did not fail');
}

describe('a construct given impossible properties (issue 22 item 6)', () => {
  test('fails the synth with the construct, the field, the fix and the file that built it, without a stack trace, writing nothing', () => {
    const outdir = tempDir('synth-failure-');
    fs.writeFileSync(path.join(outdir, 'previous.json'), '{}');
    const error = synthesizeBadQueue(outdir);
    expect(error).toBeInstanceOf(ConstructPropsError);
    const printed = describeSynthFailure(error);
    expect(printed).toContain("EventQueue software update events: queue name must be 1-76 letters, digits, '-' or '_'");
    expect(printed).toContain(`a construct built by ${path.relative(REPO_ROOT, __filename)}`);
    expect(printed).toMatch(/Nothing was written/);
    expect(printed).not.toMatch(/^\s+at /m);
    expect(fs.readdirSync(outdir)).toEqual(['previous.json']);
  });

  test('any other error is a bug and keeps its stack', () => {
    expect(describeSynthFailure(new TypeError('boom'))).toMatch(/^TypeError: boom\n\s+at /);
  });

  // Every construct raises its property errors as ConstructPropsError, so none prints a stack trace.
  test('no construct throws a bare Error', () => {
    const dir = path.join(REPO_ROOT, 'constructs');
    const offenders = fs
      .readdirSync(dir)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        fs
          .readFileSync(path.join(dir, file), 'utf8')
          .split('\n')
          .flatMap((line, index) => (/throw new Error\(/.test(line) ? [`constructs/${file}:${index + 1}`] : [])),
      );
    expect(offenders).toEqual([]);
  });
});
