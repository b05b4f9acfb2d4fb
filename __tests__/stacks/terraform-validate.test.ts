import * as fs from 'node:fs';
import * as path from 'node:path';
import { synthToTempDir, terraformValidate } from '../helpers/terraform';

const outdir = synthToTempDir();
const stacks = fs.readdirSync(path.join(outdir, 'stacks')).sort();

test('every account has a main and a bootstrap stack', () => {
  expect(stacks).toEqual(['dev', 'dev-bootstrap', 'staging', 'staging-bootstrap']);
});

test.each(stacks)('terraform validate passes for stack %s', async (stack) => {
  await terraformValidate(path.join(outdir, 'stacks', stack));
});
