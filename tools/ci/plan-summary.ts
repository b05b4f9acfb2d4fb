import * as fs from 'node:fs';
import type { AccountConfig } from '../../environments/schema';
import { loadEnvironments } from '../../environments/load';
import { configWarnings } from '../../environments/warnings';
import type { IamReport } from '../iam/report';
import { widenings, wideningsForStack } from '../iam/report-diff';
import { accountStacks } from '../../stacks/app';
import type { PlanGraphJson } from '../diagram/graph';
import { planPicture, planPictureSection } from '../diagram/plan-picture';
import { optionValue } from '../lib/cli-options';
import type { UnitRecord } from './run-units';

/**
 * Turns `terraform show -json <saved plan>` into the markdown of one pull-request comment (or drift
 * issue) per account: counts of add / change / replace / destroy, the replaced and destroyed
 * resources first, then the other changes, then a collapsed picture of the change (Mermaid, see
 * tools/diagram/plan-picture.ts), then the full plan text collapsed. The hidden marker
 * lets the workflow find and update the account's previous comment instead of adding another.
 */

/** The slice of Terraform's JSON plan format (format_version 1.x) this summary reads. */
export interface PlanJson {
  readonly format_version?: string;
  readonly errored?: boolean;
  readonly resource_changes?: readonly ResourceChange[];
  readonly resource_drift?: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, { readonly actions: readonly string[] }>>;
}

interface ResourceChange {
  readonly address: string;
  readonly mode?: string;
  readonly change: { readonly actions: readonly string[]; readonly replace_paths?: readonly (readonly (string | number)[])[] };
  readonly action_reason?: string;
}

export type ChangeKind = 'add' | 'change' | 'replace' | 'destroy';

export interface PlannedChange {
  readonly address: string;
  readonly kind: ChangeKind;
  /** For replacements: the attributes whose change forces the new resource. */
  readonly forcedBy: readonly string[];
}

export interface PlanSummary {
  readonly counts: Readonly<Record<ChangeKind, number>>;
  /** Replacements and destroys first, then adds and changes; by address within each group. */
  readonly changes: readonly PlannedChange[];
  /** Resources that changed outside Terraform since the last apply (refresh found drift). */
  readonly driftedResources: number;
  readonly outputChanges: number;
  readonly errored: boolean;
}

/** GitHub refuses comments over 65,536 characters; the plan text is cut to keep below that. */
export const MAX_COMMENT_CHARS = 60_000;
const KIND_ORDER: readonly ChangeKind[] = ['replace', 'destroy', 'add', 'change'];

function kindOf(actions: readonly string[]): ChangeKind | undefined {
  const key = actions.join(',');
  if (key === 'create') return 'add';
  if (key === 'update') return 'change';
  if (key === 'delete') return 'destroy';
  if (key === 'delete,create' || key === 'create,delete') return 'replace';
  return undefined; // no-op, read (data sources), forget (removed blocks) change nothing in the account
}

export function summarizePlan(plan: PlanJson): PlanSummary {
  if (!plan.format_version?.startsWith('1.')) {
    throw new Error(`Not a Terraform JSON plan (format_version ${plan.format_version ?? 'missing'}); pass the output of 'terraform show -json <planfile>'`);
  }
  const changes: PlannedChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === 'data') continue;
    const kind = kindOf(rc.change.actions);
    if (!kind) continue;
    const forcedBy = kind === 'replace' ? (rc.change.replace_paths ?? []).map((p) => p.join('.')) : [];
    changes.push({ address: rc.address, kind, forcedBy });
  }
  changes.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.address.localeCompare(b.address));
  const counts = { add: 0, change: 0, replace: 0, destroy: 0 };
  for (const change of changes) counts[change.kind] += 1;
  return {
    counts,
    changes,
    driftedResources: (plan.resource_drift ?? []).length,
    outputChanges: Object.values(plan.output_changes ?? {}).filter((c) => !c.actions.every((a) => a === 'no-op')).length,
    errored: plan.errored === true,
  };
}

export function totalChanges(summary: PlanSummary): number {
  return summary.counts.add + summary.counts.change + summary.counts.replace + summary.counts.destroy;
}

/** The hidden line that identifies an account's comment or issue. */
export function commentMarker(account: string): string {
  return `<!-- plan-summary:${account} -->`;
}

