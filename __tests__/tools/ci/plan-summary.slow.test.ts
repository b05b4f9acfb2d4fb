import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { terraformEnv } from '../../../tools/lib/terraform-env';
import type { PlanGraphJson } from '../../../tools/diagram/graph';
import { planPicture, planPictureSection } from '../../../tools/diagram/plan-picture';
import { mermaidErrors } from '../../helpers/mermaid';
import { startStandIns } from '../../../tools/local-aws/stand-ins';
import {
  commentMarker,
  main,
  MAX_COMMENT_CHARS,
  renderFailure,
  renderSummary,
  stackWarnings,
  summarizePlan,
  type PlanJson,
} from '../../../tools/ci/plan-summary';
import { loadEnvironments } from '../../../environments/load';
import { configWarnings } from '../../../environments/warnings';
import { accountStacks } from '../../../stacks/app';

const run = promisify(execFile);
const ACCOUNT_ID = '824357028182';
const PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]';

let workDir: string;
let planJson: PlanJson & PlanGraphJson;
let planText: string;

/** A prior state: three queues as if applied earlier, one of which the configuration no longer has. */
function queueState(name: string, attributes: Record<string, unknown>) {
  const arn = `arn:aws:sqs:eu-west-1:${ACCOUNT_ID}:${attributes.name as string}`;
  const url = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT_ID}/${attributes.name as string}`;
  return {
    mode: 'managed',
    type: 'aws_sqs_queue',
    name,
    provider: PROVIDER,
    instances: [
      {
        schema_version: 0,
        attributes: {
          id: url,
          url,
          arn,
          fifo_queue: false,
          content_based_deduplication: false,
          delay_seconds: 0,
          max_message_size: 262144,
          message_retention_seconds: 345600,
          receive_wait_time_seconds: 0,
          sqs_managed_sse_enabled: true,
          tags: {},
          tags_all: {},
          ...attributes,
        },
      },
    ],
  };
}

/**
 * Synthesizes a small cdktf stack, writes a prior state, and plans it offline with the real AWS
 * provider (from TF_PROVIDER_MIRROR when set) against the STS stand-in; the plan is saved and read
 * back with `terraform show -json`, exactly as the workflows do.
 */
beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-summary-'));
  const app = new App({ outdir: workDir });
  const stack = new TerraformStack(app, 'fixture');
  // Explicit, relative to the stack folder: cdktf's default local state would land in the repository.
  new LocalBackend(stack, { path: 'terraform.tfstate' });
  new AwsProvider(stack, 'aws', { region: 'eu-west-1', allowedAccountIds: [ACCOUNT_ID] });
  new SqsQueue(stack, 'Kept', { name: 'kept', visibilityTimeoutSeconds: 60 });
  new SqsQueue(stack, 'Renamed', { name: 'renamed-v2', visibilityTimeoutSeconds: 30 });
  // Unchanged: the dead-letter queue the added queue names (a neighbour in the plan picture), and one unrelated.
  const deadLetters = new SqsQueue(stack, 'DeadLetters', { name: 'dead-letters', visibilityTimeoutSeconds: 30 });
  new SqsQueue(stack, 'Unrelated', { name: 'unrelated', visibilityTimeoutSeconds: 30 });
  new SqsQueue(stack, 'Added', {
    name: 'added',
    visibilityTimeoutSeconds: 30,
    redrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetters.arn, maxReceiveCount: 3 }),
  });
  app.synth();
  const stackDir = path.join(workDir, 'stacks', 'fixture');
  fs.writeFileSync(
    path.join(stackDir, 'terraform.tfstate'),
    JSON.stringify({
      version: 4,
      terraform_version: '1.11.4',
      serial: 1,
      lineage: 'plan-summary-fixture',
      outputs: {},
      resources: [
        queueState('Kept', { name: 'kept', visibility_timeout_seconds: 30 }),
        queueState('Renamed', { name: 'renamed-v1', visibility_timeout_seconds: 30 }),
        queueState('Removed', { name: 'removed', visibility_timeout_seconds: 30 }),
        queueState('DeadLetters', { name: 'dead-letters', visibility_timeout_seconds: 30 }),
        queueState('Unrelated', { name: 'unrelated', visibility_timeout_seconds: 30 }),
      ],
    }),
  );

  const standIns = await startStandIns({ accountId: ACCOUNT_ID, buckets: [] });
  try {
    const options = { cwd: stackDir, env: { ...terraformEnv(), ...standIns.env }, maxBuffer: 64 * 1024 * 1024 };
    await run('terraform', ['init', '-input=false', '-no-color'], options);
    // -refresh=false: the stand-ins answer STS only; the prior state stands in for the account.
    await run('terraform', ['plan', '-input=false', '-no-color', '-refresh=false', '-out=plan'], options);
    planJson = JSON.parse((await run('terraform', ['show', '-json', 'plan'], options)).stdout) as PlanJson & PlanGraphJson;
    planText = (await run('terraform', ['show', '-no-color', 'plan'], options)).stdout;
  } finally {
    await standIns.close();
  }
});

afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

test('counts add, change, replace and destroy from a real saved plan', () => {
  expect(summarizePlan(planJson).counts).toEqual({ add: 1, change: 1, replace: 1, destroy: 1 });
});

test('replaced and destroyed resources come first, with the attribute forcing the replacement', () => {
  const { changes } = summarizePlan(planJson);
  expect(changes.map((c) => [c.kind, c.address])).toEqual([
    ['replace', 'aws_sqs_queue.Renamed'],
    ['destroy', 'aws_sqs_queue.Removed'],
    ['add', 'aws_sqs_queue.Added'],
    ['change', 'aws_sqs_queue.Kept'],
  ]);
  expect(changes[0].forcedBy).toEqual(['name']);
});

test('the markdown lists destructive changes before the others and collapses the full plan', () => {
  const markdown = renderSummary({ account: 'dev', summary: summarizePlan(planJson), planText });
  expect(markdown.startsWith(`${commentMarker('dev')}\n`)).toBe(true);
  expect(markdown).toContain('| 1 | 1 | 1 | 1 |');
  const replaced = markdown.indexOf('replace `aws_sqs_queue.Renamed` (forced by `name`)');
  const destroyed = markdown.indexOf('destroy `aws_sqs_queue.Removed`');
  const created = markdown.indexOf('create `aws_sqs_queue.Added`');
  expect(replaced).toBeGreaterThan(0);
  expect(destroyed).toBeGreaterThan(replaced);
  expect(created).toBeGreaterThan(destroyed);
  const details = markdown.indexOf('<details><summary>Full plan</summary>');
  expect(details).toBeGreaterThan(created);
  expect(markdown.slice(details)).toContain('must be replaced');
  expect(markdown.trimEnd().endsWith('</details>')).toBe(true);
});

test('an empty plan says there are no changes', () => {
  const empty = summarizePlan({ ...planJson, resource_changes: [] });
  expect(renderSummary({ account: 'staging', summary: empty })).toContain('No changes.');
});

test('a plan text too long for a GitHub comment is truncated with a pointer to the run log', () => {
  const huge = 'x'.repeat(MAX_COMMENT_CHARS * 2);
  const markdown = renderSummary({ account: 'dev', summary: summarizePlan(planJson), planText: huge });
  expect(markdown.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
  expect(markdown).toContain('truncated');
  expect(markdown.trimEnd().endsWith('</details>')).toBe(true);
});

// GitHub refuses an issue or pull-request comment over 65,536 characters (DESIGN.md section 8;
// https://github.com/orgs/community/discussions/41331): the summary stays under it whatever the plan.
test('a plan with thousands of resource changes stays under GitHub\'s comment limit, the lists cut with a pointer to the run', () => {
  const many: PlanJson = {
    format_version: '1.2',
    resource_changes: Array.from({ length: 5000 }, (_, i) => ({
      address: `aws_sqs_queue.queue_with_a_rather_long_name_${i}`,
      change: { actions: i % 2 ? ['create'] : ['delete', 'create'], replace_paths: [['name']] },
    })),
  };
  const runUrl = 'https://github.com/owner/repo/actions/runs/1';
  const changePicture = `<details><summary>Picture</summary>\n\n\`\`\`mermaid\n${'n1 --> n2\n'.repeat(5000)}\`\`\`\n</details>`;
  const markdown = renderSummary({ account: 'dev', summary: summarizePlan(many), planText: 'y'.repeat(MAX_COMMENT_CHARS), runUrl, commit: 'a'.repeat(40), changePicture });
  expect(MAX_COMMENT_CHARS).toBeLessThan(65536);
  expect(markdown.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
  expect(markdown).toContain('is too large for a comment');
  expect(markdown).toMatch(new RegExp(`- \\.\\.\\. and \\d+ more \\(the complete list is in the run log: ${runUrl.replace(/[./]/g, '\\$&')}\\)`));
});

