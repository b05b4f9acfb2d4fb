import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Testing } from 'cdktf';
import { loadEnvironments } from '../../../environments/load';
import { resolveFunctionSettings } from '../../../catalogue/function-settings';
import {
  checkConcurrencyQuota,
  LAMBDA_CONCURRENCY_QUOTA_CODE,
  LAMBDA_MINIMUM_UNRESERVED,
  reservedConcurrencyOf,
} from '../../../tools/delivery/concurrency-guard';
import { resolveStackTargets } from '../../../tools/lib/stack-catalog';
import { startLambdaServer, type LambdaServer } from '../../../tools/local-aws/lambda-server';
import { startStsServer } from '../../../tools/local-aws/sts-server';
import { BootstrapStack } from '../../../stacks/bootstrap-stack';
import { readStack, REPO_ROOT, sharedSynth } from '../../helpers/terraform';
import { unitStackName } from '../../../environments/units';

/*
 * Lambda keeps 100 concurrent executions of an account unreserved; reserved concurrency can only
 * take what is above that (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html),
 * and new accounts often start with a quota of 10
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). The pre-flight reads
 * the quota with GetAccountSettings (https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html),
 * answered here by a local stand-in on a real HTTP port.
 */

const run = promisify(execFile);
const accounts = loadEnvironments({ overrides: {} });
const credentials = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
const reservedOf = (fn: { reservedConcurrency: number | 'off' }) => (fn.reservedConcurrency === 'off' ? 0 : fn.reservedConcurrency);
const reservedIn = (name: string) => resolveFunctionSettings(accounts.find((a) => a.name === name)!).reduce((sum, fn) => sum + reservedOf(fn), 0);
/** What the synthesized main stack of the account reserves: reserved_concurrent_executions of every function (absent or -1: none). */
const synthesizedReservations = (name: string): number => {
  const functions = Object.values<Record<string, any>>(readStack(sharedSynth(), unitStackName(name, 'app')).resource.aws_lambda_function ?? {});
  return functions.reduce((sum, fn) => sum + (typeof fn.reserved_concurrent_executions === 'number' && fn.reserved_concurrent_executions > 0 ? fn.reserved_concurrent_executions : 0), 0);
};

