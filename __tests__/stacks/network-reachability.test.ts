import { Testing } from 'cdktf';
import { loadEnvironments } from '../../environments/load';
import type { AccountConfig } from '../../environments/schema';
import { LegacyWorkloadStack } from '../../stacks/workload';
import { readWorkload, sharedSynth } from '../helpers/terraform';

/**
 * Who can open a TCP connection to whom, read from the synthesized stacks CI plans. A security group
 * path works only when the source's egress rule names the target and the target's ingress rule names
 * the source, on the same port (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html:
 * security groups are stateful, but each side's group must allow its direction).
 */
type Row = readonly [from: string, port: number, to: string];

const outdir = sharedSynth();
const accounts = loadEnvironments({ overrides: {} });

const byRow = (a: Row, b: Row) => `${a[0]} ${a[2]} ${a[1]}`.localeCompare(`${b[0]} ${b[2]} ${b[1]}`);

/** Every TCP path of a stack as [from group, port, to], plus any rule whose other side is missing. */
function reachabilityTable(json: Record<string, any>, account: string): { paths: Row[]; halfOpen: string[] } {
  const groups = Object.values<Record<string, any>>(json.resource.aws_security_group).map((g) => String(g.tags.Name).replace(`${account}-`, ''));
  const groupName = (expression: string): string => {
    const id = /^\$\{aws_security_group\.(\w+)\.id\}$/.exec(expression)?.[1];
    const name = id && json.resource.aws_security_group[id]?.tags?.Name;
    if (!name) throw new Error(`not a security group of this stack: ${expression}`);
    return String(name).replace(`${account}-`, '');
  };
  const peer = (rule: Record<string, any>): string => {
    if (rule.referenced_security_group_id) return groupName(rule.referenced_security_group_id);
    if (rule.prefix_list_id) {
      const endpointId = /aws_vpc_endpoint\.(\w+)\.prefix_list_id/.exec(rule.prefix_list_id)![1];
      return `${String(json.resource.aws_vpc_endpoint[endpointId].service_name).split('.').pop()} gateway endpoint`;
    }
    return rule.cidr_ipv4 ?? rule.cidr_ipv6;
  };
  const egress = Object.values<Record<string, any>>(json.resource.aws_vpc_security_group_egress_rule ?? {});
  const ingress = Object.values<Record<string, any>>(json.resource.aws_vpc_security_group_ingress_rule ?? {});
  for (const rule of [...egress, ...ingress]) expect([rule.ip_protocol, rule.from_port]).toEqual(['tcp', rule.to_port]);
  const key = ([from, port, to]: Row) => `${from} -> ${to}:${port}`;
  const outgoing: Row[] = egress.map((r) => [groupName(r.security_group_id), r.from_port, peer(r)]);
  const incoming: Row[] = ingress.map((r) => [peer(r), r.from_port, groupName(r.security_group_id)]);
  const admitted = new Set(incoming.map(key));
  const opened = new Set(outgoing.map(key));
  // A path to a group needs both rules; a path to a prefix list or CIDR needs the egress rule only.
  const paths = outgoing.filter((row) => !groups.includes(row[2]) || admitted.has(key(row)));
  const halfOpen = [
    ...outgoing.filter((row) => groups.includes(row[2]) && !admitted.has(key(row))).map((row) => `egress only: ${key(row)}`),
    ...incoming.filter((row) => !opened.has(key(row))).map((row) => `ingress only: ${key(row)}`),
  ];
  return { paths: paths.sort(byRow), halfOpen };
}

/** The intended paths, from the account's configuration alone. */
function expectedTable(config: AccountConfig): Row[] {
  const rows: Row[] = [
    ['lambda', 443, 's3 gateway endpoint'],
    ['lambda', 443, 'dynamodb gateway endpoint'],
  ];
  if (config.network.interfaceEndpoints.length > 0) rows.push(['lambda', 443, 'endpoints']);
  if (config.database.proxy) {
    rows.push(['lambda', 5432, 'database-proxy'], ['database-proxy', 5432, 'database'], ['database-proxy', 443, 'endpoints']);
  } else {
    rows.push(['lambda', 5432, 'database']);
  }
  // database-admin logs in at the instance itself in every account (the master user cannot log in
  // through the proxy) and reads its secrets through the Secrets Manager endpoint: no NAT needed.
  rows.push(['database-admin', 5432, 'database'], ['database-admin', 443, 'endpoints']);
  return rows.sort(byRow);
}

describe.each(accounts.map((config) => [config.name, config] as const))('account %s', (name, config) => {
  const json = readWorkload(outdir, config);

  // RDS Proxy fetches its Secrets Manager secret from inside the VPC
  // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-secrets-arns.html); the
  // endpoint group must admit the proxy group on HTTPS or the proxy's target never becomes AVAILABLE
  // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html).
  test('which group reaches which port on which group is exactly the intended table', () => {
    const { paths } = reachabilityTable(json, name);
    expect(paths).toEqual(expectedTable(config));
  });

  test('no rule is open on one side only', () => {
    expect(reachabilityTable(json, name).halfOpen).toEqual([]);
  });
});

// Whatever the accounts choose today, both shapes are checked: the first account with its proxy switched.
test('with the proxy switched for an account, the table follows (proxy on: proxy to endpoints on HTTPS)', () => {
  const [first] = accounts;
  const flipped = loadEnvironments({ overrides: { [first.name]: { database: { proxy: !first.database.proxy } } } }).find((a) => a.name === first.name)!;
  const json = JSON.parse(Testing.synth(new LegacyWorkloadStack(Testing.app(), { config: flipped })));
  expect(reachabilityTable(json, first.name)).toEqual({ paths: expectedTable(flipped), halfOpen: [] });
});
