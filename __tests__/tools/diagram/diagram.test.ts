import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEnvironments } from '../../../environments/load';
import type { AccountConfig } from '../../../environments/schema';
import { FUNCTIONS } from '../../../catalogue';
import { accountStacks } from '../../../stacks/app';
import {
  accountDiagram,
  DOCS_DIR,
  expectedFiles,
  GENERATED_MARKER,
  README_FILE,
  readSynthOutput,
  renderAccountDoc,
  staleFiles,
} from '../../../tools/diagram/diagram';
import { graphFromStackJson, type StackJson } from '../../../tools/diagram/graph';
import { renderMermaid } from '../../../tools/diagram/mermaid';
import { buildDiagram, type Diagram, type DiagramNode } from '../../../tools/diagram/model';
import { accountsDirWith, fixtureAccount } from '../../helpers/accounts';
import { mermaidBlocks, mermaidErrors } from '../../helpers/mermaid';
import { REPO_ROOT, runApp } from '../../helpers/terraform';

// GitHub renders ```mermaid blocks in Markdown files, issues and pull-request comments
// (https://github.com/github/roadmap/issues/372); the syntax is Mermaid's flowchart
// (https://mermaid.js.org/syntax/flowchart.html), checked here by Mermaid's own parser.

// As cdktf.json runs the app: node with tsx's loader (the tsx CLI would add a second node process).
const TSX = [process.execPath, '--import', 'tsx'] as const;
const realAccounts = loadEnvironments({ overrides: {} });
// The real accounts plus a generated fixture account, synthesized once by the real app.
const accountsDir = accountsDirWith(fixtureAccount(realAccounts));
const accounts = loadEnvironments({ accountsDir, overrides: {} });
const tempDirs: string[] = [accountsDir];
let outdir: string;
let stacks: (name: string) => StackJson;
const diagrams = new Map<string, Diagram>();

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'diagram-synth-'));
  tempDirs.push(outdir);
  const result = runApp(outdir, { INFRA_ACCOUNTS_DIR: accountsDir, INFRA_OVERRIDES_FILE: '' });
  if (result.status !== 0) throw new Error(`synth failed:\n${result.stderr}`);
  stacks = readSynthOutput(outdir, accounts);
  for (const account of accounts) diagrams.set(account.name, accountDiagram(account, stacks));
});

afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every resource of the account's two stacks, keyed as the diagram keys them (`<stack>:<address>`). */
function resourceKeys(account: AccountConfig): string[] {
  return accountStacks(account).flatMap(({ stack }) =>
    Object.entries(stacks(stack).resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${stack}:${type}.${name}`)),
  );
}

function resourcesOfType(account: AccountConfig, type: string): Array<[string, Record<string, any>]> {
  const byName = (stacks(account.name).resource?.[type] ?? {}) as Record<string, Record<string, any>>;
  return Object.entries(byName).map(([name, config]) => [`${account.name}:${type}.${name}`, config]);
}

/** The key of the resource a `${aws_x.y.attr}` expression names. */
function referenced(account: AccountConfig, expression: string): string {
  return `${account.name}:${/\$\{(aws_[a-z0-9_]+\.[^.}]+)/.exec(expression)![1]}`;
}

function nodeOf(account: AccountConfig, key: string): DiagramNode {
  const node = diagrams.get(account.name)!.nodes.find((n) => n.members.includes(key));
  if (!node) throw new Error(`${key} is in no node`);
  return node;
}

function connected(account: AccountConfig, a: DiagramNode, b: DiagramNode, direction: 'from-a' | 'either' = 'from-a'): boolean {
  return diagrams
    .get(account.name)!
    .edges.some((e) => (e.from === a.id && e.to === b.id) || ((direction === 'either' || e.both) && e.from === b.id && e.to === a.id));
}

describe.each(accounts.map((account) => ({ name: account.name, account })))('architecture picture of $name', ({ account }) => {
  test('every resource of the workload and CI identity stacks is in exactly one node, and every node is drawn', () => {
    const diagram = diagrams.get(account.name)!;
    const members = diagram.nodes.flatMap((n) => n.members);
    expect(new Set(members).size).toBe(members.length);
    expect([...members].sort()).toEqual(resourceKeys(account).sort());
    const text = renderMermaid(diagram);
    for (const node of diagram.nodes) expect(text).toMatch(new RegExp(`^ {4}${node.id}[[(]`, 'm'));
  });

  test('functions are labelled with their names, queues and the table with theirs (not construct ids)', () => {
    for (const spec of FUNCTIONS) {
      const [key] = resourcesOfType(account, 'aws_lambda_function').find(([, config]) => config.function_name === spec.name)!;
      expect(nodeOf(account, key).lines[0]).toBe(spec.name);
    }
    for (const [key, config] of resourcesOfType(account, 'aws_sqs_queue')) expect(nodeOf(account, key).lines[0]).toBe(`SQS ${config.name}`);
    for (const [key, config] of resourcesOfType(account, 'aws_dynamodb_table')) expect(nodeOf(account, key).lines[0]).toBe(`DynamoDB ${config.name}`);
    for (const node of diagrams.get(account.name)!.nodes) expect(node.lines.join(' ')).not.toMatch(/_[0-9A-F]{8}\b/);
  });

  test('each function points at the data its catalogue grants name, and its trigger points at it', () => {
    const fn = (name: string) => nodeOf(account, resourcesOfType(account, 'aws_lambda_function').find(([, c]) => c.function_name === name)![0]);
    const only = (type: string) => {
      const found = resourcesOfType(account, type);
      expect(found).toHaveLength(1);
      return nodeOf(account, found[0][0]);
    };
    const proxies = resourcesOfType(account, 'aws_db_proxy');
    for (const spec of FUNCTIONS) {
      const node = fn(spec.name);
      for (const grant of spec.grants) {
        if (grant.kind.startsWith('bucket-')) expect(connected(account, node, only('aws_s3_bucket'))).toBe(true);
        if (grant.kind.startsWith('table-')) expect(connected(account, node, only('aws_dynamodb_table'))).toBe(true);
        if (grant.kind.startsWith('queue-')) {
          const queue = resourcesOfType(account, 'aws_sqs_queue').map(([key]) => nodeOf(account, key));
          expect(queue.some((q) => connected(account, node, q, 'either'))).toBe(true);
        }
        // With an RDS Proxy the functions log in to the proxy; without one, to the instance.
        if (grant.kind === 'db-login') expect(connected(account, node, proxies.length ? only('aws_db_proxy') : only('aws_db_instance'))).toBe(true);
      }
      if (spec.trigger.kind === 'http') expect(connected(account, only('aws_api_gateway_rest_api'), node)).toBe(true);
      if (spec.trigger.kind === 'schedule') {
        const rules = resourcesOfType(account, 'aws_cloudwatch_event_rule').filter(([, c]) => c.schedule_expression === (spec.trigger as { scheduleExpression: string }).scheduleExpression);
        expect(rules.some(([key]) => connected(account, nodeOf(account, key), node))).toBe(true);
      }
      if (spec.trigger.kind === 'queue') {
        // The mapping names the function's alias, which is drawn inside the function's node.
        const mappings = resourcesOfType(account, 'aws_lambda_event_source_mapping').filter(([, c]) => nodeOf(account, referenced(account, c.function_name)) === node);
        expect(mappings.length).toBeGreaterThan(0);
        for (const [, mapping] of mappings) expect(connected(account, nodeOf(account, referenced(account, mapping.event_source_arn)), node)).toBe(true);
      }
    }
  });

  test('the WAF points at the stage it protects and the alarms at the topic they notify', () => {
    for (const [, association] of resourcesOfType(account, 'aws_wafv2_web_acl_association')) {
      const acl = `${account.name}:${/\$\{(aws_wafv2_web_acl\.[^.]+)\./.exec(association.web_acl_arn)![1]}`;
      const stage = `${account.name}:${/\$\{(aws_api_gateway_stage\.[^.]+)\./.exec(association.resource_arn)![1]}`;
      expect(connected(account, nodeOf(account, acl), nodeOf(account, stage))).toBe(true);
    }
    const alarms = resourcesOfType(account, 'aws_cloudwatch_metric_alarm');
    const alarmNode = nodeOf(account, alarms[0][0]);
    expect(alarmNode.lines[0]).toBe(`CloudWatch alarms ×${alarms.length}`);
    for (const [key, alarm] of alarms) {
      expect(nodeOf(account, key)).toBe(alarmNode);
      for (const action of alarm.alarm_actions) {
        const topic = `${account.name}:${/\$\{(aws_sns_topic\.[^.]+)\./.exec(action)![1]}`;
        expect(connected(account, alarmNode, nodeOf(account, topic))).toBe(true);
      }
    }
  });

  test('each security-group rule between two groups is a path labelled with its protocol and port', () => {
    const diagram = diagrams.get(account.name)!;
    const rules = [...resourcesOfType(account, 'aws_vpc_security_group_ingress_rule'), ...resourcesOfType(account, 'aws_vpc_security_group_egress_rule')];
    const group = (expression: string) => nodeOf(account, `${account.name}:${/\$\{(aws_security_group\.[^.]+)\.id\}/.exec(expression)![1]}`);
    let paths = 0;
    for (const [key, rule] of rules) {
      if (!rule.referenced_security_group_id) continue;
      const ingress = key.includes('_ingress_rule.');
      const [from, to] = ingress ? [group(rule.referenced_security_group_id), group(rule.security_group_id)] : [group(rule.security_group_id), group(rule.referenced_security_group_id)];
      const edge = diagram.edges.find((e) => e.from === from.id && e.to === to.id && e.kind === 'path');
      expect(edge?.label?.split(', ')).toContain(`${rule.ip_protocol} ${rule.from_port}`);
      paths += 1;
    }
    expect(paths).toBeGreaterThan(0);
  });

  test('the output is the same whatever order the synthesized JSON lists resources in', () => {
    const reversed = (name: string): StackJson => {
      const json = stacks(name);
      const resource = Object.fromEntries(
        Object.entries(json.resource ?? {})
          .reverse()
          .map(([type, byName]) => [type, Object.fromEntries(Object.entries(byName).reverse())]),
      );
      return { ...json, resource };
    };
    expect(renderAccountDoc(account, accountDiagram(account, reversed))).toBe(renderAccountDoc(account, diagrams.get(account.name)!));
  });
});

test('a resource type the generator has no rule for (another helper adds one) is still drawn, next to what it references', () => {
  const [account] = accounts;
  const [fnKey, fn] = resourcesOfType(account, 'aws_lambda_function')[0];
  const address = fnKey.slice(fnKey.indexOf(':') + 1);
  const withNewType = (name: string): StackJson => {
    const json = stacks(name);
    if (name !== account.name) return json;
    const added = { Watcher: { target: `\${${address}.arn}`, note: 'not a type the generator knows' } };
    return { ...json, resource: { ...json.resource, aws_made_up_watcher: added } };
  };
  const diagram = accountDiagram(account, withNewType);
  const node = diagram.nodes.find((n) => n.members.includes(`${account.name}:aws_made_up_watcher.Watcher`))!;
  expect(node.layer).toBe(nodeOf(account, fnKey).layer);
  expect(node.lines[0]).toBe('made up watcher ×1');
  expect(diagram.edges).toContainEqual(expect.objectContaining({ from: node.id, to: diagrams.get(account.name)!.nodes.find((n) => n.lines[0] === fn.function_name)!.id }));
});

test('every picture is a flowchart that Mermaid parses (and the check catches a broken one)', () => {
  const texts = accounts.flatMap((account) => mermaidBlocks(renderAccountDoc(account, diagrams.get(account.name)!)));
  expect(texts).toHaveLength(accounts.length);
  // Names may hold characters Mermaid's syntax uses (quotes, brackets, #, backticks, pipes): they are escaped.
  const awkward = 'q"<b>#1`x`|end]';
  const escaped = renderMermaid(buildDiagram([{ graph: graphFromStackJson({ resource: { aws_sqs_queue: { Awkward: { name: awkward } } } }) }]));
  expect(escaped).not.toContain(awkward);
  expect(mermaidErrors([...texts, escaped, 'flowchart LR\n  a["unclosed] --> b\n'])).toEqual([...texts.map(() => null), null, expect.stringContaining('Parse error')]);
});

/** Where the index's link to each account's picture leads (resolved from the index file's folder). */
function linkedPictures(index: string, names: readonly string[]): string[] {
  const text = fs.readFileSync(index, 'utf8');
  return names.map((name) => {
    const [, target = ''] = new RegExp(`\\[\`${name}\`\\]\\(([^)]+)\\)`).exec(text) ?? [];
    return target && path.resolve(path.dirname(index), target);
  });
}

test('the committed pictures and the index links are current (run `npm run diagram` when this fails)', () => {
  const files = expectedFiles(realAccounts, stacks, path.join(REPO_ROOT, DOCS_DIR), path.join(REPO_ROOT, README_FILE));
  const stale = staleFiles(files).map((file) => path.relative(REPO_ROOT, file));
  if (stale.length) throw new Error(`Stale: ${stale.join(', ')}. Run \`npm run diagram\` and commit the result.`);
  const names = realAccounts.map((a) => a.name);
  expect(linkedPictures(path.join(REPO_ROOT, README_FILE), names)).toEqual(names.map((name) => path.join(REPO_ROOT, DOCS_DIR, `${name}.md`)));
});

describe('npm run diagram', () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    try {
      const stdout = execFileSync(TSX[0], [...TSX.slice(1), 'tools/diagram/diagram.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8', stdio: 'pipe' });
      return { status: 0, stdout, stderr: '' };
    } catch (error) {
      const e = error as { status: number; stdout: string; stderr: string };
      return { status: e.status, stdout: e.stdout, stderr: e.stderr };
    }
  };

  test('--check fails on stale pictures; writing adds one per account and the index links and removes a removed account’s', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'diagram-cli-'));
    tempDirs.push(work);
    const docs = path.join(work, 'docs');
    const readme = path.join(work, 'README.md');
    fs.copyFileSync(path.join(REPO_ROOT, README_FILE), readme);
    fs.mkdirSync(docs);
    fs.writeFileSync(path.join(docs, 'gone.md'), `${GENERATED_MARKER}\nan account that no longer exists\n`);
    fs.writeFileSync(path.join(docs, 'notes.md'), 'hand-written, kept\n');
    const args = ['--from', outdir, '--out-dir', docs, '--readme', readme];
    const env = { INFRA_ACCOUNTS_DIR: accountsDir };

    const stale = run([...args, '--check'], env);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('Run `npm run diagram`');

    expect(run(args, env).status).toBe(0);
    expect(fs.readdirSync(docs).sort()).toEqual([...accounts.map((a) => `${a.name}.md`), 'notes.md'].sort());
    const names = accounts.map((a) => a.name);
    expect(linkedPictures(readme, names)).toEqual(names.map((name) => path.join(docs, `${name}.md`)));
    expect(staleFiles(expectedFiles(accounts, stacks, docs, readme))).toEqual([]);
  });

  test('bad configuration: a clear error naming the file, non-zero exit, no stack trace, nothing written', () => {
    const bad = accountsDirWith();
    tempDirs.push(bad);
    const file = fs.readdirSync(bad).find((name) => name.endsWith('.ts'))!;
    fs.writeFileSync(path.join(bad, file), fs.readFileSync(path.join(bad, file), 'utf8').replace(/accountId: '\d+'/, "accountId: '12'"));
    const docs = fs.mkdtempSync(path.join(os.tmpdir(), 'diagram-bad-'));
    tempDirs.push(docs);
    const result = run(['--out-dir', docs, '--readme', path.join(docs, 'README.md')], { INFRA_ACCOUNTS_DIR: bad });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toContain('accountId');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readdirSync(docs)).toEqual([]);
  });
});
