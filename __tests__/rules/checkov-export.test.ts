import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ACCEPTED_CHECKOV } from '../../constructs/rules/accepted-checkov';
import { RULES } from '../../constructs/rules/index';
import { CHECKOV_CONFIG_FILE, checkovConfig, checkovSkips, currentSuppressions, README_FILE, readmeWithRules, rulesMarkdown } from '../../scripts/export-checkov';

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
    for (const rule of RULES) expect(markdown).toContain(`| ${rule.id} | ${(rule.checkov ?? []).join(', ') || '-'} |`);
  });

  it('lists every current suppression with its reason', () => {
    for (const s of suppressions) expect(markdown).toContain(`| ${s.path} | ${s.ruleId} | ${s.reason} |`);
  });

  it('is what the README shows (run scripts/export-checkov.ts after changing a rule or suppression)', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', README_FILE), 'utf8');
    expect(readme).toBe(readmeWithRules(readme, markdown));
  });
});
