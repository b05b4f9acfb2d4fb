import { ConfigError, loadEnvironments, stateBucketName, type Overrides } from '../../environments/load';
import { accountsDirWith, QA_FIXTURE } from '../helpers/accounts';

function problemsFor(overrides: Overrides): string[] {
  try {
    loadEnvironments({ overrides });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected the configuration to be rejected');
}

describe('merged configuration', () => {
  const [dev, staging] = loadEnvironments({ overrides: {} });

  test('dev and staging are the two accounts, sorted by name, with their account ids', () => {
    expect([dev.name, dev.accountId, staging.name, staging.accountId]).toEqual(['dev', '824357028182', 'staging', '574210586915']);
  });

  test('an account inherits defaults it does not override', () => {
    expect(staging.region).toBe('eu-west-1');
    expect(staging.logRetentionDays).toBe(90);
    expect(staging.database.instanceClass).toBe('db.t4g.medium');
    expect(staging.waf.rateLimitPer5Minutes).toBe(2000);
  });

  test('an account overrides nested fields without losing the sibling defaults', () => {
    expect(dev.database.instanceClass).toBe('db.t4g.micro');
    expect(dev.database.multiAz).toBe(false);
    expect(dev.database.backupRetentionDays).toBe(7);
    expect(dev.network.flowLogRetentionDays).toBe(30);
    expect(dev.network.natGateways).toBe('none');
    expect(staging.network.flowLogRetentionDays).toBe(90);
    expect(staging.database.multiAz && staging.database.deletionProtection && staging.database.finalSnapshot).toBe(true);
  });

  test('default tags carry managed-by, repository, account and environment', () => {
    expect(dev.tags).toEqual({
      'managed-by': 'cdktf',
      repository: 'ppu-platform/aws-infrastructure',
      account: 'dev',
      environment: 'development',
    });
  });

  test('the state bucket follows the naming pattern and differs per account', () => {
    expect(stateBucketName(dev)).toBe('ppu-platform-tfstate-824357028182-eu-west-1');
    expect(stateBucketName(staging)).toBe('ppu-platform-tfstate-574210586915-eu-west-1');
  });

  test('overrides apply last, arrays replace rather than merge', () => {
    const [devOverridden] = loadEnvironments({ overrides: { dev: { network: { interfaceEndpoints: ['sts'] } } } });
    expect(devOverridden.network.interfaceEndpoints).toEqual(['sts']);
    expect(devOverridden.network.cidr).toBe('10.10.0.0/16');
  });
});

describe('invalid configuration is rejected naming the file, the field and the fix', () => {
  test.each<[string, Overrides, RegExp]>([
    ['an account id that is not 12 digits', { dev: { accountId: '82435702818' } }, /environments\/accounts\/dev\.ts: accountId: an AWS account id is exactly 12 digits/],
    ['an unknown region', { dev: { region: 'eu-west-9' } }, /dev\.ts: region: .*use one of .*eu-west-1/],
    ['an availability zone outside the region', { staging: { availabilityZones: ['eu-west-1a', 'us-east-1b'] } }, /staging\.ts: availabilityZones\.1: 'us-east-1b' is not an availability zone of eu-west-1; use one of eu-west-1a, eu-west-1b, eu-west-1c/],
    ['an invalid CIDR', { dev: { network: { cidr: '10.10.0.0/33' } } }, /dev\.ts: network\.cidr: is not an IPv4 CIDR block; write it like 10\.10\.0\.0\/16/],
    ['a subnet outside the VPC CIDR', { dev: { network: { privateSubnetCidrs: ['10.10.16.0/20', '10.99.0.0/20'] } } }, /dev\.ts: network\.privateSubnetCidrs\.1: subnet 10\.99\.0\.0\/20 does not fit in the VPC CIDR 10\.10\.0\.0\/16/],
    ['overlapping subnets', { dev: { network: { publicSubnetCidrs: ['10.10.16.0/24', '10.10.1.0/24'] } } }, /dev\.ts: network\.publicSubnetCidrs\.0: subnet 10\.10\.16\.0\/24 overlaps network\.privateSubnetCidrs\.0/],
    ['VPC CIDRs overlapping across accounts', { staging: { network: { cidr: '10.10.0.0/16', publicSubnetCidrs: ['10.10.0.0/24', '10.10.1.0/24'], privateSubnetCidrs: ['10.10.16.0/20', '10.10.32.0/20'] } } }, /staging\.ts: network\.cidr: 10\.10\.0\.0\/16 overlaps 10\.10\.0\.0\/16 of environments\/accounts\/dev\.ts/],
    ['the same account id twice', { staging: { accountId: '824357028182' } }, /staging\.ts: accountId: 824357028182 is already used by environments\/accounts\/dev\.ts/],
    ['an unknown field', { dev: { database: { instanceSize: 'large' } as never } }, /dev\.ts: database: Unrecognized key: "instanceSize"/],
    ['an unknown database instance class family', { dev: { database: { instanceClass: 'db.x9.large' } } }, /dev\.ts: database\.instanceClass: is not a known RDS instance class; use <family>\.<size> with family one of db\.t3/],
    ['a backup retention above 35 days', { staging: { database: { backupRetentionDays: 40 } } }, /staging\.ts: database\.backupRetentionDays: backup retention must be 1-35 days/],
    ['a backup retention of 0 days', { staging: { database: { backupRetentionDays: 0 } } }, /staging\.ts: database\.backupRetentionDays: backup retention must be 1-35 days/],
    ['an override for an account that does not exist', { prod: { region: 'eu-west-1' } }, /overrides: 'prod' is not an account; use one of dev, staging/],
  ])('%s', (_name, overrides, expected) => {
    const problems = problemsFor(overrides);
    expect(problems.join('\n')).toMatch(expected);
  });

  test('a missing required field is named', () => {
    const problems = problemsFor({ dev: { network: { cidr: undefined } } as never });
    expect(problems.join('\n')).toMatch(/dev\.ts: network\.cidr: /);
  });

  test('every problem is reported at once, not only the first', () => {
    const problems = problemsFor({ dev: { accountId: 'x', region: 'mars-1' } });
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });
});

describe('adding an account is adding one file', () => {
  test('a fixture third account loads next to dev and staging', () => {
    const accounts = loadEnvironments({ accountsDir: accountsDirWith(QA_FIXTURE), overrides: {} });
    expect(accounts.map((a) => a.name)).toEqual(['dev', 'qa', 'staging']);
    const qa = accounts.find((a) => a.name === 'qa')!;
    expect(qa.region).toBe('eu-central-1');
    expect(qa.tags.account).toBe('qa');
    expect(qa.ci.planRoleName).toBe('github-actions-plan');
  });
});
