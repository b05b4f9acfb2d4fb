import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments, stateBucketName } from '../../environments/load';
import type { AccountConfig } from '../../environments/schema';
import { approvalEnvironment, ciSubjects } from '../../stacks/github-oidc';
import { accountStacks } from '../../stacks/app';
import { UNIT_DEPENDENCIES } from '../../environments/units';
import { defaults } from '../../environments/defaults';
import { accountsDirWith, fixtureAccount } from '../helpers/accounts';
import { readStack, runApp, sharedSynth } from '../helpers/terraform';

const outdir = sharedSynth();
const accounts = loadEnvironments({ overrides: {} });
const expectations = accounts.flatMap((account) => accountStacks(account).map(({ stack, unit }) => ({ stack, unit, account })));

describe.each(expectations)('stack $stack', ({ stack, unit, account }) => {
  const json = readStack(outdir, stack);

  test('keeps state in its own account bucket under <account>/<region>/<unit>/terraform.tfstate, encrypted and locked', () => {
    expect(json.terraform.backend.s3).toEqual({
      bucket: stateBucketName(account),
      key: `${account.name}/${account.region}/${unit}/terraform.tfstate`,
      region: account.region,
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

  test('reads nothing during plan but the state of units it depends on, from its own account bucket', () => {
    const { terraform_remote_state: remote = {}, ...others } = json.data ?? {};
    expect(others).toEqual({});
    const dependencies: readonly string[] = unit === 'bootstrap' ? [] : UNIT_DEPENDENCIES[unit];
    for (const source of Object.values<Record<string, any>>(remote)) {
      expect(source.backend).toBe('s3');
      expect(source.config.bucket).toBe(stateBucketName(account));
      const [, read] = new RegExp(`^${account.name}/${account.region}/([a-z]+)/terraform\\.tfstate$`).exec(source.config.key) ?? [];
      expect(dependencies).toContain(read);
    }
  });
});

const byAccount = accounts.map((account) => [account.name, account] as const);
const oidc = 'token.actions.githubusercontent.com';
const repository = (account: AccountConfig) => account.github.repository;
const boundaryArn = (account: AccountConfig) => `arn:aws:iam::${account.accountId}:policy/ppu-workload/ppu-workload-boundary`;

describe.each(byAccount)('CI roles in the bootstrap stack of %s', (name, account) => {
  const bootstrap = `${name}-bootstrap`;
  const trust = (role: string) => {
    const json = readStack(outdir, bootstrap);
    const [resource] = Object.values(json.resource.aws_iam_role as Record<string, any>).filter((r) => r.name === role);
    return JSON.parse(resource.assume_role_policy);
  };
  const policy = (policyName: string) => {
    const found = Object.values(readStack(outdir, bootstrap).resource.aws_iam_role_policy as Record<string, any>).find((p) => p.name === policyName);
    return JSON.parse(found.policy).Statement as any[];
  };

  // The exact subject format (immutable ids, job_workflow_ref) is pinned with its sources in __tests__/ci/github-oidc.test.ts.
  test('the plan role admits only main (drift check, approval workflow); the PR plan role only pull requests', () => {
    const [statement] = trust(account.ci.planRoleName).Statement;
    expect(statement.Principal.Federated).toBe(`arn:aws:iam::${account.accountId}:oidc-provider/${oidc}`);
    expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(statement.Condition).toEqual({ StringEquals: { [`${oidc}:aud`]: 'sts.amazonaws.com', [`${oidc}:sub`]: ciSubjects(account).plan } });
    for (const subject of ciSubjects(account).plan) expect(subject).toContain(':ref:refs/heads/main:job_workflow_ref:');
    const [pr] = trust(account.ci.prPlanRoleName).Statement;
    expect(pr.Condition).toEqual({ StringEquals: { [`${oidc}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${oidc}:sub`]: ciSubjects(account).prPlan[0] } });
    expect(ciSubjects(account).prPlan[0]).toMatch(/:pull_request:job_workflow_ref:.*\/plan\.yml@refs\/pull\/\*\/merge$/);
  });

  test('only the apply branch or the approved environment of the account file, through its own workflow, may assume the apply role', () => {
    const [statement] = trust(account.ci.applyRoleName).Statement;
    const subjects = ciSubjects(account).apply;
    // Plus rollback.yml (rollback on demand) from main, in the approval environment when there is one;
    // and for an auto-applied account with a unit that requires approval (data by default), apply.yml
    // in `<account>-approval`, the only path that applies that unit (issue 23).
    const unitApproval = account.github.applyBranch && !account.github.applyEnvironment ? approvalEnvironment(account) : undefined;
    expect(subjects).toHaveLength([account.github.applyBranch, account.github.applyEnvironment, unitApproval].filter(Boolean).length + 1);
    if (unitApproval) expect(subjects).toContainEqual(expect.stringContaining(`:environment:${unitApproval}:job_workflow_ref:${repository(account)}/.github/workflows/apply.yml@refs/heads/main`));
    const rollbackContext = account.github.applyEnvironment ? `environment:${account.github.applyEnvironment}` : 'ref:refs/heads/main';
    expect(subjects).toContainEqual(expect.stringContaining(`:${rollbackContext}:job_workflow_ref:${repository(account)}/.github/workflows/rollback.yml@refs/heads/main`));
    if (account.github.applyBranch) expect(subjects).toContainEqual(expect.stringContaining(`:ref:refs/heads/${account.github.applyBranch}:job_workflow_ref:${repository(account)}/.github/workflows/deploy.yml@`));
    if (account.github.applyEnvironment) expect(subjects).toContainEqual(expect.stringContaining(`:environment:${account.github.applyEnvironment}:job_workflow_ref:${repository(account)}/.github/workflows/apply.yml@refs/heads/main`));
    expect([statement.Condition.StringEquals[`${oidc}:sub`]].flat()).toEqual(subjects);
    expect(statement.Condition.StringEquals[`${oidc}:aud`]).toBe('sts.amazonaws.com');
    expect(JSON.stringify(statement)).not.toMatch(/StringLike|\*/);
  });

  test('the PR plan role writes nothing at all, not even a lock object', () => {
    const statements = policy('terraform-state-read');
    const allowedWrites = statements.filter((s: any) => s.Effect === 'Allow' && [s.Action].flat().some((a: string) => /Put|Delete/.test(a)));
    expect(allowedWrites).toEqual([]);
    expect(statements).toContainEqual(expect.objectContaining({ Sid: 'NoWrites', Effect: 'Deny', Action: expect.arrayContaining(['s3:PutObject', 's3:DeleteObject']), Resource: '*' }));
  });

  test('the main plan role writes nothing at all either: its plans run with -lock=false', () => {
    const statements = policy('terraform-state');
    const allowedWrites = statements.filter((s: any) => s.Effect === 'Allow' && [s.Action].flat().some((a: string) => /Put|Delete/.test(a)));
    expect(allowedWrites).toEqual([]);
    expect(statements).toContainEqual(expect.objectContaining({ Sid: 'NoWrites', Effect: 'Deny', Action: expect.arrayContaining(['s3:PutObject', 's3:DeleteObject']), Resource: '*' }));
  });

  test('role creation and policy changes require that boundary; passing roles is limited to the workload services', () => {
    const statements = policy('manage-workload-roles');
    const allows = statements.filter((s) => s.Effect === 'Allow');
    const bounded = allows.find((s) => s.Sid === 'ChangeBoundedRoles');
    expect(bounded.Action).toEqual(expect.arrayContaining(['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy']));
    expect(bounded.Condition).toEqual({ StringEquals: { 'iam:PermissionsBoundary': boundaryArn(account) } });
    const unbounded = allows.filter((s) => s !== bounded).flatMap((s) => [s.Action].flat());
    expect(unbounded).not.toEqual(expect.arrayContaining(['iam:CreateRole']));
    expect(unbounded.filter((a: string) => /^iam:(Put|Attach)/.test(a))).toEqual([]);
    expect(allows.find((s) => s.Sid === 'PassRolesToWorkloadServices').Condition.StringEquals['iam:PassedToService']).not.toContain('iam.amazonaws.com');
    expect(JSON.stringify(statements)).not.toMatch(/oidc-provider/);
  });

  test("every role-changing action is denied off the workload path, so the CI roles and the boundary are out of the apply role's reach", () => {
    const denies = policy('manage-workload-roles').filter((s) => s.Effect === 'Deny');
    const fence = denies.find((s) => s.Sid === 'OnlyWorkloadRoles');
    expect(fence.NotResource).toBe(`arn:aws:iam::${account.accountId}:role/ppu-workload/*`);
    expect(fence.Action).toEqual(expect.arrayContaining(['iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:DeleteRole', 'iam:PassRole', 'iam:TagRole']));
    expect(denies.find((s) => s.Sid === 'NeverDropTheBoundary').Action).toBe('iam:DeleteRolePermissionsBoundary');
  });

  test('every role of every workload unit is on the workload path and carries the workload boundary', () => {
    const units = accountStacks(account).filter(({ unit }) => unit !== 'bootstrap');
    const roles = units.flatMap(({ stack }) => Object.values<Record<string, any>>(readStack(outdir, stack).resource.aws_iam_role ?? {}));
    expect(roles.length).toBeGreaterThan(5);
    expect(new Set(roles.map((role) => role.path))).toEqual(new Set(['/ppu-workload/']));
    expect(new Set(roles.map((role) => role.permissions_boundary))).toEqual(new Set([boundaryArn(account)]));
  });

  test('the plan role reads no data: items, messages, secrets, log events and objects other than state are denied', () => {
    const denies = policy('terraform-state').filter((s) => s.Effect === 'Deny');
    expect(denies[0].Action).toEqual(expect.arrayContaining(['dynamodb:Scan', 'sqs:ReceiveMessage', 'secretsmanager:GetSecretValue', 'logs:GetLogEvents', 's3:GetObjectVersion']));
    expect(denies[1]).toEqual({
      Sid: 'NoObjectReadsButState',
      Effect: 'Deny',
      Action: expect.arrayContaining(['s3:GetObject']),
      NotResource: `arn:aws:s3:::${stateBucketName(account)}/*`,
    });
  });
});

describe('a fixture account next to the real ones', () => {
  let dir: string;
  let fixtureOut: string;
  afterAll(() => [dir, fixtureOut].forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test('synthesizes with its own state key, region and account guard', () => {
    const fixture = fixtureAccount();
    dir = accountsDirWith(fixture);
    fixtureOut = fs.mkdtempSync(path.join(os.tmpdir(), 'fixture-out-'));
    const result = runApp(fixtureOut, { INFRA_ACCOUNTS_DIR: dir });
    // Only configuration warnings (alarm destinations, idle NAT): no error output.
    expect([result.status, result.stderr.split('\n').filter((line) => line && !line.startsWith('WARNING: '))]).toEqual([0, []]);
    const stacks = fs.readdirSync(path.join(fixtureOut, 'stacks')).sort();
    // Every unit of the new account, from its one file.
    const added = { name: fixture.name, units: defaults.units };
    expect(stacks).toEqual([...accounts, added].flatMap((a) => accountStacks(a).map(({ stack }) => stack)).sort());
    for (const { stack, unit } of accountStacks(added)) {
      const json = readStack(fixtureOut, stack);
      expect(json.terraform.backend.s3.key).toBe(`${fixture.name}/${fixture.region}/${unit}/terraform.tfstate`);
      expect(json.terraform.backend.s3.bucket).toBe(`ppu-platform-tfstate-${fixture.accountId}-${fixture.region}`);
      expect(json.provider.aws[0].allowed_account_ids).toEqual([fixture.accountId]);
      expect(json.provider.aws[0].region).toBe(fixture.region);
    }
  });
});
