import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { cidrContains } from '../../../aws/cidr';
import { defaults } from '../../../environments/defaults';
import { loadEnvironments } from '../../../environments/load';
import { REGION_AZ_LETTERS } from '../../../aws/aws-facts';
import { alarmDestinationWarnings } from '../../../environments/warnings';
import { newAccount, parseNewAccountArgs, type NewAccountRequest } from '../../../tools/scaffold/new-account';
import { accountsDirWith, realAccounts, unusedAccountId, unusedAccountName, unusedVpcCidr } from '../../helpers/accounts';
import { REPO_ROOT } from '../../helpers/terraform';

const run = promisify(execFile);
const accounts = realAccounts();
let dir: string;
beforeEach(() => {
  dir = accountsDirWith();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const request = (overrides: Partial<NewAccountRequest> = {}): NewAccountRequest => ({
  name: unusedAccountName(accounts, 'new-account'),
  accountId: unusedAccountId(accounts),
  cidr: unusedVpcCidr(accounts),
  apply: 'approval',
  ...overrides,
});
const listing = () => fs.readdirSync(dir).sort();

describe('new:account writes one file with everything a new account needs, nothing of another account', () => {
  test.each(['approval', 'auto'] as const)('--%s: it loads next to every real account with its own identity', (apply) => {
    const wanted = request({ apply });
    newAccount(wanted, dir);
    const added = loadEnvironments({ accountsDir: dir, overrides: {} }).find((a) => a.name === wanted.name)!;
    expect([added.accountId, added.environment, added.network.cidr]).toEqual([wanted.accountId, wanted.name, wanted.cidr]);
    expect(added.github).toEqual({ ...defaults.github, ...(apply === 'auto' ? { applyBranch: 'main' } : { applyEnvironment: wanted.name }) });
    // Subnets carved from its own /16, zones of its region.
    for (const subnet of [...added.network.publicSubnetCidrs, ...added.network.privateSubnetCidrs]) expect([subnet, cidrContains(wanted.cidr, subnet)]).toEqual([subnet, true]);
    expect(added.availabilityZones.every((az) => (REGION_AZ_LETTERS[added.region] ?? []).some((letter) => az === `${added.region}${letter}`))).toBe(true);
    // Alarm addresses are a TODO that synth reports until someone fills it in.
    expect(fs.readFileSync(path.join(dir, `${wanted.name}.ts`), 'utf8')).toMatch(/TODO: who gets this account's alarms/);
    expect(alarmDestinationWarnings(added)).toEqual([expect.stringContaining('notifications: no email address and no Slack channel')]);
  });

  test.each(accounts.map((a) => [a.name, a] as const))("refuses %s's name, id and an overlapping CIDR, naming its file, and writes nothing", (name, account) => {
    const before = listing();
    expect(() => newAccount(request({ name }), dir)).toThrow(new RegExp(`name '${name}' is already the account of .*${name}\\.ts; choose another name`));
    expect(() => newAccount(request({ accountId: account.accountId }), dir)).toThrow(`--account-id ${account.accountId} is already the account id of`);
    expect(() => newAccount(request({ cidr: account.network.cidr }), dir)).toThrow(`--cidr ${account.network.cidr} overlaps ${account.network.cidr} of`);
    expect(listing()).toEqual(before);
  });

  test.each([
    ['a name with capitals', { name: 'QA' }, "name 'QA': use 2-21 lower-case letters"],
    ['a name ending in -bootstrap', { name: 'qa-bootstrap' }, 'not ending in -bootstrap'],
    ['an 11-digit account id', { accountId: '12345678901' }, 'an AWS account id is exactly 12 digits'],
    ['a /24 instead of a /16', { cidr: '10.99.0.0/24' }, 'give a /16 block such as 10.30.0.0/16'],
    ['host bits in the CIDR', { cidr: '10.99.0.1/16' }, 'give a /16 block'],
    ['a public (not RFC 1918) CIDR', { cidr: '100.64.0.0/16' }, "--cidr '100.64.0.0/16': is not a private (RFC 1918) block; give a /16 inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16"],
  ])('refuses %s and writes nothing', (_case, overrides, message) => {
    const before = listing();
    expect(() => newAccount(request(overrides as Partial<NewAccountRequest>), dir)).toThrow(message);
    expect(listing()).toEqual(before);
  });

  test.each([
    [[], 'the account name is missing; --account-id is missing; --cidr is missing'],
    [['qa', '--account-id', '123456789012', '--cidr', '10.30.0.0/16', '--auto-apply', '--approval'], 'choose one of --auto-apply and --approval'],
    [['qa', '--account-id'], '--account-id needs a value'],
    [['qa', '--region', 'eu-west-2'], 'unknown option --region'],
  ])('argument mistakes are named with the usage: %j', (args, message) => {
    expect(() => parseNewAccountArgs(args)).toThrow(message);
    expect(() => parseNewAccountArgs(args)).toThrow('Usage: npm run new:account -- <name> --account-id <12 digits> --cidr');
  });

  test('the command exits 1 with a one-paragraph message, no stack trace, and says nothing was written', async () => {
    const [account] = accounts;
    const result = await run(process.execPath, ['--import', 'tsx', 'tools/scaffold/new-account.ts', account.name, '--account-id', account.accountId, '--cidr', account.network.cidr], {
      cwd: REPO_ROOT,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot add account '${account.name}':`);
    expect(result.stderr).toContain('Nothing was written.');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
