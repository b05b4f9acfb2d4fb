import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REGION_AZ_LETTERS } from '../../aws/aws-facts';
import { cidrsOverlap, isIpv4Cidr, isPrivateIpv4Cidr, PRIVATE_IPV4_RANGES } from '../../aws/cidr';
import { defaults } from '../../environments/defaults';
import { ACCOUNTS_DIR, accountSourceFile, ConfigError, loadEnvironments } from '../../environments/load';
import { regenerateDerivedFiles, runScaffoldCli, ScaffoldError, writeFileAtomically } from './scaffold';
import { answerHelp } from '../../build/cli-help';

/**
 * `npm run new:account -- <name> --account-id <12 digits> --cidr <a /16> [--auto-apply | --approval]`
 * writes environments/accounts/<name>.ts with everything a new account needs and nothing taken
 * from another account: its own name, environment tag and apply gate, subnets carved from its
 * CIDR, two zones of the default region, and the alarm addresses as a TODO that synth reports.
 * Refuses a taken name, id or overlapping CIDR; on any error nothing is written.
 */

const USAGE = 'Usage: npm run new:account -- <name> --account-id <12 digits> --cidr <a /16, e.g. 10.30.0.0/16> [--auto-apply | --approval]';

export interface NewAccountRequest {
  readonly name: string;
  readonly accountId: string;
  readonly cidr: string;
  /** auto: every merge to the apply branch (main) applies; approval: a GitHub environment named after the account gates it. */
  readonly apply: 'auto' | 'approval';
}

export function parseNewAccountArgs(args: readonly string[]): NewAccountRequest {
  const problems: string[] = [];
  const positional: string[] = [];
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--account-id' || arg === '--cidr') {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--')) problems.push(`${arg} needs a value`);
      else values[arg] = value;
      i++;
    } else if (arg === '--auto-apply' || arg === '--approval') {
      flags.add(arg);
    } else if (arg.startsWith('--')) {
      problems.push(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1) problems.push(positional.length ? `one account name, not ${positional.join(' ')}` : 'the account name is missing');
  if (!values['--account-id']) problems.push('--account-id is missing');
  if (!values['--cidr']) problems.push('--cidr is missing');
  if (flags.size > 1) problems.push('choose one of --auto-apply and --approval');
  if (problems.length) throw new ScaffoldError(`${problems.join('; ')}.\n${USAGE}`);
  return { name: positional[0], accountId: values['--account-id'], cidr: values['--cidr'], apply: flags.has('--auto-apply') ? 'auto' : 'approval' };
}

/** The third and fourth octet blocks of a /16: two /24 public subnets and two /20 private ones, as the existing accounts use. */
function carveSubnets(cidr: string): { publicSubnetCidrs: string[]; privateSubnetCidrs: string[] } {
  const [a, b] = cidr.split('.');
  return {
    publicSubnetCidrs: [`${a}.${b}.0.0/24`, `${a}.${b}.1.0/24`],
    privateSubnetCidrs: [`${a}.${b}.16.0/20`, `${a}.${b}.32.0/20`],
  };
}

/** The text of environments/accounts/<name>.ts. */
export function accountFileText(request: NewAccountRequest): string {
  const region = defaults.region;
  const zones = (REGION_AZ_LETTERS[region] ?? []).slice(0, 2).map((letter) => `${region}${letter}`);
  const { publicSubnetCidrs, privateSubnetCidrs } = carveSubnets(request.cidr);
  const list = (items: readonly string[]) => `[${items.map((item) => `'${item}'`).join(', ')}]`;
  const github =
    request.apply === 'auto'
      ? `  // Every merge to main applies this account (like dev).\n  github: { applyBranch: 'main' },`
      : `  // Applied only through the approval workflow: create the GitHub environment '${request.name}' with required reviewers.\n  github: { applyEnvironment: '${request.name}' },`;
  return `import type { AccountFile } from '../schema';

/** The ${request.name} account (written by npm run new:account): it lists only what differs from environments/defaults.ts. */
export const account: AccountFile = {
  name: '${request.name}',
  accountId: '${request.accountId}',
  environment: '${request.name}',
  // Two zones of ${region}, the default region; to move the account, set \`region\` and zones of that region.
  availabilityZones: ${list(zones)},
${github}
  network: {
    cidr: '${request.cidr}',
    publicSubnetCidrs: ${list(publicSubnetCidrs)},
    privateSubnetCidrs: ${list(privateSubnetCidrs)},
  },
  // TODO: who gets this account's alarms (team addresses, or notifications.slack). Until then every synth warns that alarms reach nobody.
  notifications: { emails: [] },
};
`;
}

