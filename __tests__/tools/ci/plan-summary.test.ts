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
