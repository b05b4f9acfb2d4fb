import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../../environments/load';
import { accountsDirWith, QA_FIXTURE } from '../helpers/accounts';
import { readStack, runApp, synthToTempDir } from '../helpers/terraform';

const outdir = synthToTempDir();
const accounts = loadEnvironments({ overrides: {} });
const expectations = accounts.flatMap((account) =>
  (['main', 'bootstrap'] as const).map((unit) => ({
    stack: unit === 'main' ? account.name : `${account.name}-bootstrap`,
    unit,
    account,
  })),
);

describe.each(expectations)('stack $stack', ({ stack, unit, account }) => {
  const json = readStack(outdir, stack);

  test('keeps state in its own account bucket under <account>/<region>/<unit>/terraform.tfstate, encrypted and locked', () => {
    expect(json.terraform.backend.s3).toEqual({
      bucket: `ppu-platform-tfstate-${account.accountId}-eu-west-1`,
      key: `${account.name}/eu-west-1/${unit}/terraform.tfstate`,
      region: 'eu-west-1',
      encrypt: true,
      use_lockfile: true,
    });
  });

  test('provider refuses any account but its own and tags everything', () => {
    const [provider] = json.provider.aws;
    expect(provider.allowed_account_ids).toEqual([account.accountId]);
    expect(provider.region).toBe(account.region);
    expect(provider.default_tags[0].tags).toMatchObject({ 'managed-by': 'cdktf', account: account.name, environment: account.environment });
  });

  test('pins the AWS provider to the version the bindings were generated for', () => {
    expect(json.terraform.required_providers.aws).toEqual({ source: 'aws', version: '5.100.0' });
  });

  test('has no data source that would call AWS during plan', () => {
    expect(json.data ?? {}).toEqual({});
  });
});

describe('CI roles in the bootstrap stacks', () => {
  const trust = (stack: string, role: string) => {
    const json = readStack(outdir, stack);
    const [resource] = Object.values(json.resource.aws_iam_role as Record<string, any>).filter((r) => r.name === role);
    return JSON.parse(resource.assume_role_policy);
  };
  const oidc = 'token.actions.githubusercontent.com';

  test.each([
    ['dev-bootstrap', '824357028182'],
    ['staging-bootstrap', '574210586915'],
  ])('%s: only pull requests (and main, for drift checks) of this repository may assume the plan role', (stack, accountId) => {
    const [statement] = trust(stack, 'github-actions-plan').Statement;
    expect(statement.Principal.Federated).toBe(`arn:aws:iam::${accountId}:oidc-provider/${oidc}`);
    expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(statement.Condition).toEqual({
      StringEquals: {
        [`${oidc}:aud`]: 'sts.amazonaws.com',
        [`${oidc}:sub`]: ['repo:ppu-platform/aws-infrastructure:pull_request', 'repo:ppu-platform/aws-infrastructure:ref:refs/heads/main'],
      },
    });
  });

  test('dev: only the main branch may assume the apply role', () => {
    const [statement] = trust('dev-bootstrap', 'github-actions-apply').Statement;
    expect(statement.Condition.StringEquals[`${oidc}:sub`]).toBe('repo:ppu-platform/aws-infrastructure:ref:refs/heads/main');
    expect(statement.Condition.StringEquals[`${oidc}:aud`]).toBe('sts.amazonaws.com');
  });

  test('staging: only jobs in the approved staging environment may assume the apply role', () => {
    const [statement] = trust('staging-bootstrap', 'github-actions-apply').Statement;
    expect(statement.Condition.StringEquals[`${oidc}:sub`]).toBe('repo:ppu-platform/aws-infrastructure:environment:staging');
    expect(JSON.stringify(statement)).not.toMatch(/StringLike|\*/);
  });

  test('the plan role may write only lock objects in the state bucket', () => {
    const json = readStack(outdir, 'dev-bootstrap');
    const policy = Object.values(json.resource.aws_iam_role_policy as Record<string, any>).find((p) => p.name === 'terraform-state');
    const statements = JSON.parse(policy.policy).Statement;
    const writes = statements.filter((s: any) => [s.Action].flat().some((a: string) => /Put|Delete/.test(a)));
    expect(writes).toEqual([
      expect.objectContaining({ Resource: 'arn:aws:s3:::ppu-platform-tfstate-824357028182-eu-west-1/*.tflock' }),
    ]);
  });
});

