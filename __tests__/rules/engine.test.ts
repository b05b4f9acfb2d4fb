import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { applyRules, checkStack, formatReport, SecurityRulesError, suppressRule } from '../../rules/engine';
import { synthesizeAtomically } from '../../stacks/synthesize';
import { FIXTURE_DAY, KEY_ARN, reportFor } from './rule-fixtures';

/** A construct holding one log group without retention (PLAT-LOGS-1) unless `retentionDays` is given. */
class Logs extends Construct {
  readonly group: CloudwatchLogGroup;
  constructor(scope: Construct, id: string, retentionDays?: number) {
    super(scope, id);
    this.group = new CloudwatchLogGroup(this, 'Group', { name: `/${id}`, kmsKeyId: KEY_ARN, retentionInDays: retentionDays });
  }
}

function ruleStack(app: App, id: string, build: (stack: TerraformStack) => void): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  build(stack);
  applyRules(stack, { today: FIXTURE_DAY });
  return stack;
}

let outdir: string;
beforeEach(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-engine-'));
});
afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('report', () => {
  it('names the construct path, rule id, scanner id, what is wrong and the fix', () => {
    const lines = formatReport(reportFor((stack) => new Logs(stack, 'Audit')));
    expect(lines).toEqual([
      'PLAT-LOGS-1 (CKV_AWS_66) at fixture/Audit/Group [aws_cloudwatch_log_group.Audit_Group_E93E925B]: retention_in_days is not set (never expire). ' +
        'Fix: set retentionInDays from the account configuration (logRetentionDays), e.g. through the LogGroup construct',
    ]);
  });

  it('is sorted by construct path, whatever the construction order', () => {
    const forward = formatReport(reportFor((stack) => ['Alpha', 'Beta'].forEach((id) => new Logs(stack, id))));
    const backward = formatReport(reportFor((stack) => ['Beta', 'Alpha'].forEach((id) => new Logs(stack, id))));
    expect(backward).toEqual(forward);
    expect(forward.map((line) => /at (\S+)/.exec(line)?.[1])).toEqual(['fixture/Alpha/Group', 'fixture/Beta/Group']);
  });
});

describe('suppressions', () => {
  it('silence the rule on the named construct and everything below it, keeping the reason', () => {
    const report = reportFor((stack) => {
      const audit = new Logs(stack, 'Audit');
      suppressRule(audit, 'PLAT-LOGS-1', 'audit logs are exported to the archive account before expiry');
      new Logs(stack, 'Other');
    });
    expect(report.violations.map((v) => v.path)).toEqual(['fixture/Other/Group']);
    expect(report.suppressed).toEqual([
      expect.objectContaining({
        violation: expect.objectContaining({ path: 'fixture/Audit/Group', ruleId: 'PLAT-LOGS-1' }),
        suppression: { path: 'fixture/Audit', ruleId: 'PLAT-LOGS-1', reason: 'audit logs are exported to the archive account before expiry' },
      }),
    ]);
  });

  it('silence only the named rule', () => {
    const report = reportFor((stack) => {
      const logs = new Logs(stack, 'Audit');
      logs.group.kmsKeyId = '';
      suppressRule(logs, 'PLAT-LOGS-1', 'audit logs are exported to the archive account before expiry');
    });
    expect(report.violations.map((v) => v.ruleId)).toEqual(['PLAT-LOGS-2']);
  });

  it('refuse a missing or too short reason', () => {
    const stack = new TerraformStack(new App({ outdir }), 'fixture');
    expect(() => suppressRule(stack, 'PLAT-LOGS-1', '')).toThrow(/give a reason of at least 20 characters/);
    expect(() => suppressRule(stack, 'PLAT-LOGS-1', 'not needed')).toThrow(/give a reason/);
  });

  it('refuse an unknown rule id', () => {
    const stack = new TerraformStack(new App({ outdir }), 'fixture');
    expect(() => suppressRule(stack, 'PLAT-LOGS-99', 'a reason that is long enough to pass')).toThrow(/unknown rule id 'PLAT-LOGS-99'/);
  });

  it('report a suppression whose rule finds nothing there as an error', () => {
    const report = reportFor((stack) => {
      const logs = new Logs(stack, 'Audit', 30);
      suppressRule(logs, 'PLAT-LOGS-1', 'audit logs are exported to the archive account before expiry');
    });
    expect(report.violations).toEqual([]);
    expect(formatReport(report)).toEqual([
      'Unused suppression of PLAT-LOGS-1 at fixture/Audit: the rule finds nothing there any more. Fix: remove the suppressRule() call',
    ]);
  });
});

describe('enforcement at synth', () => {
  it('fails app.synth() listing every violation of every resource', () => {
    const app = new App({ outdir });
    ruleStack(app, 'bad', (stack) => {
      new Logs(stack, 'One');
      new Logs(stack, 'Two');
    });
    expect(() => app.synth()).toThrow(/PLAT-LOGS-1 \(CKV_AWS_66\) at bad\/One\/Group[\s\S]*PLAT-LOGS-1 \(CKV_AWS_66\) at bad\/Two\/Group/);
  });

  it('lists the findings of every stack in one failure', () => {
    const app = new App({ outdir });
    ruleStack(app, 'first', (stack) => new Logs(stack, 'One'));
    ruleStack(app, 'second', (stack) => new Logs(stack, 'One'));
    let caught: unknown;
    try {
      app.synth();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SecurityRulesError);
    expect((caught as SecurityRulesError).findings.map((line) => /at (\S+)/.exec(line)?.[1])).toEqual(['first/One/Group', 'second/One/Group']);
  });

  it('fails on a suppression that no longer matches a finding', () => {
    const app = new App({ outdir });
    ruleStack(app, 'stale', (stack) => suppressRule(new Logs(stack, 'One', 30), 'PLAT-LOGS-1', 'kept from before retention was configured'));
    expect(() => app.synth()).toThrow(/Unused suppression of PLAT-LOGS-1 at stale\/One/);
  });

  it('lets a compliant stack synthesize', () => {
    const app = new App({ outdir });
    ruleStack(app, 'good', (stack) => new Logs(stack, 'One', 30));
    app.synth();
    expect(fs.existsSync(path.join(outdir, 'stacks', 'good', 'cdk.tf.json'))).toBe(true);
  });

  it('applies once however often applyRules is called', () => {
    const app = new App({ outdir });
    const stack = ruleStack(app, 'bad', (s) => new Logs(s, 'One'));
    applyRules(stack);
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = String(error);
    }
    expect(message.match(/PLAT-LOGS-1 \(/g)).toHaveLength(1);
  });

  it('leaves the previously synthesized output untouched when a rule fails', () => {
    const target = path.join(outdir, 'cdktf.out');
    synthesizeAtomically(target, (app) => ruleStack(app, 'main', (stack) => new Logs(stack, 'One', 30)));
    const file = path.join(target, 'stacks', 'main', 'cdk.tf.json');
    const before = fs.readFileSync(file, 'utf8');
    expect(() => synthesizeAtomically(target, (app) => ruleStack(app, 'main', (stack) => new Logs(stack, 'One')))).toThrow(/PLAT-LOGS-1/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('checkStack', () => {
  it('gives the same report for the same stack every time', () => {
    const app = new App({ outdir });
    const stack = ruleStack(app, 'bad', (s) => ['B', 'A', 'C'].forEach((id) => new Logs(s, id)));
    expect(formatReport(checkStack(stack, { today: FIXTURE_DAY }))).toEqual(formatReport(checkStack(stack, { today: FIXTURE_DAY })));
  });
});