test('every summary and failure names the commit it planned', () => {
  const commit = 'b'.repeat(40);
  expect(renderSummary({ account: 'dev', summary: summarizePlan(planJson), commit })).toContain(`Planned commit: \`${commit}\``);
  expect(renderFailure('dev', undefined, commit)).toContain(`Planned commit: \`${commit}\``);
});

test('backticks in the plan text cannot close the code fence', () => {
  const markdown = renderSummary({ account: 'dev', summary: summarizePlan(planJson), planText: 'a ```` b' });
  expect(markdown).toContain('`````text\na ```` b\n`````');
});

test('input that is not a JSON plan is refused with the command to produce one', () => {
  expect(() => summarizePlan({} as PlanJson)).toThrow(/terraform show -json/);
});

test('a failed plan still gets the account marker so its comment is updated, not duplicated', () => {
  expect(renderFailure('staging', 'https://example.com/run/1')).toContain(commentMarker('staging'));
});

test('the command line writes the summary and reports whether there are changes for GITHUB_OUTPUT', () => {
  const jsonFile = path.join(workDir, 'plan.json');
  const outFile = path.join(workDir, 'summary.md');
  const githubOutput = path.join(workDir, 'github-output');
  fs.writeFileSync(jsonFile, JSON.stringify(planJson));
  main(['--account', 'dev', '--plan-json', jsonFile, '--output', outFile, '--github-output'], { GITHUB_OUTPUT: githubOutput });
  expect(fs.readFileSync(outFile, 'utf8')).toContain(commentMarker('dev'));
  expect(fs.readFileSync(githubOutput, 'utf8')).toBe('has-changes=true\ntotal=4\n');
});