describe('the apply role cannot grant more than it holds', () => {
  const policy = (stack: string, name: string) => {
    const json = readStack(outdir, stack);
    const found = Object.values(json.resource.aws_iam_role_policy as Record<string, any>).find((p) => p.name === name);
    return JSON.parse(found.policy).Statement as any[];
  };

  test.each(['dev', 'staging'])('every role of the %s workload stack carries the workload permissions boundary', (stack) => {
    const roles = Object.values(readStack(outdir, stack).resource.aws_iam_role as Record<string, any>);
    expect(roles.length).toBeGreaterThan(5);
    const accountId = stack === 'dev' ? '824357028182' : '574210586915';
    expect(new Set(roles.map((role) => role.permissions_boundary))).toEqual(new Set([`arn:aws:iam::${accountId}:policy/ppu-workload/ppu-workload-boundary`]));
  });

  test('role creation and policy changes require that boundary; passing roles is limited to the workload services', () => {
    const statements = policy('dev-bootstrap', 'manage-workload-roles');
    const allows = statements.filter((s) => s.Effect === 'Allow');
    const bounded = allows.find((s) => s.Sid === 'ChangeBoundedRoles');
    expect(bounded.Action).toEqual(expect.arrayContaining(['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy']));
    expect(bounded.Condition).toEqual({ StringEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::824357028182:policy/ppu-workload/ppu-workload-boundary' } });
    const unbounded = allows.filter((s) => s !== bounded).flatMap((s) => [s.Action].flat());
    expect(unbounded).not.toEqual(expect.arrayContaining(['iam:CreateRole']));
    expect(unbounded.filter((a: string) => /^iam:(Put|Attach)/.test(a))).toEqual([]);
    expect(allows.find((s) => s.Sid === 'PassRolesToWorkloadServices').Condition.StringEquals['iam:PassedToService']).not.toContain('iam.amazonaws.com');
    expect(JSON.stringify(statements)).not.toMatch(/oidc-provider/);
  });

  test('every role-changing action is denied off the workload path, so the CI roles and the boundary are out of the apply role\'s reach', () => {
    const denies = policy('staging-bootstrap', 'manage-workload-roles').filter((s) => s.Effect === 'Deny');
    const fence = denies.find((s) => s.Sid === 'OnlyWorkloadRoles');
    expect(fence.NotResource).toBe('arn:aws:iam::574210586915:role/ppu-workload/*');
    expect(fence.Action).toEqual(expect.arrayContaining(['iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:DeleteRole', 'iam:PassRole', 'iam:TagRole']));
    expect(denies.find((s) => s.Sid === 'NeverDropTheBoundary').Action).toBe('iam:DeleteRolePermissionsBoundary');
  });

  test.each(['dev', 'staging'])('every role of the %s workload stack is on the workload path', (stack) => {
    const roles = Object.values(readStack(outdir, stack).resource.aws_iam_role as Record<string, any>);
    expect(new Set(roles.map((role) => role.path))).toEqual(new Set(['/ppu-workload/']));
  });

  test('the plan role reads no data: items, messages, secrets, log events and objects other than state are denied', () => {
    const denies = policy('dev-bootstrap', 'terraform-state').filter((s) => s.Effect === 'Deny');
    expect(denies[0].Action).toEqual(expect.arrayContaining(['dynamodb:Scan', 'sqs:ReceiveMessage', 'secretsmanager:GetSecretValue', 'logs:GetLogEvents', 's3:GetObjectVersion']));
    expect(denies[1]).toEqual({
      Sid: 'NoObjectReadsButState',
      Effect: 'Deny',
      Action: expect.arrayContaining(['s3:GetObject']),
      NotResource: 'arn:aws:s3:::ppu-platform-tfstate-824357028182-eu-west-1/*',
    });
  });
});

describe('a third account', () => {
  test('synthesizes with its own state key, region and account guard', () => {
    const qaOut = fs.mkdtempSync(path.join(os.tmpdir(), 'qa-out-'));
    const result = runApp(qaOut, { INFRA_ACCOUNTS_DIR: accountsDirWith(QA_FIXTURE) });
    // Only configuration warnings (alarm destinations, idle NAT): no error output.
    expect(result.stderr.split('\n').filter((line) => line && !line.startsWith('WARNING: '))).toEqual([]);
    expect(result.status).toBe(0);
    const stacks = fs.readdirSync(path.join(qaOut, 'stacks')).sort();
    expect(stacks).toEqual(['dev', 'dev-bootstrap', 'qa', 'qa-bootstrap', 'staging', 'staging-bootstrap']);
    const qa = readStack(qaOut, 'qa');
    expect(qa.terraform.backend.s3.key).toBe('qa/eu-central-1/main/terraform.tfstate');
    expect(qa.terraform.backend.s3.bucket).toBe('ppu-platform-tfstate-123456789012-eu-central-1');
    expect(qa.provider.aws[0].allowed_account_ids).toEqual(['123456789012']);
    expect(qa.provider.aws[0].region).toBe('eu-central-1');
  });
});
