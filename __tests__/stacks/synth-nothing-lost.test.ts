import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironments } from '../../environments/load';
import { configWarnings } from '../../environments/warnings';
import { tempDir } from '../helpers/temp';
import { runApp } from '../helpers/terraform';
import { accountStacks } from '../../stacks/app';

function snapshot(dir: string): Record<string, string> {
  const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[];
  return Object.fromEntries(
    files.filter((f) => f.isFile()).map((f) => {
      const file = path.join(f.parentPath, f.name);
      return [path.relative(dir, file), fs.readFileSync(file, 'utf8')];
    }),
  );
}

describe('invalid configuration fails before anything is written', () => {
  const outdir = tempDir('nothing-lost-');
  const first = runApp(outdir);
  const before = snapshot(outdir);

  test('a good synth writes every stack', () => {
    expect(first.status).toBe(0);
    const stacks = loadEnvironments({ overrides: {} }).flatMap((account) => accountStacks(account).map(({ stack }) => `stacks/${stack}/cdk.tf.json`));
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['manifest.json', ...stacks]));
  });

  // RFC 2606 reserves example.com/.net/.org for documentation: alarm mail sent there reaches nobody.
  test('synth warns, without failing, about alarm addresses on reserved documentation domains (and idle NAT), naming file and field', () => {
    const expected = loadEnvironments({ overrides: {} }).flatMap(configWarnings);
    const printed = first.stderr.split('\n').filter((line) => line.startsWith('WARNING: ')).map((line) => line.slice('WARNING: '.length));
    expect(printed).toEqual(expected);
    for (const warning of printed) expect(warning).toMatch(/^environments\/accounts\/[\w-]+\.ts: [\w.]+: .+; /);
  });

  // Issue #13 item 7: a wrong value from the overrides file is blamed on that file and key, not on the account file.
  test('a bad setting in the overrides file exits non-zero naming that file, the key and the fix, and leaves the previous output intact', () => {
    const overrides = path.join(tempDir('overrides-'), 'overrides.json');
    fs.writeFileSync(overrides, JSON.stringify({ staging: { availabilityZones: ['eu-west-1a', 'eu-west-1z'], database: { backupRetentionDays: 90 } } }));
    const result = runApp(outdir, { INFRA_OVERRIDES_FILE: overrides });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${overrides} (INFRA_OVERRIDES_FILE): staging.availabilityZones.1: 'eu-west-1z' is not an availability zone of eu-west-1; use one of eu-west-1a, eu-west-1b, eu-west-1c`);
    expect(result.stderr).toContain(`${overrides} (INFRA_OVERRIDES_FILE): staging.database.backupRetentionDays: backup retention must be 1-35 days`);
    expect(result.stderr).not.toContain('environments/accounts/staging.ts');
    expect(result.stderr).toMatch(/Nothing was written/);
    expect(snapshot(outdir)).toEqual(before);
  });

  test('a security rule finding fails synthesis with the rule, the construct and the fix, and writes nothing', () => {
    const overrides = path.join(tempDir('overrides-'), 'overrides.json');
    // Valid for the schema (1-35 days) but below the rules' 7-day minimum.
    fs.writeFileSync(overrides, JSON.stringify({ staging: { database: { backupRetentionDays: 3 } } }));
    const result = runApp(outdir, { INFRA_OVERRIDES_FILE: overrides });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/PLAT-RDS-4 \(CKV_AWS_133\) at staging-data\/Database\/Instance \[aws_db_instance\.\w+\]: .*Fix: /);
    expect(result.stderr).toMatch(/Nothing was written/);
    expect(snapshot(outdir)).toEqual(before);
  });

  test('an unreadable overrides file is named in the error', () => {
    const result = runApp(outdir, { INFRA_OVERRIDES_FILE: path.join(outdir, 'missing.json') });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing\.json \(INFRA_OVERRIDES_FILE\): cannot be read as JSON/);
    expect(snapshot(outdir)).toEqual(before);
  });
});
