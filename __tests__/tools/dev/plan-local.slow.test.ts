import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { COMMITTED_LOCK_FILE, planLocal, planStack, type PlanResult, summaryLine } from '../../../tools/dev/plan-local';
import { accountUnitTargets, resolveStackTargets } from '../../../tools/lib/stack-catalog';
import { startLambdaServer } from '../../../tools/local-aws/lambda-server';
import { startStsServer, type StsServer } from '../../../tools/local-aws/sts-server';
import { OVERRIDE_FILE } from '../../../tools/local-aws/stand-ins';
import { REPO_ROOT } from '../../helpers/terraform';
import { tempDir } from '../../helpers/temp';
import { realAccounts, unusedAccountId, unusedAccountName } from '../../helpers/accounts';
import { FUNCTIONS } from '../../../catalogue';
import { DATABASE_ADMIN } from '../../../catalogue/database-admin';
import { POST_TRAFFIC_HOOK, PRE_TRAFFIC_HOOK } from '../../../catalogue/deployment-hooks';
import { manualTexts } from '../../helpers/manual';

const accounts = realAccounts();

const run = promisify(execFile);

// One offline plan of every stack, shared by the assertions below (planning is the slow part).
const outdir = tempDir('plan-local-');
let results: PlanResult[];
const progress: string[] = [];
beforeAll(async () => {
  // The slowest step of the suite says where it is, stack by stack.
  results = await planLocal([], {
    outdir,
    progress: (message) => {
      progress.push(message);
      process.stderr.write(`plan test: ${message}\n`);
    },
  });
}, 600_000);

