import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/**
 * Plays a GitHub Actions workflow's jobs for one matrix entry on this machine, step by step in the
 * file's order, with GitHub's rules for which step runs
 * (https://docs.github.com/actions/reference/workflows-and-actions/expressions#status-check-functions):
 * a step or job `if:` without a status function means success() && (...); success() is false once
 * a step of the job failed; always() is true; cancelled() is false here; steps.<id>.outcome and
 * .outputs, needs.<job>.result, matrix, runner.temp and github.* are the contexts
 * (https://docs.github.com/actions/reference/workflows-and-actions/contexts).
 *
 * Played: the job with the account matrix and every job that needs it, directly or not; the jobs
 * before it (CI checks, the account selection) count as succeeded, with no outputs.
 *
 * `run:` steps run in bash -eo pipefail (the workflows' default shell) with the step's env, except
 * the commands the scenario performs itself (`handlers`: the apply, the release). upload-artifact
 * and download-artifact copy folders through a local artifact store. Any other `uses:` fails the
 * play unless it is one of the set-up actions listed in SETUP_ACTIONS (checkout, tool set-up,
 * credentials), which change nothing the scenario looks at.
 */

const SETUP_ACTIONS = [/^actions\/checkout@/, /^\.\/\.github\/actions\/setup$/, /^aws-actions\/configure-aws-credentials@/];

export interface StepResult {
  readonly job: string;
  readonly id?: string;
  readonly name: string;
  readonly outcome: 'success' | 'failure' | 'skipped';
  readonly output: string;
}

export interface PlayOptions {
  readonly workflowFile: string;
  readonly matrix: Record<string, string>;
  readonly sha: string;
  readonly repoRoot: string;
  /** Temp folder for RUNNER_TEMP, GITHUB_OUTPUT and artifacts; emptied by the caller. */
  readonly workDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Commands the scenario performs in-process: a regular expression on the run script, and what to do. */
  readonly handlers: readonly { readonly matches: RegExp; readonly run: (script: string, env: Record<string, string>) => Promise<{ ok: boolean; output: string; outputs?: Record<string, string> }> }[];
}

type Context = {
  matrix: Record<string, string>;
  steps: Record<string, { outcome: string; outputs: Record<string, string> }>;
  needs: Record<string, { result: string; outputs: Record<string, string> }>;
  runner: { temp: string };
  github: Record<string, string>;
  env: Record<string, string>;
  jobFailed: boolean;
};

// --- expressions -----------------------------------------------------------------------------

function tokenize(source: string): string[] {
  const tokens = source.match(/'(?:[^']|'')*'|&&|\|\||==|!=|[!()]|[A-Za-z_][\w.-]*(?:\(\))?|\d+/g);
  return tokens ?? [];
}

function evaluate(source: string, context: Context): unknown {
  const tokens = tokenize(source);
  let i = 0;
  const lookup = (name: string): unknown => {
    if (name === 'true') return true;
    if (name === 'false') return false;
    let value: unknown = context;
    for (const part of name.split('.')) value = value === undefined || value === null ? undefined : (value as Record<string, unknown>)[part];
    return value ?? '';
  };
  const primary = (): unknown => {
    const token = tokens[i++];
    if (token === '(') {
      const value = or();
      i++;
      return value;
    }
    if (token === '!') return !truthy(primary());
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (token === 'success()') return !context.jobFailed;
    if (token === 'failure()') return context.jobFailed;
    if (token === 'always()') return true;
    if (token === 'cancelled()') return false;
    if (token.endsWith('()')) throw new Error(`the workflow player has no function ${token}`);
    return lookup(token);
  };
  const comparison = (): unknown => {
    let left = primary();
    while (tokens[i] === '==' || tokens[i] === '!=') {
      const op = tokens[i++];
      const right = primary();
      left = op === '==' ? String(left) === String(right) : String(left) !== String(right);
    }
    return left;
  };
  const and = (): unknown => {
    let left = comparison();
    while (tokens[i] === '&&') {
      i++;
      const right = comparison();
      left = truthy(left) && truthy(right);
    }
    return left;
  };
  const or = (): unknown => {
    let left = and();
    while (tokens[i] === '||') {
      i++;
      const right = and();
      left = truthy(left) || truthy(right);
    }
    return left;
  };
  return or();
}

const truthy = (value: unknown) => value !== '' && value !== false && value !== 0 && value !== undefined && value !== null;

function interpolate(value: unknown, context: Context): string {
  return String(value).replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => String(evaluate(expression, context)));
}

function condition(raw: unknown, context: Context): boolean {
  if (raw === undefined) return !context.jobFailed;
  const source = String(raw).replace(/^\$\{\{\s*|\s*\}\}$/g, '');
  const hasStatus = /\b(success|failure|always|cancelled)\(\)/.test(source);
  return truthy(evaluate(hasStatus ? source : `success() && (${source})`, context));
}

// --- jobs ------------------------------------------------------------------------------------