/** Everything wrong with the request against the accounts there are, each naming the field, the other file and the fix. */
function requestProblems(request: NewAccountRequest, accountsDir: string): string[] {
  const problems: string[] = [];
  const target = path.join(accountsDir, `${request.name}.ts`);
  if (!/^[a-z][a-z0-9-]{1,20}$/.test(request.name) || request.name.endsWith('-bootstrap')) {
    problems.push(`name '${request.name}': use 2-21 lower-case letters, digits and dashes, starting with a letter and not ending in -bootstrap (the stack names use that suffix)`);
  }
  if (!/^\d{12}$/.test(request.accountId)) problems.push(`--account-id '${request.accountId}': an AWS account id is exactly 12 digits`);
  if (!isIpv4Cidr(request.cidr) || !request.cidr.endsWith('/16')) problems.push(`--cidr '${request.cidr}': give a /16 block such as 10.30.0.0/16`);
  else if (!isPrivateIpv4Cidr(request.cidr)) {
    problems.push(`--cidr '${request.cidr}': is not a private (RFC 1918) block; give a /16 inside ${PRIVATE_IPV4_RANGES.join(', ')}, such as 10.30.0.0/16`);
  }
  if (fs.existsSync(target)) problems.push(`${path.relative(process.cwd(), target)} already exists; choose another name or edit that file`);
  let existing;
  try {
    existing = loadEnvironments({ accountsDir, overrides: {} });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...problems, 'the existing account files are invalid; fix them first:', ...error.problems];
  }
  for (const other of existing) {
    const file = accountSourceFile(other) ?? other.name;
    if (other.name === request.name) problems.push(`name '${request.name}' is already the account of ${file}; choose another name`);
    if (other.accountId === request.accountId) problems.push(`--account-id ${request.accountId} is already the account id of ${file}; each account file is one AWS account`);
    if (isIpv4Cidr(request.cidr) && cidrsOverlap(other.network.cidr, request.cidr)) {
      problems.push(`--cidr ${request.cidr} overlaps ${other.network.cidr} of ${file}; choose a /16 no account uses so the VPCs can be peered later`);
    }
  }
  return problems;
}

/** Writes the account file after checking it loads next to the others; returns its path. */
export function newAccount(request: NewAccountRequest, accountsDir: string = ACCOUNTS_DIR): string {
  const problems = requestProblems(request, accountsDir);
  if (problems.length) throw new ScaffoldError(`Cannot add account '${request.name}':\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  const text = accountFileText(request);
  // Load the new file next to copies of the others before anything lands in the real folder.
  const trial = fs.mkdtempSync(path.join(os.tmpdir(), 'new-account-'));
  try {
    for (const name of fs.readdirSync(accountsDir)) fs.copyFileSync(path.join(accountsDir, name), path.join(trial, name));
    fs.writeFileSync(path.join(trial, `${request.name}.ts`), text);
    loadEnvironments({ accountsDir: trial, overrides: {} });
  } catch (error) {
    if (error instanceof ConfigError) throw new ScaffoldError(`Cannot add account '${request.name}': the generated file does not validate:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`);
    throw error;
  } finally {
    fs.rmSync(trial, { recursive: true, force: true });
  }
  const target = path.join(accountsDir, `${request.name}.ts`);
  writeFileAtomically(target, text);
  return target;
}

function main(): void {
  const request = parseNewAccountArgs(process.argv.slice(2));
  const file = newAccount(request);
  regenerateDerivedFiles([file]);
  const relative = path.relative(process.cwd(), file);
  console.log(`Wrote ${relative}; regenerated docs/security-rules.md and .checkov.yaml.`);
  console.log(`Fill in by hand:
  - ${relative}: notifications (the TODO; synth warns until it is set) and any size that should differ from environments/defaults.ts
${request.apply === 'approval' ? `  - GitHub: create the environment '${request.name}' (Settings > Environments) with required reviewers\n` : ''}Then, once, as an administrator of account ${request.accountId}:
  npm run bootstrap:state -- ${request.name}
  npx cdktf deploy ${request.name}-bootstrap`);
}

if (require.main === module) {
  answerHelp(USAGE);
  runScaffoldCli(main);
}
