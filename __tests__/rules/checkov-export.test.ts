import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ACCEPTED_CHECKOV, CHECKOV_SKIPS_JSON_POLICIES } from '../../constructs/rules/accepted-checkov';
import { RULES } from '../../constructs/rules/index';
import { CHECKOV_CONFIG_FILE, checkovCell, checkovConfig, checkovSkips, currentSuppressions, README_FILE, readmeWithRules, rulesMarkdown } from '../../scripts/export-checkov';

const committed = fs.readFileSync(path.join(__dirname, '..', '..', CHECKOV_CONFIG_FILE), 'utf8');
const suppressions = currentSuppressions();

describe('.checkov.yaml', () => {
  it('is what scripts/export-checkov.ts generates from the current suppressions (run it after changing one)', () => {
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

describe('README section', () => {
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

  it('is what the README shows (run scripts/export-checkov.ts after changing a rule or suppression)', () => {
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