describe('plan:local', () => {
  // Issue #13 item 8: the manual's example line is what the command prints today. Issue 22 item 6:
  // its figures are placeholders (<n>), so a new function or account does not turn this red; the
  // counts themselves are checked against the synthesized stacks below.
  test("the manual's example plan line has the shape the command prints for that stack", () => {
    // Wherever the manual (README.md, docs/) shows it: issue 22 moved it to docs/planning-offline.md.
    const manual = manualTexts().map(({ text }) => text).join('\n');
    const [line = ''] = /^[\w-]+: \S+ to add, .* to destroy \[.*\]$/m.exec(manual) ?? [];
    expect(line).not.toBe('');
    expect(line).not.toMatch(/=\d|^[\w-]+: \d+ to add/);
    const stack = line.split(':')[0];
    const result = results.find((r) => r.stack === stack);
    expect(result).toBeDefined();
    const shape = new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/<n>/g, '\\d+').replace(/ \\\.\\\.\\\.(?= |\\\])/g, '(?: .*)?')}$`);
    expect(summaryLine(result!)).toMatch(shape);
  });

  test('reports progress: the synth, then each stack as it starts and with its result when done', () => {
    expect(progress[0]).toMatch(/^synthesizing \d+ stack\(s\)/);
    for (const result of results) {
      expect(progress).toContain(`planning ${result.stack} ...`);
      expect(progress).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${result.stack}: .* \\(\\d+(\\.\\d)? s\\)$`))]));
    }
  });

  // Issue 23 item 2: every stack of every account, in dependency order. Offline nothing is applied,
  // so a unit with dependencies never has their outputs: it waits (named, with the reason) and is
  // not planned against invented values; its configuration is still validated. A plan "includes an
  // implied validation check" (https://developer.hashicorp.com/terraform/cli/commands/validate).
  test('plans bootstrap and the dependency-free units of every account; every other unit waits, validated, in dependency order', () => {
    const expected = accounts.flatMap((account) =>
      accountUnitTargets(account).map((t) => [t.stack, true, t.dependsOn.length === 0 ? 'planned' : 'waiting'] as const),
    );
    expect(results.map((r) => [r.stack, r.ok, r.waiting ? 'waiting' : 'planned'])).toEqual(expected);
    for (const result of results.filter((r) => r.waiting)) {
      const target = accountUnitTargets(accounts.find((a) => result.stack.startsWith(`${a.name}-`))!).find((t) => t.stack === result.stack)!;
      const unit = result.stack.slice(target.account.name.length + 1);
      // The first dependency in dependency order is the one named: it has outputs to create first.
      expect(result.waiting).toMatch(new RegExp(`^${unit} waits on (${target.dependsOn.join('|')}): \\w+ (has unapplied changes|is not planned yet); planned after \\w+ is applied$`));
      expect(result.validated).toBe(true);
      // Never planned: no saved plan a later step could apply.
      expect(fs.existsSync(path.join(outdir, 'stacks', result.stack, 'plan'))).toBe(false);
    }
  });

  test('an empty state plans exactly the synthesized resources of a planned unit as additions, nothing else', () => {
    for (const result of results.filter((r) => !r.waiting)) {
      expect([result.stack, result.addsByType, result.change, result.replace, result.destroy]).toEqual([result.stack, result.resourcesByType, 0, 0, 0]);
    }
  });

  /** An account's resources by type over all its units (synthesized; the waiting units are validated, not planned). */
  const accountTypes = (account: string): Record<string, number> => {
    const sum: Record<string, number> = {};
    for (const r of results.filter((r) => r.stack.startsWith(`${account}-`) && r.stack !== `${account}-bootstrap`)) {
      for (const [type, count] of Object.entries(r.resourcesByType)) sum[type] = (sum[type] ?? 0) + count;
    }
    return sum;
  };

  test.each(accounts.map((a) => a.name))('%s holds the network, data, functions, API, WAF, topic, alarms and dashboard across its units', (stack) => {
    const result = { addsByType: accountTypes(stack) };
    for (const type of [
      'aws_vpc', 'aws_vpc_endpoint', 'aws_flow_log', 'aws_db_instance', 'aws_s3_bucket', 'aws_dynamodb_table', 'aws_sqs_queue',
      'aws_lambda_layer_version', 'aws_api_gateway_rest_api', 'aws_api_gateway_stage', 'aws_wafv2_web_acl',
      'aws_wafv2_web_acl_association', 'aws_sns_topic', 'aws_cloudwatch_metric_alarm', 'aws_cloudwatch_dashboard',
      'aws_codedeploy_app', 'aws_codedeploy_deployment_group',
    ]) {
      expect([type, result.addsByType[type] > 0]).toEqual([type, true]);
    }
    // The catalogue's functions plus the two CodeDeploy hooks and database-admin; one deployment group per catalogue function.
    const functions = FUNCTIONS.length + [PRE_TRAFFIC_HOOK, POST_TRAFFIC_HOOK, DATABASE_ADMIN].length;
    expect([result.addsByType.aws_lambda_function, result.addsByType.aws_lambda_alias]).toEqual([functions, functions]);
    expect(result.addsByType.aws_codedeploy_deployment_group).toBe(FUNCTIONS.length);
  });

  // The first-apply fixes of issue #10 as Terraform plans them: NAT gateways (billed per hour,
  // https://aws.amazon.com/vpc/pricing/) only with internet egress, exactly the configured interface
  // endpoints plus the S3 and DynamoDB gateways, and with a proxy its own group with a path to them.
  test.each(accounts.map((a) => [a.name, a] as const))('%s holds NAT, endpoints and the proxy path as configured', (stack, config) => {
    const result = { addsByType: accountTypes(stack) };
    const nat = { none: 0, single: 1, 'per-az': config.availabilityZones.length }[config.network.natGateways];
    expect(result.addsByType.aws_nat_gateway ?? 0).toBe(nat);
    expect(result.addsByType.aws_eip ?? 0).toBe(nat);
    expect(result.addsByType.aws_vpc_endpoint).toBe(config.network.interfaceEndpoints.length + 2);
    expect(result.addsByType.aws_db_proxy ?? 0).toBe(config.database.proxy ? 1 : 0);
    // Groups: Lambda, database, endpoints, database-admin, and the proxy's when there is one.
    expect(result.addsByType.aws_security_group).toBe(config.database.proxy ? 5 : 4);
  });

  test('leaves no stand-in override behind next to the synthesized stacks', () => {
    for (const stack of fs.readdirSync(path.join(outdir, 'stacks'))) {
      expect(fs.existsSync(path.join(outdir, 'stacks', stack, OVERRIDE_FILE))).toBe(false);
    }
  });

  test('with credentials of another account the plan fails on allowed_account_ids', async () => {
    const [target] = resolveStackTargets([`${accounts[0].name}-bootstrap`]);
    const result = await planStack(target, outdir, { simulatedAccountId: '111122223333' });
    expect(result.ok).toBe(false);
    expect(result.error).toBe('AWS account ID not allowed: 111122223333');
  }, 300_000);

  // CI plans with the committed lock file and `init -lockfile=readonly`, and so does plan:local:
  // https://developer.hashicorp.com/terraform/cli/commands/init#general-options
  test('every unit is planned (or validated) with the committed lock file, which init leaves unchanged', () => {
    const committed = fs.readFileSync(COMMITTED_LOCK_FILE, 'utf8');
    for (const { stack } of results) expect([stack, fs.readFileSync(path.join(outdir, 'stacks', stack, '.terraform.lock.hcl'), 'utf8')]).toEqual([stack, committed]);
  });

  test('a lock file whose hash does not match the provider fails the plan instead of being rewritten', async () => {
    const [target] = resolveStackTargets([`${accounts[0].name}-bootstrap`]);
    const lockDir = tempDir('plan-local-lock-');
    const tampered = path.join(lockDir, '.terraform.lock.hcl');
    fs.writeFileSync(tampered, fs.readFileSync(COMMITTED_LOCK_FILE, 'utf8').replace(/"h1:[^"]+"/, '"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="'));
    // A fresh plugin cache and .terraform: an installed provider would otherwise be reused unchecked.
    fs.rmSync(path.join(outdir, 'stacks', target.stack, '.terraform'), { recursive: true, force: true });
    const result = await planStack(target, outdir, { lockFile: tampered });
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/doesn't match any of the checksums|checksum/i);
    expect(fs.readFileSync(path.join(outdir, 'stacks', target.stack, '.terraform.lock.hcl'), 'utf8')).toBe(fs.readFileSync(tampered, 'utf8'));
  }, 300_000);

  test('an unknown stack name is refused with the list of stacks', async () => {
    const missing = unusedAccountName();
    await expect(planLocal([missing], { outdir, skipSynth: true })).rejects.toThrow(
      `Unknown stack '${missing}'; the stacks are: ${accounts.flatMap((a) => accountUnitTargets(a).map((t) => t.stack)).join(', ')}`,
    );
  });
});

