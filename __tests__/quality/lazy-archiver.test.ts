import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, AssetType, TerraformAsset, TerraformStack } from 'cdktf';
import { tempDir } from '../helpers/temp';

// jest.config.js maps cdktf's 'archiver' to a shim that loads it on first use
// (__tests__/helpers/lazy-archiver.js). cdktf must still zip an ARCHIVE asset through it.
test('an ARCHIVE asset is still zipped by cdktf through the lazily loaded archiver', async () => {
  const source = tempDir('archive-source-');
  fs.writeFileSync(path.join(source, 'handler.py'), 'def handler(event, context):\n    return 1\n');
  const outdir = tempDir('archive-out-');
  const app = new App({ outdir, skipValidation: true });
  const stack = new TerraformStack(app, 'assets');
  const asset = new TerraformAsset(stack, 'Code', { path: source, type: AssetType.ARCHIVE });
  app.synth();
  const zip = path.join(outdir, 'stacks', 'assets', asset.path);
  // archiver writes the zip as a stream: wait for it to end (a zip ends with its end-of-directory record).
  for (let i = 0; i < 100 && !(fs.existsSync(zip) && fs.readFileSync(zip).includes(Buffer.from([0x50, 0x4b, 0x05, 0x06]))); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const bytes = fs.readFileSync(zip);
  expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  expect(bytes.includes(Buffer.from('handler.py'))).toBe(true);
});