// RFC 2606 reserves example.com/.net/.org for documentation: alarm mail sent there reaches nobody,
// so the reviewer of a plan sees the same warning synth prints.
test('the summary of an account whose alarms reach nobody carries the synth warnings, naming file and field', () => {
  const warnings = ['environments/accounts/dev.ts: notifications.emails.0: example; use the real address'];
  const markdown = renderSummary({ account: 'dev', summary: summarizePlan(planJson), warnings });
  expect(markdown).toContain('#### Warnings\n\n- :warning: environments/accounts/dev.ts: notifications.emails.0:');
  expect(renderSummary({ account: 'dev', summary: summarizePlan(planJson) })).not.toContain('Warnings');
});

test('an account and each of its workload units get its alarm-destination warnings; bootstrap stacks none', () => {
  const accounts = loadEnvironments({ overrides: {} });
  for (const account of accounts) {
    expect(stackWarnings(account.name, accounts)).toEqual(configWarnings(account));
    for (const { stack } of accountStacks(account).filter(({ unit }) => unit !== 'bootstrap')) {
      expect(stackWarnings(stack, accounts)).toEqual(configWarnings(account));
    }
    expect(stackWarnings(`${account.name}-bootstrap`, accounts)).toEqual([]);
  }
  const silent = loadEnvironments({ overrides: { [accounts[0].name]: { notifications: { emails: [] } } } });
  expect(stackWarnings(accounts[0].name, silent)).toEqual([expect.stringMatching(/: notifications: no email address and no Slack channel/)]);
});

