import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RunUnit, runUnits, type Terraform, terraformIn, type UnitResult, unitsConcurrency } from '../../../tools/lib/unit-runner';
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from '../../../tools/local-aws/s3-server';
import { terraformEnv } from '../../../tools/lib/terraform-env';
import { tempDir } from '../../helpers/temp';

/**
 * The dependency-order runner with real Terraform against the local S3 stand-in. The units are
 * small Terraform configurations of Terraform's built-in provider (terraform_data, outputs and
 * terraform_remote_state, the way a unit stack reads another unit's outputs), so the runner's
 * order, waits and applies are Terraform's own and need no AWS provider.
 */

const BUCKET = 'unit-runner-state';
let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server({ buckets: [BUCKET] });
});
afterAll(async () => {
  await s3.close();
});

// The S3 backend pointed at s3rver, as the plan:local stand-ins do (scripts/local-aws/stand-ins.ts).
const backend = (key: string) => ({
  bucket: BUCKET,
  key,
  region: 'eu-west-1',
  endpoints: { s3: s3.url },
  use_path_style: true,
  access_key: S3RVER_CREDENTIALS.accessKeyId,
  secret_key: S3RVER_CREDENTIALS.secretAccessKey,
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
  skip_s3_checksum: true,
  use_lockfile: true,
});

/** A unit: one terraform_data resource whose input is `value` (plus each dependency's output), and an output of it. */
function writeUnit(root: string, prefix: string, name: string, value: string, dependsOn: readonly string[] = []): RunUnit {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const input = [value, ...dependsOn.map((dep) => `\${data.terraform_remote_state.${dep}.outputs.value}`)].join('+');
  fs.writeFileSync(
    path.join(dir, 'main.tf.json'),
    JSON.stringify({
      terraform: { backend: { s3: backend(`${prefix}/${name}/terraform.tfstate`) } },
      data: dependsOn.length
        ? { terraform_remote_state: Object.fromEntries(dependsOn.map((dep) => [dep, { backend: 's3', config: backend(`${prefix}/${dep}/terraform.tfstate`) }])) }
        : undefined,
      resource: { terraform_data: { this: { input } } },
      output: { value: { value: '${terraform_data.this.output}' } },
    }),
  );
  return { unit: name, stack: `acct-${name}`, dir, dependsOn };
}

let counter = 0;
/** network <- app <- edge, and observability beside them (depends on nothing), each in a fresh state. */
function graph(values: Record<string, string> = {}) {
  const root = tempDir('unit-runner-');
  const prefix = `run${counter++}`;
  const v = (name: string) => values[name] ?? `${name}-1`;
  return {
    root,
    prefix,
    units: [
      writeUnit(root, prefix, 'network', v('network')),
      writeUnit(root, prefix, 'app', v('app'), ['network']),
      writeUnit(root, prefix, 'edge', v('edge'), ['app']),
      writeUnit(root, prefix, 'observability', v('observability')),
    ],
  };
}

const terraform = terraformIn(terraformEnv());
const status = (results: readonly UnitResult[]) => Object.fromEntries(results.map((r) => [r.unit, r.status]));
const find = (results: readonly UnitResult[], unit: string) => results.find((r) => r.unit === unit)!;

/** A Terraform that records the order of commands and how many run at once. */
function recording(): { terraform: Terraform; calls: string[]; maxInFlight: () => number } {
  const calls: string[] = [];
  let inFlight = 0;
  let max = 0;
  return {
    calls,
    maxInFlight: () => max,
    terraform: async (dir, args) => {
      inFlight++;
      max = Math.max(max, inFlight);
      calls.push(`${path.basename(dir)} ${args[0]}`);
      try {
        return await terraform(dir, args);
      } finally {
        inFlight--;
      }
    },
  };
}

