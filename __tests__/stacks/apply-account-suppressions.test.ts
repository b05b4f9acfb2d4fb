import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { ConfigError } from '../../environments/load';
import { checkStack, listSuppressions } from '../../rules/engine';
import { RULES } from '../../rules/index';
import { applyAccountSuppressions } from '../../stacks/account-suppressions';
import { tempDir } from '../helpers/temp';

// The account file's suppressions applied to a three-resource stack: no account, no functions, no
// synth, so these checks cost milliseconds instead of a workload stack each
// (__tests__/stacks/account-suppressions.test.ts keeps the end-to-end checks on the real stack).
const ACCOUNT_FILE = 'environments/accounts/sandbox.ts';
const REASON = 'the bucket holds throw-away test data only (written for this test)';
const outdir = tempDir('apply-suppressions-');

function tinyStack(): TerraformStack {
  const stack = new TerraformStack(new App({ outdir, skipValidation: true }), 'tiny');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  new S3Bucket(new Construct(stack, 'Data'), 'Bucket', { bucket: 'tiny-data' });
  new SqsQueue(stack, 'Queue', { name: 'tiny-queue' });
  new CloudwatchLogGroup(stack, 'Logs', { name: '/tiny/logs' });
  return stack;
}

/** A rule the bare bucket breaks, read from the engine's own report on the tiny stack. */
function bucketRule(): string {
  const violation = checkStack(tinyStack()).violations.find((v) => v.path === 'tiny/Data/Bucket');
  expect(violation).toBeDefined();
  return violation!.ruleId;
}

function problemsOf(apply: () => void): readonly string[] {
  try {
    apply();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

test('a suppression is put on the construct it names with its reason and the account file entry it came from, and the engine honours it', () => {
  const rule = bucketRule();
  const stack = tinyStack();
  applyAccountSuppressions(stack, [{ rule, unit: 'data' as const, construct: 'Data/Bucket', reason: REASON }], ACCOUNT_FILE);
  expect(listSuppressions(stack)).toEqual([{ path: 'tiny/Data/Bucket', ruleId: rule, reason: REASON, declaredIn: `${ACCOUNT_FILE} (suppressions.0)` }]);
  const report = checkStack(stack);
  expect(report.violations.filter((v) => v.path === 'tiny/Data/Bucket' && v.ruleId === rule)).toEqual([]);
  expect(report.suppressed.filter((s) => s.violation.ruleId === rule).map((s) => s.suppression.declaredIn)).toEqual([`${ACCOUNT_FILE} (suppressions.0)`]);
});

test('an unknown construct path is an error naming the entry and listing the stack\'s children (not the provider) to choose from', () => {
  const stack = tinyStack();
  expect(problemsOf(() => applyAccountSuppressions(stack, [{ rule: bucketRule(), unit: 'data' as const, construct: 'Data/Buckett', reason: REASON }], ACCOUNT_FILE))).toEqual([
    `${ACCOUNT_FILE}: suppressions.0.construct: 'Data/Buckett' is no construct of the tiny stack; use a path below it, e.g. one of Data, Queue, Logs`,
  ]);
  expect(listSuppressions(stack)).toEqual([]);
});

test('an unknown rule id is an error naming the entry and where the rule ids are', () => {
  const unknown = 'PLAT-S3-999';
  expect(RULES.map((r) => r.id)).not.toContain(unknown);
  expect(problemsOf(() => applyAccountSuppressions(tinyStack(), [{ rule: unknown, unit: 'data' as const, construct: 'Queue', reason: REASON }], ACCOUNT_FILE))).toEqual([
    `${ACCOUNT_FILE}: suppressions.0.rule: '${unknown}' is no rule of rules/index.ts; use one of the ids in the README's "Security rules" table`,
  ]);
});

test('the same rule suppressed twice at one construct is an error naming the second entry', () => {
  const rule = bucketRule();
  const entry = { rule, unit: 'data' as const, construct: 'Data/Bucket', reason: REASON };
  expect(problemsOf(() => applyAccountSuppressions(tinyStack(), [entry, entry], ACCOUNT_FILE))).toEqual([
    `${ACCOUNT_FILE}: suppressions.1: ${rule} is already suppressed at Data/Bucket; remove the duplicate entry`,
  ]);
});

test('every bad entry is reported at once, each naming the account file and its own index', () => {
  const rule = bucketRule();
  const problems = problemsOf(() =>
    applyAccountSuppressions(
      tinyStack(),
      [
        { rule, unit: 'data' as const, construct: 'Data/Bucket', reason: REASON },
        { rule, unit: 'data' as const, construct: 'Nowhere', reason: REASON },
        { rule: 'PLAT-S3-999', unit: 'data' as const, construct: 'Logs', reason: REASON },
      ],
      ACCOUNT_FILE,
    ),
  );
  expect(problems.map((p) => p.slice(0, p.indexOf(':', ACCOUNT_FILE.length + 2)))).toEqual([`${ACCOUNT_FILE}: suppressions.1.construct`, `${ACCOUNT_FILE}: suppressions.2.rule`]);
});