describe('verify-account pre-flight against the STS stand-in', () => {
  let sts: StsServer;
  const verify = (stack: string, accountId: string) =>
    startStsServer({ accountId }).then(async (server) => {
      sts = server;
      // The pre-flight also reads the Lambda concurrency quota (tools/delivery/concurrency-guard.ts): a raised one here.
      const lambda = await startLambdaServer({ concurrentExecutions: 1000 });
      try {
        const { stdout } = await run(process.execPath, ['--import', 'tsx', 'tools/ci/verify-account.ts', stack], {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            AWS_ENDPOINT_URL_STS: sts.url,
            AWS_ENDPOINT_URL_LAMBDA: lambda.url,
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
          },
        });
        return { code: 0, output: stdout };
      } catch (error) {
        const failure = error as { code: number; stderr: string };
        return { code: failure.code, output: failure.stderr };
      } finally {
        await Promise.all([sts.close(), lambda.close()]);
      }
    });

  const [account] = accounts;

  test('passes when the credentials belong to the stack account', async () => {
    const result = await verify(account.name, account.accountId);
    expect(result.code).toBe(0);
    expect(result.output).toContain(`Account check passed: stack '${account.name}' targets ${account.name} (${account.accountId})`);
    expect(sts.actions).toEqual(['GetCallerIdentity']);
  });

  test('refuses, naming both accounts, when the credentials belong to another account', async () => {
    const other = unusedAccountId();
    const result = await verify(account.name, other);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`stack '${account.name}' belongs to ${account.name} (${account.accountId}) but the current credentials are for account ${other}`);
  });

  test('refuses an unknown stack', async () => {
    const missing = unusedAccountName();
    const result = await verify(missing, account.accountId);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`Unknown stack '${missing}'`);
  });
});