export async function playWorkflow(options: PlayOptions): Promise<{ steps: StepResult[]; jobs: Record<string, string> }> {
  const workflow = parse(fs.readFileSync(options.workflowFile, 'utf8')) as { jobs: Record<string, Record<string, any>> };
  const artifacts = path.join(options.workDir, 'artifacts');
  fs.mkdirSync(artifacts, { recursive: true });
  const results: Record<string, { result: string; outputs: Record<string, string> }> = {};
  const steps: StepResult[] = [];
  const order = Object.keys(workflow.jobs);
  const needsOf = (name: string): string[] => [workflow.jobs[name].needs ?? []].flat();
  const matrixJobs = order.filter((name) => workflow.jobs[name].strategy?.matrix);
  if (matrixJobs.length !== 1) throw new Error(`${options.workflowFile}: expected one job with a matrix, found ${matrixJobs.join(', ') || 'none'}`);
  const played = new Set(matrixJobs);
  for (let grew = true; grew; ) {
    grew = false;
    for (const name of order) {
      if (!played.has(name) && needsOf(name).some((need) => played.has(need))) {
        played.add(name);
        grew = true;
      }
    }
  }
  for (const name of order) if (!played.has(name)) results[name] = { result: 'success', outputs: {} };
  const pending = order.filter((name) => played.has(name));
  while (pending.length) {
    const index = pending.findIndex((name) => needsOf(name).every((need) => results[need]));
    if (index < 0) throw new Error(`jobs ${pending.join(', ')} wait for each other`);
    const [name] = pending.splice(index, 1);
    const job = workflow.jobs[name];
    const needs = needsOf(name);
    const context: Context = {
      matrix: options.matrix,
      steps: {},
      needs: Object.fromEntries(needs.map((need) => [need, results[need]])),
      runner: { temp: path.join(options.workDir, `runner-${name}`) },
      github: { token: 'not-a-token', server_url: 'https://github.com', repository: 'owner/repo', run_id: '1', sha: options.sha },
      env: {},
      jobFailed: false,
    };
    const upstreamFailed = needs.some((need) => results[need].result !== 'success');
    context.jobFailed = upstreamFailed;
    if (!condition(job.if, context)) {
      results[name] = { result: 'skipped', outputs: {} };
      continue;
    }
    context.jobFailed = false;
    fs.mkdirSync(context.runner.temp, { recursive: true });
    context.env = Object.fromEntries(Object.entries<string>(job.env ?? {}).map(([k, v]) => [k, interpolate(v, context)]));
    for (const step of job.steps as Record<string, any>[]) {
      const stepName = interpolate(step.name ?? step.uses ?? step.run?.split('\n')[0], context);
      if (!condition(step.if, context)) {
        if (step.id) context.steps[step.id] = { outcome: 'skipped', outputs: {} };
        steps.push({ job: name, id: step.id, name: stepName, outcome: 'skipped', output: '' });
        continue;
      }
      const { ok, output, outputs } = await runStep(step, context, options, artifacts);
      if (step.id) context.steps[step.id] = { outcome: ok ? 'success' : 'failure', outputs };
      steps.push({ job: name, id: step.id, name: stepName, outcome: ok ? 'success' : 'failure', output });
      if (!ok) context.jobFailed = true;
    }
    results[name] = { result: context.jobFailed ? 'failure' : 'success', outputs: {} };
  }
  return { steps, jobs: Object.fromEntries(Object.entries(results).map(([name, r]) => [name, r.result])) };
}

async function runStep(step: Record<string, any>, context: Context, options: PlayOptions, artifacts: string): Promise<{ ok: boolean; output: string; outputs: Record<string, string> }> {
  const withs = Object.fromEntries(Object.entries<string>(step.with ?? {}).map(([k, v]) => [k, interpolate(v, context)]));
  if (step.uses) {
    const uses = String(step.uses);
    if (SETUP_ACTIONS.some((pattern) => pattern.test(uses))) return { ok: true, output: '', outputs: {} };
    if (uses.startsWith('actions/upload-artifact@')) {
      const source = withs.path;
      const files = fs.existsSync(source) ? fs.readdirSync(source) : [];
      if (files.length === 0 && withs['if-no-files-found'] === 'error') return { ok: false, output: `No files were found with the provided path: ${source}`, outputs: {} };
      fs.cpSync(source, path.join(artifacts, withs.name), { recursive: true });
      return { ok: true, output: `uploaded ${withs.name}`, outputs: {} };
    }
    if (uses.startsWith('actions/download-artifact@')) {
      const pattern = new RegExp(`^${(withs.pattern ?? withs.name).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      fs.mkdirSync(withs.path, { recursive: true });
      for (const artifact of fs.readdirSync(artifacts).filter((a) => pattern.test(a))) {
        fs.cpSync(path.join(artifacts, artifact), withs['merge-multiple'] === 'true' ? withs.path : path.join(withs.path, artifact), { recursive: true });
      }
      return { ok: true, output: '', outputs: {} };
    }
    throw new Error(`the workflow player cannot play "uses: ${uses}" (step ${step.name ?? step.id})`);
  }
  const script = String(step.run);
  const env: Record<string, string> = {
    ...context.env,
    ...Object.fromEntries(Object.entries<string>(step.env ?? {}).map(([k, v]) => [k, interpolate(v, context)])),
  };
  const handler = options.handlers.find((h) => h.matches.test(script));
  if (handler) {
    const result = await handler.run(script, env);
    return { ok: result.ok, output: result.output, outputs: result.outputs ?? {} };
  }
  const outputFile = path.join(context.runner.temp, `output-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(outputFile, '');
  // Asynchronous: the scripts call the stand-ins, which answer from this process.
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: options.repoRoot,
    env: {
      ...options.env,
      ...env,
      GITHUB_SHA: options.sha,
      GITHUB_OUTPUT: outputFile,
      RUNNER_TEMP: context.runner.temp,
      GITHUB_REPOSITORY: 'owner/repo',
      GITHUB_RUN_ID: '1',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const outputs = Object.fromEntries(
    fs
      .readFileSync(outputFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  fs.rmSync(outputFile);
  return { ok: status === 0, output, outputs };
}
