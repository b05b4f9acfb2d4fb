import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from '../../../tools/ci/run-units';
import { tempDir } from '../../helpers/temp';
import { type RunUnit, runDependencies, runUnits, type Terraform } from '../../../tools/lib/unit-runner';

/**
 * The CI step's command line (tools/ci/run-units.ts) and the Terraform commands the runner issues.
 * Terraform itself is exercised in unit-runner.slow.test.ts; here a recording stand-in shows which
 * arguments each mode passes (https://developer.hashicorp.com/terraform/cli/commands/plan#lock-false).
 */

const units = (account: string) => (account === 'dev' ? ['bootstrap', 'foundation', 'network', 'data', 'app'] : []);

describe('parseArgs', () => {
  const base = ['--mode', 'plan', '--account', 'dev', '--units', 'foundation app', '--stacks', '/x'];

  test('reads the mode, account, units and flags', () => {
    expect(parseArgs([...base, '--no-lock', '--results', '/r.json'], ['dev'], units)).toEqual({
      mode: 'plan',
      account: 'dev',
      units: ['foundation', 'app'],
      stacks: '/x',
      noLock: true,
      holdApproval: false,
      results: '/r.json',
      dependencyStacks: undefined,
    });
    // No unit touched: an empty list runs nothing (the summary says so).
    expect(parseArgs(['--mode', 'apply', '--account', 'dev', '--units', '', '--stacks', '/x', '--hold-approval'], ['dev'], units)).toMatchObject({ units: [], holdApproval: true });
  });

  test('refuses an unknown mode, account or unit, naming the choices', () => {
    expect(() => parseArgs(['--mode', 'destroy', ...base.slice(2)], ['dev'], units)).toThrow('--mode destroy: use plan or apply');
    expect(() => parseArgs([...base.slice(0, 2), '--account', 'qa', ...base.slice(4)], ['dev'], units)).toThrow('--account qa: not an account of this branch; the accounts are: dev');
    expect(() => parseArgs([...base.slice(0, 4), '--units', 'app\nBASH_ENV=x', '--stacks', '/x'], ['dev'], units)).toThrow(
      '--units: BASH_ENV=x is no unit of dev; its units are: bootstrap, foundation, network, data, app',
    );
  });
});

describe('the Terraform commands of each mode', () => {
  const plan = { format_version: '1.2', resource_changes: [{ address: 'aws_sqs_queue.q', change: { actions: ['create'] } }], output_changes: {} };
  // The runner writes plan.json and plan.txt beside each unit: real folders, removed after the file.
  const root = tempDir('run-units-');
  const unit = (name: string, dependsOn: string[] = []): RunUnit => {
    fs.mkdirSync(path.join(root, `dev-${name}`), { recursive: true });
    return { unit: name, stack: `dev-${name}`, dir: path.join(root, `dev-${name}`), dependsOn };
  };
  function recording(): { terraform: Terraform; calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      terraform: async (dir, args) => {
        calls.push(`${path.basename(dir)} ${args.join(' ')}`);
        return args[0] === 'show' && args[1] === '-json' ? JSON.stringify(plan) : '';
      },
    };
  }

  test('--no-lock plans with -lock=false and saves the plan; without it no lock flag is passed', async () => {
    const rec = recording();
    await runUnits([unit('foundation')], { mode: 'plan', terraform: rec.terraform, noLock: true, concurrency: 1 });
    expect(rec.calls).toContain('dev-foundation plan -input=false -no-color -out=plan -lock=false');
    const locked = recording();
    await runUnits([unit('foundation')], { mode: 'apply', terraform: locked.terraform, concurrency: 1 });
    expect(locked.calls).toEqual([
      'dev-foundation init -input=false -no-color',
      'dev-foundation plan -input=false -no-color -out=plan',
      'dev-foundation show -json plan',
      'dev-foundation show -no-color plan',
      'dev-foundation apply -input=false -no-color plan',
    ]);
  });

  test('destroy plans with -destroy, and its order is the graph backwards', async () => {
    const rec = recording();
    await runUnits([unit('foundation')], { mode: 'destroy', terraform: rec.terraform, concurrency: 1 });
    expect(rec.calls).toContain('dev-foundation plan -input=false -no-color -out=plan -destroy');
    expect(runDependencies([unit('foundation'), unit('app', ['foundation'])], 'destroy')).toEqual({ foundation: ['app'], app: [] });
    expect(runDependencies([unit('foundation'), unit('app', ['foundation'])], 'apply')).toEqual({ foundation: [], app: ['foundation'] });
  });
});
