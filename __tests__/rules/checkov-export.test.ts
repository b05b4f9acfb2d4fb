import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ACCEPTED_CHECKOV, CHECKOV_SKIPS_JSON_POLICIES } from '../../rules/accepted-checkov';
import { RULES } from '../../rules/index';
import { spawnSync } from 'node:child_process';
import { loadEnvironments } from '../../environments/load';
import { ciSubjects } from '../../stacks/github-oidc';
import { TERRAFORM_REQUIRED_VERSION } from '../../stacks/account-stack';
import {
  CHECKOV_CONFIG_FILE,
  checkovCell,
  checkovConfig,
  checkovCopy,
  checkovSkips,
  checkovUnparsable,
  currentSuppressions,
  README_FILE,
  readmeWithRules,
  rulesMarkdown,
  writeCheckovStacks,
} from '../../tools/ci/export-checkov';
import { readStack, REPO_ROOT, sharedSynth } from '../helpers/terraform';
import { tempDir } from '../helpers/temp';

const committed = fs.readFileSync(path.join(__dirname, '..', '..', CHECKOV_CONFIG_FILE), 'utf8');
const suppressions = currentSuppressions();

describe('.checkov.yaml', () => {
  it('is what tools/ci/export-checkov.ts generates from the current suppressions (run it after changing one)', () => {
    expect(committed).toBe(checkovConfig(checkovSkips(suppressions)));
  });

  it('gives every skipped check a reason on the line above', () => {
    const lines = committed.split('\n');
    const skipped = (parse(committed) as { 'skip-check': string[] })['skip-check'];
    expect(skipped.length).toBeGreaterThan(0);
    for (const checkId of skipped) {
      const index = lines.indexOf(`  - ${checkId}`);
      expect(lines[index - 1]).toMatch(/^ {2}# .{20,}/);
    }
  });

  it('scans the synthesized Terraform JSON', () => {
    expect((parse(committed) as { framework: string[] }).framework).toEqual(['terraform_json']);
  });
});

describe('checkovSkips', () => {
  it('skips the checkov checks of a suppressed rule, once for all accounts, with the reason', () => {
    const skips = checkovSkips([
      { path: 'dev/Database/Instance', ruleId: 'PLAT-RDS-5', reason: 'dev databases are disposable test data' },
      { path: 'staging/Database/Instance', ruleId: 'PLAT-RDS-5', reason: 'dev databases are disposable test data' },
    ]);
    expect(skips).toContainEqual({ checkId: 'CKV_AWS_293', reasons: ['PLAT-RDS-5 suppressed on <stack>/Database/Instance: dev databases are disposable test data'] });
  });

  it('skips every accepted check with its reason', () => {
    const skips = checkovSkips([], RULES, { CKV_AWS_999: 'a reason long enough to explain the exception' });
    expect(skips).toContainEqual({ checkId: 'CKV_AWS_999', reasons: ['accepted: a reason long enough to explain the exception'] });
  });

  it('accepts no check that a rule enforces or replaces (that would silence the scanner on a rule of ours)', () => {
    const covered = new Set(RULES.flatMap((rule) => [...(rule.checkov ?? []), ...Object.keys(rule.replacesCheckov ?? {})]));
    expect(Object.keys(ACCEPTED_CHECKOV).filter((checkId) => covered.has(checkId))).toEqual([]);
    for (const reason of Object.values(ACCEPTED_CHECKOV)) expect(reason.length).toBeGreaterThanOrEqual(40);
  });

  it('adds nothing for a suppressed rule without a checkov counterpart', () => {
    const withoutSuppression = checkovSkips([]);
    expect(checkovSkips([{ path: 'dev/Role', ruleId: 'PLAT-IAM-5', reason: 'plan must read every resource type' }])).toEqual(withoutSuppression);
  });
});

describe('the rules page (docs/security-rules.md)', () => {
  const markdown = rulesMarkdown(suppressions);

  it('lists every rule with its scanner mapping', () => {
    for (const rule of RULES) expect(markdown).toContain(`| ${rule.id} | ${checkovCell(rule)} |`);
  });

  // checkov 3.2.500's IAM, SQS and SNS policy checks skip policies written as JSON strings (how cdktf
  // writes every policy) without a finding or a report (shared/DESIGN.md section 8), so the table
  // must not present them as a second check, and must say what checks those policies instead.
  it('never presents a checkov policy check as run on these stacks, and names what checks the policies', () => {
    const policyRules = RULES.filter((rule) => (rule.checkov ?? []).some((id) => CHECKOV_SKIPS_JSON_POLICIES.has(id)));
    expect(policyRules.map((rule) => rule.id)).toEqual(expect.arrayContaining(['PLAT-IAM-1', 'PLAT-IAM-2', 'PLAT-SNS-2', 'PLAT-SQS-2']));
    for (const rule of policyRules) {
      const row = markdown.split('\n').find((line) => line.startsWith(`| ${rule.id} |`))!;
      const checkovColumn = row.split(' | ')[1];
      for (const id of rule.checkov!.filter((checkId) => CHECKOV_SKIPS_JSON_POLICIES.has(checkId))) {
        expect(checkovColumn).toMatch(new RegExp(`not run here: [^|]*\\b${id}\\b`));
      }
    }
    expect(markdown).toMatch(/PLAT-IAM-7/);
    expect(markdown).toContain('__tests__/iam/');
  });

  it('lists every current suppression with its reason', () => {
    for (const s of suppressions) expect(markdown).toContain(`| ${s.path} | ${s.ruleId} | ${s.reason} |`);
  });

  it('is what the rules page shows (run tools/ci/export-checkov.ts after changing a rule or suppression)', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', README_FILE), 'utf8');
    expect(readme).toBe(readmeWithRules(readme, markdown));
  });
});