/** A fenced block whose fence is longer than any backtick run inside, so the text cannot close it. */
function fenced(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}text\n${text}\n${fence}`;
}

const ICON: Record<ChangeKind, string> = { replace: ':warning: replace', destroy: ':x: destroy', add: 'create', change: 'update' };

function changeLine(change: PlannedChange): string {
  const forced = change.forcedBy.length ? ` (forced by ${change.forcedBy.map((p) => `\`${p}\``).join(', ')})` : '';
  return `- ${ICON[change.kind]} \`${change.address}\`${forced}`;
}

export interface RenderOptions {
  readonly account: string;
  readonly summary: PlanSummary;
  /** `terraform show -no-color <planfile>`: sensitive values are already redacted by Terraform. */
  readonly planText?: string;
  /** Link to the workflow run (its log holds the complete plan). */
  readonly runUrl?: string;
  /** Configuration warnings a reviewer should see before applying (see stackWarnings). Default: none. */
  readonly warnings?: readonly string[];
  /** The collapsed Mermaid section drawing the change (planPictureSection), placed under the text summary. */
  readonly changePicture?: string;
  /**
   * What the change lets a principal of this stack do that main does not (widenings of the IAM
   * report, tools/iam/report.ts). Default: not compared (no section).
   */
  readonly iamWidenings?: readonly string[];
  /** The commit that was planned: a comment always says which code it describes. */
  readonly commit?: string;
  /**
   * The commit the stack was last applied at (the drift baseline, .github/scripts/last-applied.sh)
   * and how many commits of main it is behind: an account applied after approval (staging) may be
   * several merges behind, and its plan then shows their changes too. Default: not known (no line).
   */
  readonly lastApplied?: { readonly commit: string; readonly behind: number };
}

/** The line saying where the planned account stands against main. */
function appliedLine(account: string, lastApplied: RenderOptions['lastApplied']): string[] {
  if (!lastApplied) return [];
  const { commit, behind } = lastApplied;
  if (behind === 0) return ['', `\`${account}\` was last applied at \`${commit}\`, the tip of main: this plan shows only this change.`];
  return [
    '',
    `:warning: \`${account}\` was last applied at \`${commit}\`, **${behind} commit${behind === 1 ? '' : 's'} of main behind**: this plan also shows the changes of ${behind === 1 ? 'that commit' : 'those commits'}, not only this pull request's.`,
  ];
}

/** The line naming the planned commit, under the heading of a comment or issue. */
function commitLine(commit: string | undefined): string[] {
  return commit ? ['', `Planned commit: \`${commit}\``] : [];
}

/** Keeps a change list within a character budget, ending with a pointer to the run's full list. */
function capList(items: readonly string[], budget: number, runUrl: string | undefined): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const [index, item] of items.entries()) {
    if (used + item.length + 1 > budget) {
      kept.push(`- ... and ${items.length - index} more (the complete list is in the run log${runUrl ? `: ${runUrl}` : ''})`);
      break;
    }
    kept.push(item);
    used += item.length + 1;
  }
  return kept;
}

/**
 * The configuration warnings synth prints for the account `stack` names (the account itself, or
 * one of its workload units: alarm destinations that reach nobody, idle NAT); none for a bootstrap
 * stack, which creates neither.
 */
export function stackWarnings(stack: string, accounts: readonly AccountConfig[] = loadEnvironments()): string[] {
  const account = accounts.find((candidate) => candidate.name === stack || accountStacks(candidate).some((s) => s.stack === stack && s.unit !== 'bootstrap'));
  return account ? configWarnings(account) : [];
}

