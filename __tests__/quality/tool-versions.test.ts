import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { TERRAFORM_REQUIRED_VERSION } from '../../stacks/account-stack';
import { tempDir } from '../helpers/temp';
import { readStack, REPO_ROOT, sharedSynth } from '../helpers/terraform';
import { terraformEnv } from '../../tools/lib/terraform-env';

const run = promisify(execFile);

/**
 * Tool versions live where their ecosystems look (.nvmrc for nvm/fnm/setup-node, .python-version
 * for pyenv/setup-python, .terraform-version for tfenv/mise), CI reads the same files, and every
 * stack tells Terraform which versions may run it.
 */
const readPin = (file: string): string => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8').trim();

/** Terraform's `>= a, < b` constraint (the only form TERRAFORM_REQUIRED_VERSION uses) as a test. */
function satisfies(version: string, constraint: string): boolean {
  const parts = (v: string): number[] => v.split('.').map(Number);
  const compare = (a: number[], b: number[]): number => a.map((x, i) => x - (b[i] ?? 0)).find((d) => d !== 0) ?? 0;
  return constraint.split(',').every((clause) => {
    const [, op, bound] = /^\s*(>=|<)\s*([\d.]+)\s*$/.exec(clause) ?? [];
    if (!op) throw new Error(`unexpected constraint clause '${clause}'`);
    const order = compare(parts(version), parts(bound));
    return op === '>=' ? order >= 0 : order < 0;
  });
}