// The real checkov 3.2.500 (the version CI pins) found these on the synthesized stacks; each is
// deliberate or a false positive and is accepted, with its reason, in the generated .checkov.yaml.
describe('checkov findings accepted with their reasons', () => {
  const skipped = (parse(committed) as { 'skip-check': string[] })['skip-check'];
  it.each([
    ['CKV_AWS_225', /caching/],
    ['CKV2_AWS_5', /aws_db_proxy/],
  ])('%s is skipped with its reason', (checkId, reason) => {
    expect(skipped).toContain(checkId);
    expect(ACCEPTED_CHECKOV[checkId]).toMatch(reason);
    const lines = committed.split('\n');
    expect(lines[lines.indexOf(`  - ${checkId}`) - 1]).toMatch(reason);
  });
});

/**
 * checkov 3.2.500 (the pin) and 3.3.13 parse Terraform JSON with checkov/terraform_json/parser.py:
 * every entry of a top-level block other than resource, data, provider and locals goes through
 * hclify(), which raises "this method receives only dicts" on anything but an object, and the whole
 * scan exits 2 with no result (https://github.com/bridgecrewio/checkov/issues/7454; fix #7467 not
 * merged). Run against the real checkov with ../shared/tools/checkov-scan.sh.
 */
describe('the stacks CI scans with checkov (#21 item 6)', () => {
  const outdir = sharedSynth();
  const stacksDir = path.join(outdir, 'stacks');
  const stacks = fs.readdirSync(stacksDir).sort();

  it.each(stacks)('%s as synthesized holds the setting checkov cannot parse, and keeps it for Terraform', (stack) => {
    const json = readStack(outdir, stack);
    expect(checkovUnparsable(json)).toEqual(['terraform.required_version']);
    expect(json.terraform.required_version).toBe(TERRAFORM_REQUIRED_VERSION);
  });

  it.each(stacks)('%s: the copy for checkov is the synthesized stack without terraform.required_version, and nothing checkov cannot parse', (stack) => {
    const json = readStack(outdir, stack);
    const copy = checkovCopy(json, stack) as Record<string, any>;
    expect(checkovUnparsable(copy)).toEqual([]);
    const { required_version: removed, ...terraform } = json.terraform;
    expect(removed).toBe(TERRAFORM_REQUIRED_VERSION);
    expect(copy).toEqual({ ...json, terraform });
  });

  it('writes one copy per stack outside the synthesized stacks, which stay byte for byte what the workflows plan', () => {
    const before = stacks.map((stack) => fs.readFileSync(path.join(stacksDir, stack, 'cdk.tf.json')));
    const dest = path.join(tempDir('checkov-stacks-'), 'stacks');
    expect(writeCheckovStacks(stacksDir, dest)).toEqual(stacks);
    expect(fs.readdirSync(dest).sort()).toEqual(stacks);
    for (const stack of stacks) {
      expect(fs.readdirSync(path.join(dest, stack))).toEqual(['cdk.tf.json']);
      expect(JSON.parse(fs.readFileSync(path.join(dest, stack, 'cdk.tf.json'), 'utf8'))).toEqual(checkovCopy(readStack(outdir, stack), stack));
    }
    stacks.forEach((stack, i) => expect(fs.readFileSync(path.join(stacksDir, stack, 'cdk.tf.json')).equals(before[i])).toBe(true));
    // A second run replaces its own copy.
    expect(writeCheckovStacks(stacksDir, dest)).toEqual(stacks);
  });

  it('refuses a folder that holds anything but an earlier copy, and another scalar checkov would abort on, naming it', () => {
    const dest = tempDir('checkov-foreign-');
    fs.writeFileSync(path.join(dest, 'notes.txt'), 'mine');
    expect(() => writeCheckovStacks(stacksDir, dest)).toThrow(/holds notes\.txt, not an earlier copy for checkov/);
    expect(fs.readFileSync(path.join(dest, 'notes.txt'), 'utf8')).toBe('mine');
    const json = readStack(outdir, stacks[0]);
    expect(() => checkovCopy({ ...json, output: { ...json.output, plain: 'x' } }, 'some/cdk.tf.json')).toThrow(
      /^some\/cdk\.tf\.json: output\.plain is not an object, which checkov's terraform_json parser cannot read \(bridgecrewio\/checkov#7454\)/,
    );
  });

  it('the command refuses to write its copy over the synthesized stacks', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'tools/ci/export-checkov.ts', '--stacks', stacksDir, stacksDir], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect([result.status, result.stderr.trim()]).toEqual([2, `${stacksDir}: write the copy for checkov elsewhere; the synthesized stacks are what the workflows plan`]);
  }, 60_000);
});