export function renderSummary(options: RenderOptions): string {
  const { account, summary } = options;
  const { counts } = summary;
  const total = totalChanges(summary);
  const lines = [
    commentMarker(account),
    `### Terraform plan: \`${account}\``,
    ...commitLine(options.commit),
    ...appliedLine(account, options.lastApplied),
    '',
    total === 0 ? 'No changes. The account matches the configuration.' : `**${total} resource change${total === 1 ? '' : 's'}**`,
    '',
    '| add | change | replace | destroy |',
    '|---:|---:|---:|---:|',
    `| ${counts.add} | ${counts.change} | ${counts.replace} | ${counts.destroy} |`,
  ];
  if (summary.errored) lines.push('', ':x: **Terraform reported errors while planning; this plan is incomplete.**');
  if (options.warnings?.length) lines.push('', '#### Warnings', '', ...options.warnings.map((warning) => `- :warning: ${warning}`));
  if (options.iamWidenings) {
    lines.push(
      '',
      '#### IAM compared with main',
      '',
      ...(options.iamWidenings.length === 0
        ? ['No principal of this stack may do more than on main.']
        : [
            ':warning: This change widens what a principal may do (review before approving):',
            '',
            ...capList(options.iamWidenings.map((line) => `- \`${line}\``), Math.floor(MAX_COMMENT_CHARS / 8), options.runUrl),
          ]),
    );
  }
  if (summary.driftedResources) {
    lines.push('', `${summary.driftedResources} resource(s) changed outside Terraform since the last apply (see the full plan).`);
  }
  if (summary.outputChanges) lines.push('', `${summary.outputChanges} output(s) change.`);
  const destructive = summary.changes.filter((c) => c.kind === 'replace' || c.kind === 'destroy');
  const others = summary.changes.filter((c) => c.kind === 'add' || c.kind === 'change');
  // Budgets: change lists 3/8 of the comment, IAM widenings 1/8, the picture 1/4; the plan text gets what is left.
  const listBudget = Math.floor((MAX_COMMENT_CHARS * 3) / 8);
  const destructiveLines = capList(destructive.map(changeLine), listBudget, options.runUrl);
  const otherLines = capList(others.map(changeLine), listBudget - destructiveLines.join('\n').length, options.runUrl);
  if (destructive.length) lines.push('', '#### Replaced or destroyed', '', ...destructiveLines);
  if (others.length) lines.push('', '#### Created or updated', '', ...otherLines);
  if (options.runUrl) lines.push('', `Run (complete plan in its log): ${options.runUrl}`);
  // Lists take at most half the comment and the picture a quarter, so the whole stays under the limit.
  if (options.changePicture && options.changePicture.length <= MAX_COMMENT_CHARS / 4) lines.push('', options.changePicture);
  else if (options.changePicture) lines.push('', `The picture of this change (${options.changePicture.length} characters) is too large for a comment; the text above and the run log list every change.`);

  if (options.planText !== undefined) {
    const head = `${lines.join('\n')}\n\n<details><summary>Full plan</summary>\n\n`;
    const tail = '\n\n</details>\n';
    const note = `\n... (truncated: the complete plan is in the run log${options.runUrl ? `: ${options.runUrl}` : ''})`;
    let text = options.planText.trimEnd();
    const budget = MAX_COMMENT_CHARS - head.length - tail.length - note.length - 16;
    if (fenced(text).length > budget) text = text.slice(0, Math.max(0, budget - (fenced('').length + 8))) + note;
    return head + fenced(text) + tail;
  }
  return `${lines.join('\n')}\n`;
}

/** One unit of an account's run (tools/ci/run-units.ts --results) with its plan read back. */
export interface UnitSection {
  readonly unit: string;
  readonly stack: string;
  readonly status: UnitRecord['status'];
  readonly reason?: string;
  readonly summary?: PlanSummary;
  readonly planText?: string;
}

const STATUS_LABEL: Record<UnitRecord['status'], string> = {
  planned: 'planned',
  unchanged: 'no changes',
  applied: 'applied',
  waiting: ':hourglass: waiting',
  held: ':lock: held for approval',
  failed: ':x: failed',
};

export interface AccountRenderOptions extends Omit<RenderOptions, 'summary' | 'planText' | 'changePicture'> {
  readonly units: readonly UnitSection[];
}

/**
 * One comment (or step summary) for an account planned unit by unit: a table of every unit run with
 * its counts or why it waits, then each unit's changes and its plan text, collapsed; the plan texts
 * share what is left of GitHub's comment limit.
 */
