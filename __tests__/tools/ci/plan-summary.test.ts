import * as fs from 'node:fs';
import * as path from 'node:path';
import { main, renderSummary, summarizePlan } from '../../../tools/ci/plan-summary';
import { tempDir } from '../../helpers/temp';

/**
 * The "behind main" line of a plan comment (issue 21 item 12): an account applied after approval
 * may be several merges behind main, and a pull request's plan of it then shows their changes too.
 * The counts come from .github/scripts/applied-behind.sh (GitHub's compare API, ahead_by).
 */
const emptyPlan = { format_version: '1.2', resource_changes: [], output_changes: {} };

test('a plan comment names the last applied commit and how many commits of main it is behind', () => {
  const text = renderSummary({ account: 'staging', summary: summarizePlan(emptyPlan), commit: 'f'.repeat(40), lastApplied: { commit: 'c'.repeat(40), behind: 3 } });
  expect(text).toContain(`:warning: \`staging\` was last applied at \`${'c'.repeat(40)}\`, **3 commits of main behind**: this plan also shows the changes of those commits, not only this pull request's.`);
  const one = renderSummary({ account: 'staging', summary: summarizePlan(emptyPlan), lastApplied: { commit: 'c'.repeat(40), behind: 1 } });
  expect(one).toContain('**1 commit of main behind**: this plan also shows the changes of that commit');
  const current = renderSummary({ account: 'dev', summary: summarizePlan(emptyPlan), lastApplied: { commit: 'c'.repeat(40), behind: 0 } });
  expect(current).toContain('the tip of main: this plan shows only this change.');
  expect(renderSummary({ account: 'dev', summary: summarizePlan(emptyPlan) })).not.toContain('last applied');
});

test('--applied and --behind reach the comment, go together and are checked', () => {
  const dir = tempDir('plan-summary-');
  const plan = path.join(dir, 'plan.json');
  fs.writeFileSync(plan, JSON.stringify(emptyPlan));
  const base = ['--account', 'staging', '--plan-json', plan];
  expect(main([...base, '--applied', 'c'.repeat(40), '--behind', '2'])).toContain('**2 commits of main behind**');
  expect(() => main([...base, '--applied', 'c'.repeat(40)])).toThrow('--applied and --behind go together');
  expect(() => main([...base, '--applied', 'abc', '--behind', '2'])).toThrow("--applied needs a full commit SHA and --behind a number of commits (got 'abc' and '2')");
});

/**
 * Issue 23 item 3: one comment per account, grouped by unit. The results file is what
 * tools/ci/run-units.ts --results writes; the plan JSON files are Terraform's format (format_version 1.x).
 */
describe('--results: an account planned unit by unit', () => {
  const dir = tempDir('plan-summary-units-');
  const write = (name: string, json: object) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(json));
    return file;
  };
  const appPlan = write('app.json', {
    format_version: '1.2',
    resource_changes: [{ address: 'aws_lambda_function.Fn', change: { actions: ['update'] } }],
    output_changes: { fn_arn: { actions: ['no-op'] } },
  });
  fs.writeFileSync(path.join(dir, 'app.txt'), '  ~ resource "aws_lambda_function" "Fn" {\n      ~ source_code_hash = "a" -> "b"\n    }');
  const networkPlan = write('network.json', emptyPlan);
  const results = write('results.json', [
    { unit: 'network', stack: 'dev-network', status: 'planned', planJsonFile: networkPlan, seconds: 1 },
    { unit: 'app', stack: 'dev-app', status: 'planned', planJsonFile: appPlan, planTextFile: path.join(dir, 'app.txt'), seconds: 1 },
    { unit: 'edge', stack: 'dev-edge', status: 'waiting', reason: 'edge waits on app: app has unapplied changes; planned after app is applied', seconds: 0 },
    { unit: 'data', stack: 'dev-data', status: 'held', reason: 'data is not applied by this run: it requires approval (config.units.data.requireApproval); apply it through the approved apply (apply.yml)', planJsonFile: networkPlan, seconds: 1 },
  ]);

  test('one marker for the account, a row per unit with its counts or why it waits, each unit\'s changes and plan text', () => {
    const text = main(['--account', 'dev', '--results', results, '--commit', 'f'.repeat(40)]);
    expect(text.split('\n')[0]).toBe('<!-- plan-summary:dev -->');
    expect(text).toContain('| `network` | planned | 0 | 0 | 0 | 0 |');
    expect(text).toContain('| `app` | planned | 0 | 1 | 0 | 0 |');
    expect(text).toContain('| `edge` | :hourglass: waiting |  |  |  |  |');
    expect(text).toContain('| `data` | :lock: held for approval | 0 | 0 | 0 | 0 |');
    expect(text).toContain('- :hourglass: waiting `edge`: edge waits on app: app has unapplied changes; planned after app is applied');
    expect(text).toContain('- :lock: held for approval `data`: data is not applied by this run: it requires approval');
    expect(text).toContain('#### `app` (`dev-app`)\n\n- update `aws_lambda_function.Fn`');
    expect(text).toContain('<details><summary>Full plan of app</summary>');
    // A unit without changes gets no section of its own.
    expect(text).not.toContain('#### `network`');
  });

  test('an account none of whose units the change touches says so', () => {
    const none = write('none.json', []);
    expect(main(['--account', 'dev', '--results', none])).toContain('No unit of this account is touched by the change.');
  });
});