/**
 * checkov 3.3.x's CKV_AWS_393 (checkov/terraform/checks/resource/aws/GithubActionsOIDCTrustPolicyOnRole.py)
 * fails a role whose `sub` starts `repo:` unless the part after it matches gh_repo_regex
 * (checkov/common/util/oidc_utils.py, 3.3.13, quoted here), which knows only `owner/repo`: GitHub's
 * immutable subject `repo:<owner>@<id>/<repo>@<id>` (https://docs.github.com/actions/reference/security/oidc#immutable-subject-claims)
 * fails it. Fix https://github.com/bridgecrewio/checkov/pull/7610 is not merged.
 */
describe('CKV_AWS_393 on the immutable GitHub subject', () => {
  const ghRepoRegex = /^(\$\{)?[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*(\})?\/[^/]+/;
  const checkovPasses = (sub: string) => ghRepoRegex.test(sub.split(':')[1]);
  const skipped = (parse(committed) as { 'skip-check': string[] })['skip-check'];

  it('fails every CI role subject of the configured repository, and would pass the name-only form', () => {
    for (const config of loadEnvironments()) {
      const subjects = Object.values(ciSubjects(config)).flat();
      if (config.github.subjectFormat === 'immutable') expect(subjects.filter(checkovPasses)).toEqual([]);
      const legacy = Object.values(ciSubjects({ github: { ...config.github, subjectFormat: 'legacy' } })).flat();
      expect(legacy.every(checkovPasses)).toBe(true);
    }
  });

  it('is skipped with the reason and the rule that checks the same ground, so a checkov 3.3 bump does not fail CI', () => {
    expect(skipped).toContain('CKV_AWS_393');
    expect(ACCEPTED_CHECKOV.CKV_AWS_393).toMatch(/immutable subject.*#7610.*PLAT-IAM-4/);
    expect(RULES.find((rule) => rule.id === 'PLAT-IAM-4')?.resourceTypes).toContain('aws_iam_role');
  });
});

// pip reads `-c` inside a requirements file relative to that file, and applies a constraint to any
// package the resolver picks: https://pip.pypa.io/en/stable/user_guide/#constraints-files
describe('the checkov install CI runs (.github/requirements)', () => {
  const dir = path.join(REPO_ROOT, '.github', 'requirements');
  const lines = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8').split('\n').filter((line) => line.trim() && !line.startsWith('#'));
  const requirements = lines('checkov.txt');
  const pin = /^checkov==(\d+\.\d+\.\d+)$/.exec(requirements.find((line) => line.startsWith('checkov')) ?? '')?.[1];
  const constraintsText = fs.readFileSync(path.join(dir, 'checkov-constraints.txt'), 'utf8');

  it('pins checkov exactly and constrains its dependencies with checkov-constraints.txt', () => {
    expect(pin).toBeDefined();
    expect(requirements).toEqual(['-c checkov-constraints.txt', `checkov==${pin}`]);
  });

  it('pins every dependency to one exact version, resolved for the checkov version CI pins (regenerate it with the pin)', () => {
    expect(constraintsText).toMatch(new RegExp(`tag ${pin!.replace(/\./g, '\\.')}, commit [0-9a-f]{40}, Pipfile\\.lock`));
    const pins = lines('checkov-constraints.txt');
    expect(pins.length).toBeGreaterThan(40);
    for (const line of pins) expect(line).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*==[\w.]+( ; .+)?$/);
    const names = pins.map((line) => line.split('==')[0].toLowerCase().replace(/[._]/g, '-'));
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain('checkov');
    // What checkov imports for the scan: its HCL parser and its graph library among them.
    expect(names).toEqual(expect.arrayContaining(['bc-python-hcl2', 'rustworkx', 'pyyaml', 'boto3', 'botocore', 'cloudsplaining', 'policy-sentry']));
  });
});