export function renderAccountSummary(options: AccountRenderOptions): string {
  const { account, units } = options;
  const total = units.reduce((sum, unit) => sum + (unit.summary ? totalChanges(unit.summary) : 0), 0);
  const cell = (unit: UnitSection, kind: ChangeKind) => (unit.summary ? String(unit.summary.counts[kind]) : '');
  const lines = [
    commentMarker(account),
    `### Terraform plan: \`${account}\``,
    ...commitLine(options.commit),
    ...appliedLine(account, options.lastApplied),
    '',
    units.length === 0
      ? 'No unit of this account is touched by the change.'
      : `Units planned in dependency order: ${units.map((u) => `\`${u.unit}\``).join(', ')}. **${total} resource change${total === 1 ? '' : 's'}** in the planned units.`,
    '',
    '| unit | result | add | change | replace | destroy |',
    '|---|---|---:|---:|---:|---:|',
    ...units.map((u) => `| \`${u.unit}\` | ${STATUS_LABEL[u.status]} | ${cell(u, 'add')} | ${cell(u, 'change')} | ${cell(u, 'replace')} | ${cell(u, 'destroy')} |`),
  ];
  const notes = units.filter((u) => u.reason);
  if (notes.length) lines.push('', ...notes.map((u) => `- ${STATUS_LABEL[u.status]} \`${u.unit}\`: ${u.reason}`));
  if (units.some((u) => u.summary?.errored)) lines.push('', ':x: **Terraform reported errors while planning; this plan is incomplete.**');
  if (options.warnings?.length) lines.push('', '#### Warnings', '', ...options.warnings.map((warning) => `- :warning: ${warning}`));
  if (options.iamWidenings) {
    lines.push(
      '',
      '#### IAM compared with main',
      '',
      ...(options.iamWidenings.length === 0
        ? ['No principal of this account may do more than on main.']
        : [
            ':warning: This change widens what a principal may do (review before approving):',
            '',
            ...capList(options.iamWidenings.map((line) => `- \`${line}\``), Math.floor(MAX_COMMENT_CHARS / 8), options.runUrl),
          ]),
    );
  }
  const planned = units.filter((u) => u.summary && totalChanges(u.summary) > 0);
  const listBudget = Math.floor((MAX_COMMENT_CHARS * 3) / 8 / Math.max(1, planned.length));
  for (const unit of planned) {
    const changes = unit.summary!.changes;
    lines.push('', `#### \`${unit.unit}\` (\`${unit.stack}\`)`, '', ...capList(changes.map(changeLine), listBudget, options.runUrl));
  }
  if (options.runUrl) lines.push('', `Run (complete plans in its log): ${options.runUrl}`);
  let body = `${lines.join('\n')}\n`;
  const texts = units.filter((u) => u.planText !== undefined && u.summary && totalChanges(u.summary) > 0);
  for (const [index, unit] of texts.entries()) {
    const head = `\n<details><summary>Full plan of ${unit.unit}</summary>\n\n`;
    const tail = '\n\n</details>\n';
    const note = `\n... (truncated: the complete plan is in the run log${options.runUrl ? `: ${options.runUrl}` : ''})`;
    const budget = Math.floor((MAX_COMMENT_CHARS - body.length) / (texts.length - index)) - head.length - tail.length - note.length - 16;
    if (budget < 200) break;
    let text = unit.planText!.trimEnd();
    if (fenced(text).length > budget) text = text.slice(0, Math.max(0, budget - (fenced('').length + 8))) + note;
    body += head + fenced(text) + tail;
  }
  return body;
}

/** Reads a run's --results file and each unit's saved plan JSON and text. */
export function readUnitSections(resultsFile: string): UnitSection[] {
  const records = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as UnitRecord[];
  return records.map((record) => ({
    unit: record.unit,
    stack: record.stack,
    status: record.status,
    reason: record.reason,
    summary: record.planJsonFile && fs.existsSync(record.planJsonFile) ? summarizePlan(JSON.parse(fs.readFileSync(record.planJsonFile, 'utf8')) as PlanJson) : undefined,
    planText: record.planTextFile && fs.existsSync(record.planTextFile) ? fs.readFileSync(record.planTextFile, 'utf8') : undefined,
  }));
}

/** The comment for an account whose plan did not complete (credentials, pre-flight, Terraform error). */
export function renderFailure(account: string, runUrl?: string, commit?: string): string {
  return [
    commentMarker(account),
    `### Terraform plan: \`${account}\``,
    ...commitLine(commit),
    '',
    `:x: **The plan did not complete.** ${runUrl ? `See the run log: ${runUrl}` : 'See the run log.'}`,
    '',
  ].join('\n');
}

const USAGE = `Usage: tsx tools/ci/plan-summary.ts --account <name> (--plan-json <file> [--plan-text <file>] | --results <file> | --failed)
       [--run-url <url>] [--commit <sha>] [--output <file>] [--github-output] [--iam-base <file> --iam-head <file>]
       [--applied <sha> --behind <n>]
--results: the units of an account planned by tools/ci/run-units.ts (its --results file): one summary grouped by unit.
--applied/--behind: the commit the stack was last applied at and how many commits of main it is behind.
--iam-base/--iam-head: \`npm run iam:report -- --json\` of main and of the change; the summary lists what the change
lets a principal of this stack do that main does not.
Writes the markdown summary to --output (default: stdout). --github-output appends has-changes=true|false
and total=<n> to the file named by $GITHUB_OUTPUT.`;