async function withLambda<T>(concurrentExecutions: number, body: (server: LambdaServer) => Promise<T>): Promise<T> {
  const server = await startLambdaServer({ concurrentExecutions });
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

const clientFor = (server: LambdaServer, region: string) => new LambdaClient({ region, endpoint: server.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

describe.each(accounts.map((a) => [a.name] as const))('account %s', (name) => {
  // The app unit holds every function with a reservation.
  const [target] = resolveStackTargets([unitStackName(name, 'app')], accounts);
  let reserved: number;
  let required: number;
  beforeAll(() => {
    reserved = synthesizedReservations(name);
    required = reserved + LAMBDA_MINIMUM_UNRESERVED;
  }, 300_000);

  test('the reserved concurrency counted is every reservation the synthesized stack makes (functions and CodeDeploy hooks)', () => {
    expect(reservedConcurrencyOf(target)).toBe(reserved);
    // More than the catalogue's functions alone: the hooks reserve too.
    expect(reserved).toBeGreaterThan(reservedIn(name));
  });

  test('a new account\'s quota of 10 is refused, naming both numbers and how to request the quota', async () => {
    await withLambda(10, async (server) => {
      const result = await checkConcurrencyQuota(target, clientFor(server, target.account.region));
      expect(result).toMatchObject({ ok: false, accountLimit: 10, reserved, required });
      expect(result.message).toContain(`allows 10 concurrent Lambda executions`);
      expect(result.message).toContain(`so it needs at least ${required}`);
      expect(result.message).toContain(`Service Quotas > AWS Lambda > "Concurrent executions" (quota code ${LAMBDA_CONCURRENCY_QUOTA_CODE})`);
      expect(result.message).toContain(`--desired-value ${required} --region ${target.account.region}`);
      expect(server.requests).toEqual([expect.stringMatching(/^GET \/2016-08-19\/account-settings\/?$/)]);
    });
  });

  test('exactly 100 + the reservations passes; one less is refused', async () => {
    await withLambda(required, async (server) => {
      expect((await checkConcurrencyQuota(target, clientFor(server, target.account.region))).ok).toBe(true);
    });
    await withLambda(required - 1, async (server) => {
      expect((await checkConcurrencyQuota(target, clientFor(server, target.account.region))).ok).toBe(false);
    });
  });

  test('the bootstrap stack reserves nothing and does not ask Lambda', async () => {
    const [bootstrap] = resolveStackTargets([`${name}-bootstrap`], accounts);
    await withLambda(10, async (server) => {
      const result = await checkConcurrencyQuota(bootstrap, clientFor(server, target.account.region));
      expect(result).toMatchObject({ ok: true, reserved: 0 });
      expect(server.requests).toEqual([]);
    });
  });
});

test('reserved concurrency is a per-function, per-account setting: turning it down lowers what the quota must hold', () => {
  const [account] = accounts;
  const [fn] = resolveFunctionSettings(account).filter((f) => reservedOf(f) > 1);
  const lowered = loadEnvironments({ overrides: { [account.name]: { functions: { [fn.name]: { reservedConcurrency: 1 } } } } });
  const [target] = resolveStackTargets([unitStackName(account.name, 'app')], lowered);
  const [original] = resolveStackTargets([unitStackName(account.name, 'app')], accounts);
  expect(reservedConcurrencyOf(target)).toBe(reservedConcurrencyOf(original) - reservedOf(fn) + 1);
});

test("an account that turns every function's reservation 'off' still reserves the hooks' executions, which the pre-flight checks", async () => {
  const [account] = accounts;
  const functions = Object.fromEntries(resolveFunctionSettings(account).map((fn) => [fn.name, { reservedConcurrency: 'off' as const }]));
  const [target] = resolveStackTargets([unitStackName(account.name, 'app')], loadEnvironments({ overrides: { [account.name]: { functions } } }));
  const hooks = synthesizedReservations(account.name) - reservedIn(account.name);
  await withLambda(10, async (server) => {
    expect(await checkConcurrencyQuota(target, clientFor(server, account.region))).toMatchObject({ ok: false, reserved: hooks, required: hooks + LAMBDA_MINIMUM_UNRESERVED });
    expect(server.requests).toHaveLength(1);
  });
});

describe('npm run verify-account (the real script, against the STS and Lambda stand-ins)', () => {
  const [account] = accounts;
  const verify = async (stack: string, callerAccount: string, concurrentExecutions: number) => {
    const sts = await startStsServer({ accountId: callerAccount });
    const lambda = await startLambdaServer({ concurrentExecutions });
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'tools/ci/verify-account.ts', stack], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...credentials, AWS_ENDPOINT_URL_STS: sts.url, AWS_ENDPOINT_URL_LAMBDA: lambda.url },
      });
      return { code: 0, output: stdout, lambdaRequests: [...lambda.requests] };
    } catch (error) {
      const failure = error as { code: number; stderr: string };
      return { code: failure.code, output: failure.stderr, lambdaRequests: [...lambda.requests] };
    } finally {
      await Promise.all([sts.close(), lambda.close()]);
    }
  };

  test('refuses the main stack on a quota of 10, exit 1, with both numbers and the Service Quotas request, no stack trace', async () => {
    const result = await verify(unitStackName(account.name, 'app'), account.accountId, 10);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`allows 10 concurrent Lambda executions`);
    expect(result.output).toContain(`needs at least ${synthesizedReservations(account.name) + LAMBDA_MINIMUM_UNRESERVED}`);
    expect(result.output).toContain('Service Quotas');
    expect(result.output).not.toMatch(/\n\s+at /);
  });

  test('passes on a raised quota', async () => {
    const passed = await verify(unitStackName(account.name, 'app'), account.accountId, 1000);
    expect(passed.code).toBe(0);
    expect(passed.output).toMatch(/Account check passed[\s\S]*Concurrency check passed/);
  });

  test('a foreign account is refused before Lambda is asked', async () => {
    const other = accounts.find((a) => a.accountId !== account.accountId)?.accountId ?? '111122223333';
    const result = await verify(unitStackName(account.name, 'app'), other, 1000);
    expect(result.code).toBe(1);
    expect(result.lambdaRequests).toEqual([]);
  });
});

// The pre-flight runs in CI under the account's plan and apply roles, so both must be allowed
// lambda:GetAccountSettings (no resource type: Resource "*",
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html), explicitly and
// not overridden by any of their Deny statements.
describe.each(accounts.map((a) => [a.name, a] as const))('the %s CI roles may run the pre-flight', (name, config) => {
  const json = JSON.parse(Testing.synth(new BootstrapStack(Testing.app(), `${name}-bootstrap`, { config })));
  const matches = (pattern: string, action: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(action);
  const statementsOf = (roleName: string) => {
    const [roleId] = Object.entries<Record<string, any>>(json.resource.aws_iam_role).find(([, role]) => role.name === roleName)!;
    return Object.values<Record<string, any>>(json.resource.aws_iam_role_policy)
      .filter((policy) => policy.role === `\${aws_iam_role.${roleId}.id}`)
      .flatMap((policy) => JSON.parse(policy.policy).Statement as Record<string, any>[]);
  };
  test.each([config.ci.planRoleName, config.ci.applyRoleName])('%s', (roleName) => {
    const statements = statementsOf(roleName);
    const covers = (s: Record<string, any>) => [s.Action ?? []].flat().some((a: string) => matches(a, 'lambda:GetAccountSettings'));
    expect(statements.filter((s) => s.Effect === 'Allow' && covers(s) && [s.Resource].flat().includes('*') && !s.Condition)).toHaveLength(1);
    expect(statements.filter((s) => s.Effect === 'Deny' && covers(s))).toEqual([]);
  });
});