test('the command line puts the account\'s configuration warnings into the summary', () => {
  const jsonFile = path.join(workDir, 'plan-warnings.json');
  const outFile = path.join(workDir, 'summary-warnings.md');
  const overridesFile = path.join(workDir, 'overrides.json');
  fs.writeFileSync(jsonFile, JSON.stringify(planJson));
  const [{ name }] = loadEnvironments({ overrides: {} });
  fs.writeFileSync(overridesFile, JSON.stringify({ [name]: { notifications: { emails: ['oncall@alerts.example.org'] } } }));
  const previous = process.env.INFRA_OVERRIDES_FILE;
  process.env.INFRA_OVERRIDES_FILE = overridesFile;
  try {
    main(['--account', name, '--plan-json', jsonFile, '--output', outFile]);
  } finally {
    if (previous === undefined) delete process.env.INFRA_OVERRIDES_FILE;
    else process.env.INFRA_OVERRIDES_FILE = previous;
  }
  expect(fs.readFileSync(outFile, 'utf8')).toMatch(
    new RegExp(`- :warning: environments/accounts/${name}\\.ts: notifications\\.emails\\.0: 'oncall@alerts\\.example\\.org' is on a domain reserved for documentation`),
  );
});

describe('the picture of the change', () => {
  const VERB = { add: 'create', change: 'update', replace: 'replace', destroy: 'destroy' } as const;
  /** Node id -> label and node id -> class, read back from the Mermaid text. */
  const parsePicture = (mermaid: string) => {
    const labels = new Map<string, string>();
    const classes = new Map<string, string>();
    for (const line of mermaid.split('\n')) {
      const node = /^ {4}(\w+)[[(]+"(.*)"[\])]+$/.exec(line);
      if (node) labels.set(node[1], node[2]);
      const cls = /^ {2}class ([\w,]+) (\w+)$/.exec(line);
      if (cls) for (const id of cls[1].split(',')) classes.set(id, cls[2]);
    }
    return { labels, classes };
  };
  /** The queue name a plan gives a resource: after the change, or before it for a destroy. */
  const queueName = (address: string): string => {
    const rc = (planJson as any).resource_changes.find((c: any) => c.address === address);
    return (rc.change.after ?? rc.change.before).name;
  };
  const nodeNamed = (labels: Map<string, string>, name: string) => [...labels.entries()].find(([, label]) => label.split('<br/>')[0] === `SQS ${name}`)?.[0];

  test('each changed resource is drawn in the colour of its action, with the unchanged resources it references in grey, and nothing else', () => {
    const { changes } = summarizePlan(planJson);
    const picture = planPicture(planJson, changes)!;
    const { labels, classes } = parsePicture(picture.mermaid);
    for (const change of changes) {
      const id = nodeNamed(labels, queueName(change.address));
      expect([change.address, id && classes.get(id)]).toEqual([change.address, VERB[change.kind]]);
      expect(labels.get(id!)).toContain(`1 ${VERB[change.kind]}`);
    }
    // The added queue's redrive policy names the dead-letter queue: an unchanged neighbour, joined by an edge.
    const added = nodeNamed(labels, queueName(changes.find((c) => c.kind === 'add')!.address))!;
    const neighbour = nodeNamed(labels, queueName('aws_sqs_queue.DeadLetters'))!;
    expect(classes.get(neighbour)).toBe('unchanged');
    expect(picture.mermaid).toContain(`  ${added} --> ${neighbour}\n`);
    expect(nodeNamed(labels, queueName('aws_sqs_queue.Unrelated'))).toBeUndefined();
    expect(labels.size).toBe(changes.length + 1);
    expect([picture.changedNodes, picture.neighbourNodes]).toEqual([changes.length, 1]);
  });

  test('the picture is Mermaid that Mermaid itself parses as a flowchart', () => {
    const picture = planPicture(planJson, summarizePlan(planJson).changes)!;
    expect(mermaidErrors([picture.mermaid])).toEqual([null]);
  });

  test('the comment carries the picture collapsed under the text summary and above the full plan', () => {
    const summary = summarizePlan(planJson);
    const changePicture = planPictureSection(planPicture(planJson, summary.changes));
    const markdown = renderSummary({ account: 'dev', summary, planText, changePicture });
    const picture = markdown.indexOf('<details><summary>Picture of the change');
    expect(picture).toBeGreaterThan(markdown.indexOf('create `aws_sqs_queue.Added`'));
    expect(markdown.indexOf('```mermaid', picture)).toBeGreaterThan(picture);
    expect(markdown.indexOf('<details><summary>Full plan</summary>')).toBeGreaterThan(markdown.indexOf('</details>', picture));
  });

  test('the command line adds the picture; a plan without changes gets none', () => {
    const jsonFile = path.join(workDir, 'plan-picture.json');
    fs.writeFileSync(jsonFile, JSON.stringify(planJson));
    expect(main(['--account', 'dev', '--plan-json', jsonFile])).toContain('```mermaid');
    const unchanged = { ...planJson, resource_changes: (planJson as any).resource_changes.map((rc: any) => ({ ...rc, change: { ...rc.change, actions: ['no-op'] } })) };
    fs.writeFileSync(jsonFile, JSON.stringify(unchanged));
    const markdown = main(['--account', 'dev', '--plan-json', jsonFile]);
    expect(markdown).toContain('No changes.');
    expect(markdown).not.toContain('mermaid');
  });

  test('the picture is bounded: neighbours go first, then the whole picture, and the comment stays under the limit', () => {
    const { changes } = summarizePlan(planJson);
    const full = planPicture(planJson, changes)!;
    const smaller = planPicture(planJson, changes, full.mermaid.length - 1)!;
    expect(smaller.neighbourNodes).toBe(0);
    expect(smaller.mermaid.length).toBeLessThan(full.mermaid.length);
    expect(planPicture(planJson, changes, 100)).toBeUndefined();
    const markdown = renderSummary({
      account: 'dev',
      summary: summarizePlan(planJson),
      planText: 'x'.repeat(MAX_COMMENT_CHARS * 2),
      changePicture: planPictureSection(full),
    });
    expect(markdown.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(markdown).toContain('```mermaid');
  });
});

describe('IAM compared with main (--iam-base/--iam-head)', () => {
  // Two reports as `npm run iam:report -- --json` writes them, for main and for the change.
  const report = (grants: Array<{ service: string; actions: string[]; resources: string[] }>) => ({
    iamData: 'test',
    accounts: [
      {
        account: 'dev',
        accountId: ACCOUNT_ID,
        principals: [
          { stack: 'dev', role: 'sync-clock-function', arn: `arn:aws:iam::${ACCOUNT_ID}:role/ppu-workload/sync-clock-function`, trustedBy: ['lambda.amazonaws.com'], grants, managedPolicies: [], denies: [], boundary: 'b' },
        ],
        escalations: [],
      },
    ],
  });
  const write = (name: string, content: object) => {
    const file = path.join(workDir, name);
    fs.writeFileSync(file, JSON.stringify(content));
    return file;
  };

  test('names each action or resource the change adds for a principal of this stack', () => {
    const jsonFile = write('plan-iam.json', planJson);
    const base = write('iam-base.json', report([{ service: 'sqs', actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:eu-west-1:111111111111:dlq'] }]));
    const head = write('iam-head.json', report([{ service: 'sqs', actions: ['sqs:SendMessage', 'sqs:ReceiveMessage'], resources: ['arn:aws:sqs:eu-west-1:111111111111:dlq'] }]));
    const markdown = main(['--account', 'dev', '--plan-json', jsonFile, '--iam-base', base, '--iam-head', head]);
    expect(markdown).toContain('#### IAM compared with main');
    expect(markdown).toContain('- `dev: dev / sync-clock-function: allow sqs:ReceiveMessage on arn:aws:sqs:eu-west-1:111111111111:dlq`');
    expect(main(['--account', 'dev', '--plan-json', jsonFile, '--iam-base', base, '--iam-head', base])).toContain('No principal of this stack may do more than on main.');
    expect(main(['--account', 'dev', '--plan-json', jsonFile])).not.toContain('IAM compared with main');
    expect(() => main(['--account', 'dev', '--plan-json', jsonFile, '--iam-base', base])).toThrow('--iam-base and --iam-head go together');
  });
});