/** --applied and --behind, both or neither. */
function appliedOption(args: readonly string[]): RenderOptions['lastApplied'] {
  const applied = optionValue(args, '--applied', USAGE);
  const behind = optionValue(args, '--behind', USAGE);
  if (Boolean(applied) !== Boolean(behind)) throw new Error(`--applied and --behind go together\n${USAGE}`);
  if (applied && (!/^[0-9a-f]{40}$/.test(applied) || !/^\d+$/.test(behind!))) {
    throw new Error(`--applied needs a full commit SHA and --behind a number of commits (got '${applied}' and '${behind}')\n${USAGE}`);
  }
  return applied ? { commit: applied, behind: Number(behind) } : undefined;
}

export function main(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const account = optionValue(args, '--account', USAGE);
  const planJson = optionValue(args, '--plan-json', USAGE);
  const resultsFile = optionValue(args, '--results', USAGE);
  if (!account || (!planJson && !resultsFile && !args.includes('--failed'))) throw new Error(USAGE);
  const runUrl = optionValue(args, '--run-url', USAGE);
  const commit = optionValue(args, '--commit', USAGE);
  let markdown: string;
  let total = 0;
  if (resultsFile) {
    const units = readUnitSections(resultsFile);
    const iamBase = optionValue(args, '--iam-base', USAGE);
    const iamHead = optionValue(args, '--iam-head', USAGE);
    if (Boolean(iamBase) !== Boolean(iamHead)) throw new Error(`--iam-base and --iam-head go together\n${USAGE}`);
    const readReport = (file: string): IamReport => JSON.parse(fs.readFileSync(file, 'utf8')) as IamReport;
    const changed = iamBase && iamHead ? widenings(readReport(iamBase), readReport(iamHead)) : undefined;
    const lastApplied = appliedOption(args);
    markdown = renderAccountSummary({
      account,
      units,
      runUrl,
      commit,
      warnings: stackWarnings(account),
      iamWidenings: changed ? units.flatMap((u) => wideningsForStack(changed, u.stack)) : undefined,
      lastApplied,
    });
    total = units.reduce((sum, u) => sum + (u.summary ? totalChanges(u.summary) : 0), 0);
  } else if (planJson) {
    const plan = JSON.parse(fs.readFileSync(planJson, 'utf8')) as PlanJson & PlanGraphJson;
    const summary = summarizePlan(plan);
    const planTextFile = optionValue(args, '--plan-text', USAGE);
    const changePicture = planPictureSection(planPicture(plan, summary.changes));
    const iamBase = optionValue(args, '--iam-base', USAGE);
    const iamHead = optionValue(args, '--iam-head', USAGE);
    if (Boolean(iamBase) !== Boolean(iamHead)) throw new Error(`--iam-base and --iam-head go together\n${USAGE}`);
    const readReport = (file: string): IamReport => JSON.parse(fs.readFileSync(file, 'utf8')) as IamReport;
    const iamWidenings = iamBase && iamHead ? wideningsForStack(widenings(readReport(iamBase), readReport(iamHead)), account) : undefined;
    markdown = renderSummary({
      account,
      summary,
      runUrl,
      changePicture,
      commit,
      planText: planTextFile ? fs.readFileSync(planTextFile, 'utf8') : undefined,
      warnings: stackWarnings(account),
      iamWidenings,
      lastApplied: appliedOption(args),
    });
    total = totalChanges(summary);
  } else {
    markdown = renderFailure(account, runUrl, commit);
  }
  const output = optionValue(args, '--output', USAGE);
  if (output) fs.writeFileSync(output, markdown);
  if (args.includes('--github-output')) {
    if (!env.GITHUB_OUTPUT) throw new Error('--github-output needs the GITHUB_OUTPUT environment variable (set by GitHub Actions)');
    fs.appendFileSync(env.GITHUB_OUTPUT, `has-changes=${total > 0}\ntotal=${total}\n`);
  }
  return output ? '' : markdown;
}

if (require.main === module) {
  try {
    process.stdout.write(main(process.argv.slice(2)));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