describe('runUnits with real Terraform and remote state', () => {
  test('a plan of never-applied units plans the dependency-free ones and reports each dependent as waiting, with no saved plan', async () => {
    const { units } = graph();
    const results = await runUnits(units, { mode: 'plan', terraform, concurrency: 2 });
    expect(status(results)).toEqual({ network: 'planned', observability: 'planned', app: 'waiting', edge: 'waiting' });
    expect(find(results, 'app').reason).toBe('app waits on network: network has unapplied changes; planned after network is applied');
    expect(find(results, 'edge').reason).toBe('edge waits on app: app is not planned yet; planned after app is applied');
    // Never planned: no saved plan of a waiting unit exists to be applied by mistake.
    for (const unit of ['app', 'edge']) expect(fs.existsSync(path.join(units.find((u) => u.unit === unit)!.dir, 'plan'))).toBe(false);
    expect(find(results, 'network').outputsChange).toBe(true);
  }, 300_000);

  test('apply runs dependencies first, plans each dependent against the applied outputs, and a second plan is empty everywhere', async () => {
    const { units } = graph();
    const rec = recording();
    const applied = await runUnits(units, { mode: 'apply', terraform: rec.terraform, concurrency: 2 });
    expect(status(applied)).toEqual({ network: 'applied', app: 'applied', edge: 'applied', observability: 'applied' });
    const at = (call: string) => rec.calls.indexOf(call);
    expect(at('network apply')).toBeLessThan(at('app plan'));
    expect(at('app apply')).toBeLessThan(at('edge plan'));
    // edge's input is what app and network really hold after their applies.
    const edgeOutput = JSON.parse(await terraform(units[2].dir, ['output', '-json'])) as { value: { value: string } };
    expect(edgeOutput.value.value).toBe('edge-1+app-1+network-1');
    const again = await runUnits(units, { mode: 'plan', terraform, concurrency: 2 });
    expect(status(again)).toEqual({ network: 'planned', observability: 'planned', app: 'planned', edge: 'planned' });
    expect(again.map((r) => r.summary!.counts)).toEqual(again.map(() => ({ add: 0, change: 0, replace: 0, destroy: 0 })));
  }, 300_000);

  test('a dependency whose outputs stay lets its dependent plan; one whose output moves makes its dependents wait', async () => {
    const first = graph();
    await runUnits(first.units, { mode: 'apply', terraform, concurrency: 2 });
    // The same folders with app's own value changed: app's output moves, so edge waits; network's does not.
    const changed = writeUnit(first.root, first.prefix, 'app', 'app-2', ['network']);
    const results = await runUnits([first.units[0], changed, first.units[2]], { mode: 'plan', terraform, concurrency: 2 });
    expect(status(results)).toEqual({ network: 'planned', app: 'planned', edge: 'waiting' });
    expect(find(results, 'app').summary!.counts.change).toBe(1);
    expect(find(results, 'network').outputsChange).toBe(false);
    expect(find(results, 'edge').reason).toBe('edge waits on app: app has unapplied changes; planned after app is applied');
  }, 300_000);

  test('a selected unit whose dependency is not run and was never applied waits, naming why', async () => {
    const { units } = graph();
    const results = await runUnits([units[1]], { mode: 'plan', terraform, allUnits: units });
    expect(status(results)).toEqual({ app: 'waiting' });
    expect(results[0].reason).toBe('app waits on network: network was never applied (its state has no outputs); planned after network is applied');
  }, 300_000);

  test('a unit that requires approval is planned but not applied, and its dependents wait for it', async () => {
    const { units } = graph();
    const held = units.map((u) => (u.unit === 'network' ? { ...u, requireApproval: true } : u));
    const results = await runUnits(held, { mode: 'apply', terraform, concurrency: 2, holdApprovalUnits: true });
    expect(status(results)).toEqual({ network: 'held', observability: 'applied', app: 'waiting', edge: 'waiting' });
    expect(find(results, 'network').reason).toBe(
      'network is not applied by this run: it requires approval (config.units.network.requireApproval); apply it through the approved apply (apply.yml)',
    );
    expect(find(results, 'app').reason).toBe('app waits on network: network has unapplied changes and requires approval (config.units.network.requireApproval); planned after network is applied');
    const outputs = JSON.parse(await terraform(units[0].dir, ['output', '-json'])) as object;
    expect(outputs).toEqual({});
    // Without holding approvals (the approved apply) the same unit is applied.
    const approved = await runUnits(held, { mode: 'apply', terraform, concurrency: 2 });
    expect(status(approved)).toEqual({ network: 'applied', observability: 'unchanged', app: 'applied', edge: 'applied' });
  }, 300_000);

  test('destroy runs the graph backwards: a unit after every unit that depends on it', async () => {
    const { units } = graph();
    await runUnits(units, { mode: 'apply', terraform, concurrency: 2 });
    const rec = recording();
    const results = await runUnits(units, { mode: 'destroy', terraform: rec.terraform, concurrency: 2 });
    expect(status(results)).toEqual({ network: 'applied', app: 'applied', edge: 'applied', observability: 'applied' });
    const at = (call: string) => rec.calls.indexOf(call);
    expect(at('edge apply')).toBeLessThan(at('app plan'));
    expect(at('app apply')).toBeLessThan(at('network plan'));
    expect(results.map((r) => r.unit).indexOf('edge')).toBeLessThan(results.map((r) => r.unit).indexOf('network'));
    for (const unit of units) expect(JSON.parse(await terraform(unit.dir, ['output', '-json']))).toEqual({});
  }, 300_000);

  test('runs independent units side by side up to the limit, and one at a time with a limit of 1', async () => {
    for (const limit of [1, 2]) {
      const { units } = graph();
      const rec = recording();
      await runUnits([units[0], units[3]], { mode: 'plan', terraform: rec.terraform, concurrency: limit });
      expect([limit, rec.maxInFlight()]).toEqual([limit, limit]);
    }
  }, 300_000);
});

describe('unitsConcurrency', () => {
  test('defaults to 2 and reads UNITS_CONCURRENCY', () => {
    expect(unitsConcurrency({})).toBe(2);
    expect(unitsConcurrency({ UNITS_CONCURRENCY: '3' })).toBe(3);
  });

  test('refuses a value that is not a positive whole number, naming the variable and the default', () => {
    expect(() => unitsConcurrency({ UNITS_CONCURRENCY: '0' })).toThrow('UNITS_CONCURRENCY=0 is not a positive whole number; set it to how many units may run at once (default 2)');
  });
});