describe('pinned tool versions', () => {
  test('the version files exist and hold one version each', () => {
    expect(readPin('.nvmrc')).toMatch(/^\d+(\.\d+){0,2}$/);
    expect(readPin('.python-version')).toMatch(/^3\.\d+(\.\d+)?$/);
    expect(readPin('.terraform-version')).toMatch(/^1\.\d+\.\d+$/);
  });

  test('the pinned Terraform meets what the stacks require (>= 1.10 for the S3 backend use_lockfile)', () => {
    expect(satisfies(readPin('.terraform-version'), TERRAFORM_REQUIRED_VERSION)).toBe(true);
    // https://developer.hashicorp.com/terraform/language/v1.10.x/upgrade-guides: S3 native state locking arrives in 1.10.
    expect(satisfies('1.9.8', TERRAFORM_REQUIRED_VERSION)).toBe(false);
    expect(satisfies('1.10.0', TERRAFORM_REQUIRED_VERSION)).toBe(true);
  });

  test("package.json's engines admit the pinned Node.js", () => {
    const engines = JSON.parse(readPin('package.json')).engines.node as string;
    const minimum = Number(/^>=\s*(\d+)/.exec(engines)?.[1]);
    expect(Number(readPin('.nvmrc').split('.')[0])).toBeGreaterThanOrEqual(minimum);
  });

  // Node.js 20 reached end of life on 2026-04-30 and left the runner images; 22 is in maintenance
  // LTS until 2027-04-30 (https://github.com/nodejs/Release#release-schedule). The pin names one
  // release exactly, so .ci/run can install that build (tools/ci/install-node.sh) and CI runs it.
  test('Node.js is a supported LTS line, pinned to one release, and engines and @types/node follow its major', () => {
    const pin = readPin('.nvmrc');
    expect(pin).toMatch(/^\d+\.\d+\.\d+$/);
    const major = Number(pin.split('.')[0]);
    const endOfLife: Record<number, string> = { 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30' };
    expect(endOfLife[major]).toBeDefined();
    expect(new Date(endOfLife[major]).getTime()).toBeGreaterThan(Date.now());
    const pkg = JSON.parse(readPin('package.json'));
    expect(pkg.engines.node).toBe(`>=${major}`);
    expect(pkg.devDependencies['@types/node']).toMatch(new RegExp(`^${major}\\.\\d+\\.\\d+$`));
  });

  test('.ci/run puts the pinned Node.js first on PATH (tools/ci/install-node.sh) before it checks the tool versions', () => {
    const ciRun = readPin('.ci/run');
    const install = ciRun.indexOf('PATH="$(bash tools/ci/install-node.sh):$PATH"');
    expect(install).toBeGreaterThan(0);
    expect(install).toBeLessThan(ciRun.indexOf('bash tools/ci/check-tool-versions.sh'));
    expect(install).toBeLessThan(ciRun.indexOf('npm ci'));
    // The installer pins the download for exactly the release .nvmrc names.
    expect(readPin('tools/ci/install-node.sh')).toContain(`PINNED_VERSION=${readPin('.nvmrc')}\n`);
  });

  test('the CI setup action installs Node.js, Python and Terraform from the same files', () => {
    const action = parse(fs.readFileSync(path.join(REPO_ROOT, '.github', 'actions', 'setup', 'action.yml'), 'utf8'));
    const steps = action.runs.steps as { uses?: string; run?: string; id?: string; with?: Record<string, string> }[];
    const using = (name: string) => steps.find((step) => step.uses?.startsWith(`${name}@`));
    expect(using('actions/setup-node')?.with).toMatchObject({ 'node-version-file': '.nvmrc' });
    expect(using('actions/setup-node')?.with).not.toHaveProperty('node-version');
    expect(using('actions/setup-python')?.with).toMatchObject({ 'python-version-file': '.python-version' });
    expect(using('actions/setup-python')?.with).not.toHaveProperty('python-version');
    const terraformVersion = using('hashicorp/setup-terraform')?.with?.terraform_version ?? '';
    const reader = /^\$\{\{ steps\.([\w-]+)\.outputs\.version \}\}$/.exec(terraformVersion)?.[1];
    expect(reader).toBeDefined();
    expect(steps.find((step) => step.id === reader)?.run).toContain('.terraform-version');
  });
});

describe('Terraform version requirement in the synthesized stacks', () => {
  const outdir = sharedSynth();
  const stacks = fs.readdirSync(path.join(outdir, 'stacks'));

  test.each(stacks)('%s declares required_version', (stack) => {
    expect(readStack(outdir, stack).terraform.required_version).toBe(TERRAFORM_REQUIRED_VERSION);
  });

  // Terraform checks required_version when it loads the configuration, before the backend: an
  // older Terraform reports "Unsupported Terraform Core version" instead of tripping over a backend
  // argument it does not know (as Terraform 1.9 would over use_lockfile). The Terraform on PATH
  // plays the old one: the constraint is raised past it and the backend gets an argument no
  // version knows. https://developer.hashicorp.com/terraform/language/terraform#terraform-required_version
  test('a Terraform outside the requirement stops with its own version message, not a backend error', async () => {
    const { stdout } = await run('terraform', ['version', '-json'], { env: terraformEnv() });
    const installed = JSON.parse(stdout).terraform_version as string;
    const [major, minor] = installed.split('.').map(Number);
    const json = readStack(outdir, stacks[0]);
    json.terraform.backend.s3.use_lockfile_from_the_future = true;
    const init = async (requiredVersion: string) => {
      const dir = tempDir('required-version-');
      fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ ...json, terraform: { ...json.terraform, required_version: requiredVersion } }));
      try {
        await run('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env: terraformEnv() });
        return '';
      } catch (error) {
        return (error as { stderr: string }).stderr;
      }
    };

    const tooOld = await init(`>= ${major}.${minor + 1}.0, < 2.0.0`);
    expect(tooOld).toMatch(/Unsupported Terraform Core version/);
    expect(tooOld).toContain(`does not support Terraform version ${installed}`);
    expect(tooOld).not.toMatch(/No argument or block type is named/);

    // Control: with a requirement the installed Terraform meets, the unknown argument is what fails.
    expect(await init(TERRAFORM_REQUIRED_VERSION)).toMatch(/No argument or block type is named "use_lockfile_from_the_future"/);
  });
});
