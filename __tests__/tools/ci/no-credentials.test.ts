import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { realAccounts } from '../../helpers/accounts';
import { REPO_ROOT } from '../../helpers/terraform';

const run = promisify(execFile);

// The SDK's default credential chain tries environment keys, the shared config and credentials
// files (profiles, SSO), web identity and the container/instance metadata, and fails when none
// answers (https://docs.aws.amazon.com/sdk-for-javascript/latest/developer-guide/setting-credentials-node.html).
// This environment leaves every source empty, as on a laptop that never signed in.
function withoutCredentials(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^AWS_/.test(name)) delete env[name];
  return { ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' };
}

async function runScript(script: string, arg: string): Promise<{ code: number; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', script, arg], { cwd: REPO_ROOT, env: withoutCredentials() }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

const [account] = realAccounts();
const role = (name: string) => `arn:aws:iam::${account.accountId}:role/${name}`;

test('verify-account without any credentials says which account and CI role it needs and how to sign in', async () => {
  const result = await runScript('tools/ci/verify-account.ts', account.name);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`npm run verify-account found no AWS credentials. It needs credentials of account ${account.name} (${account.accountId})`);
  expect(result.stderr).toContain(role(account.ci.planRoleName));
  expect(result.stderr).toContain('aws sso login --profile');
  expect(result.stderr).toContain('Nothing was checked or written.');
  expect(result.stderr).not.toMatch(/\n\s+at /);
}, 60_000);

test('bootstrap:state without any credentials says it needs an administrator of the account, and creates nothing', async () => {
  const result = await runScript('tools/ci/bootstrap-state.ts', account.name);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`npm run bootstrap:state found no AWS credentials. It needs credentials of an administrator of account ${account.name} (${account.accountId})`);
  expect(result.stderr).toContain('Nothing was checked or written.');
  expect(result.stderr).not.toMatch(/\n\s+at /);
}, 60_000);
