import * as fs from 'node:fs';
import * as path from 'node:path';
import { cidrsOverlap } from '../../aws/cidr';
import { ACCOUNTS_DIR, loadEnvironments } from '../../environments/load';
import type { AccountConfig, AccountFile } from '../../environments/schema';
import { tempDir } from './temp';

/** The accounts of this repository as they are today (no overrides): what tests iterate over. */
export function realAccounts(): AccountConfig[] {
  return loadEnvironments({ overrides: {} });
}

/** A name no account has, for "unknown account/stack" cases (a fixed 'prod' would break once prod is added). */
export function unusedAccountName(taken: readonly Pick<AccountConfig, 'name'>[] = realAccounts(), stem = 'no-such-account'): string {
  const names = new Set(taken.map((a) => a.name));
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? stem : `${stem}-${i}`;
    if (!names.has(candidate) && !names.has(candidate.replace(/-bootstrap$/, ''))) return candidate;
  }
}

/** A 12-digit account id no account has. */
export function unusedAccountId(taken: readonly Pick<AccountConfig, 'accountId'>[] = realAccounts()): string {
  const ids = new Set(taken.map((a) => a.accountId));
  for (let id = 100000000001; ; id++) if (!ids.has(String(id))) return String(id);
}

/** The first 10.<n>.0.0/16 that overlaps no account's VPC. */
export function unusedVpcCidr(taken: readonly Pick<AccountConfig, 'network'>[] = realAccounts()): string {
  for (let octet = 0; octet < 256; octet++) {
    const cidr = `10.${octet}.0.0/16`;
    if (!taken.some((a) => cidrsOverlap(a.network.cidr, cidr))) return cidr;
  }
  throw new Error('no free 10.x.0.0/16 left for a fixture account');
}

/**
 * A valid extra account whose name, id, CIDR, environment and apply environment collide with no
 * account of the repository (nor with the `taken` ones), in another region than the defaults so
 * region-derived values are exercised. Fixed values would collide the day someone adds that account.
 */
export function fixtureAccount(taken: readonly AccountConfig[] = realAccounts(), stem = 'fixture'): AccountFile {
  const name = unusedAccountName(taken, stem);
  const cidr = unusedVpcCidr(taken);
  const [a, b] = cidr.split('.');
  return {
    name,
    accountId: unusedAccountId(taken),
    environment: `${name}-environment`,
    region: 'eu-central-1',
    availabilityZones: ['eu-central-1a', 'eu-central-1c'],
    github: { applyEnvironment: `${name}-approval` },
    network: {
      cidr,
      publicSubnetCidrs: [`${a}.${b}.0.0/24`, `${a}.${b}.1.0/24`],
      privateSubnetCidrs: [`${a}.${b}.16.0/20`, `${a}.${b}.32.0/20`],
      natGateways: 'single',
    },
    database: { instanceClass: 'db.t4g.small', multiAz: false },
  };
}

/** Writes an account file (the shape environments/accounts/<name>.ts has) and returns its path. */
export function writeAccountFile(dir: string, account: AccountFile, fileName = `${account.name}.ts`): string {
  const file = path.join(dir, fileName);
  fs.writeFileSync(file, `export const account = ${JSON.stringify(account, null, 2)};\n`);
  return file;
}

/**
 * A temp accounts folder holding the real account files plus the given fixture accounts; removed
 * after the test file (helpers/temp.ts), and a caller may remove it sooner.
 */
export function accountsDirWith(...fixtures: AccountFile[]): string {
  const dir = tempDir('accounts-');
  for (const name of fs.readdirSync(ACCOUNTS_DIR)) fs.copyFileSync(path.join(ACCOUNTS_DIR, name), path.join(dir, name));
  for (const fixture of fixtures) writeAccountFile(dir, fixture);
  return dir;
}
