import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadEnvironments } from '../../environments/load';
import { APPLY_SESSION_SECONDS, approvalEnvironment, ciSubjects, type CiSubjects, githubTrustPolicy, subjectPrefix, trustPolicyAdmits, workflowSubject } from '../../stacks/github-oidc';
import { templateCommand } from '../../tools/ci/oidc-subjects';
import { compositeActionFiles, fenceFindings, formatFinding, lintWorkflows, TESTED_RUNNER, workflowFiles } from '../../tools/ci/lint-workflows';
import { manualTexts } from '../helpers/manual';
import { tempDir } from '../helpers/temp';

const ROOT = path.resolve(__dirname, '..', '..');
const GITHUB_DIR = path.join(ROOT, '.github');

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown>; if?: string; name?: string; id?: string };
type Job = {
  'runs-on'?: string;
  uses?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: unknown };
  'timeout-minutes'?: number;
  steps?: Step[];
};
type Workflow = {
  name: string;
  on: Record<string, any>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: unknown };
  jobs: Record<string, Job>;
};

const readYaml = (file: string) => parse(fs.readFileSync(file, 'utf8'));
const workflows: Record<string, Workflow> = Object.fromEntries(
  workflowFiles().map((file) => [path.basename(file), readYaml(file) as Workflow]),
);
const allJobs = Object.entries(workflows).flatMap(([file, wf]) => Object.entries(wf.jobs).map(([id, job]) => ({ file, wf, id, job })));
const compositeActions = fs
  .readdirSync(path.join(GITHUB_DIR, 'actions'))
  .map((name) => path.join(GITHUB_DIR, 'actions', name, 'action.yml'))
  .filter((file) => fs.existsSync(file));

const AWS_CREDENTIALS = 'aws-actions/configure-aws-credentials@';
const assumeStep = (job: Job) => job.steps?.find((s) => s.uses?.startsWith(AWS_CREDENTIALS));
const roleJobs = allJobs.filter(({ job }) => assumeStep(job));
const envName = (job: Job) => (typeof job.environment === 'string' ? job.environment : job.environment?.name);
const runScripts = (job: Job) => (job.steps ?? []).map((s) => s.run).filter((r): r is string => typeof r === 'string');
const accounts = loadEnvironments();
const repository = accounts[0].github.repository;

/** The role a job assumes, from the matrix field or step output its role-to-assume names. */
function roleKind(job: Job): keyof CiSubjects {
  const source = String(assumeStep(job)!.with!['role-to-assume']);
  if (/prPlanRoleArn|pr-plan-role-arn/.test(source)) return 'prPlan';
  if (/planRoleArn|plan-role-arn/.test(source)) return 'plan';
  if (/applyRoleArn|apply-role-arn/.test(source)) return 'apply';
  throw new Error(`cannot tell which role ${source} is`);
}

/** The accounts each role-assuming workflow may target, derived from the account files. */
const TARGET_ACCOUNTS: Record<string, (typeof accounts)[number][]> = {
  'plan.yml': accounts,
  'drift.yml': accounts,
  'deploy.yml': accounts.filter((a) => a.github.applyBranch === 'main'),
  // Accounts with an approval environment, and auto-applied accounts whose units require approval.
  'apply.yml': accounts.filter((a) => approvalEnvironment(a)),
  // Every account file allows an apply (schema), so every account can be rolled back.
  'rollback.yml': accounts,
};

describe('the flows exist and are generic over the account files', () => {
  test('PR plan, merge deploy, approved apply, drift check, checks and the OIDC subject check are the workflows', () => {
    expect(Object.keys(workflows).sort()).toEqual(['apply.yml', 'ci.yml', 'deploy.yml', 'drift.yml', 'oidc-subjects.yml', 'plan.yml', 'rollback.yml']);
  });

  test('no workflow names an account, an account id or an environment of an account file', () => {
    // A new account file must appear in every flow with no YAML change (issue #13 item 4).
    for (const file of workflowFiles()) {
      const text = fs.readFileSync(file, 'utf8');
      for (const config of accounts) {
        const words = [config.name, config.accountId, config.github.applyEnvironment].filter((w): w is string => Boolean(w));
        for (const word of words) expect([path.basename(file), word, new RegExp(`\\b${word}\\b`).test(text)]).toEqual([path.basename(file), word, false]);
      }
    }
  });

  test('every account is applied by exactly one flow: deploy.yml from its apply branch or apply.yml in its environment', () => {
    const pushBranches = workflows['deploy.yml'].on.push.branches as string[];
    for (const config of accounts) {
      const flows = [config.github.applyBranch ? 'deploy.yml' : undefined, config.github.applyEnvironment ? 'apply.yml' : undefined].filter(Boolean);
      expect([config.name, flows.length > 0]).toEqual([config.name, true]);
      // deploy.yml runs on pushes to main only; another apply branch would never deploy.
      if (config.github.applyBranch) expect([config.name, pushBranches]).toEqual([config.name, expect.arrayContaining([config.github.applyBranch])]);
    }
    expect(runScripts(workflows['deploy.yml'].jobs.targets).join('\n')).toContain('npx tsx tools/ci/affected-accounts.ts --deploy-branch main');
    expect(runScripts(workflows['apply.yml'].jobs.request).join('\n')).toContain('npx tsx tools/ci/affected-accounts.ts --approval "$ACCOUNT"');
  });

  test('the apply job waits in the environment the account file names, resolved per request', () => {
    const { request, apply } = workflows['apply.yml'].jobs;
    expect(envName(apply)).toBe('${{ needs.request.outputs.environment }}');
    expect((request as { outputs?: Record<string, string> }).outputs?.environment).toBe('${{ steps.target.outputs.environment }}');
  });
});

describe('actionlint', () => {
  test('every workflow passes actionlint with no findings', async () => {
    const findings = await lintWorkflows();
    expect(findings.map(formatFinding)).toEqual([]);
  });

  test('actionlint does report a script injection, so a clean result means something', async () => {
    const dir = tempDir('actionlint-');
    const file = path.join(dir, 'bad.yml');
    fs.writeFileSync(
      file,
      'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n',
    );
    const findings = await lintWorkflows([file]);
    expect(findings.map((f) => f.kind)).toContain('expression');
  });
});

describe('triggers', () => {
  test('checks run once per pull-request commit (no second, push-triggered run) and as the first stage of the main deploy', () => {
    const on = workflows['ci.yml'].on;
    expect(Object.keys(on).sort()).toEqual(['pull_request', 'workflow_call']);
    expect(on.pull_request).toBeNull();
    expect(workflows['deploy.yml'].jobs.checks.uses).toBe('./.github/workflows/ci.yml');
    expect(workflows['deploy.yml'].jobs.deploy.needs).toEqual(expect.arrayContaining(['checks']));
  });

  test('the plan runs on pull requests to main only', () => {
    expect(workflows['plan.yml'].on).toEqual({ pull_request: { branches: ['main'] } });
  });

  test('deploys run on pushes to main only', () => {
    expect(Object.keys(workflows['deploy.yml'].on)).toEqual(['push']);
    expect(workflows['deploy.yml'].on.push.branches).toEqual(['main']);
  });

  test('approved applies run only by workflow_dispatch with an account, a git ref and a confirmation naming the account', () => {
    const on = workflows['apply.yml'].on;
    expect(Object.keys(on)).toEqual(['workflow_dispatch']);
    for (const input of ['account', 'ref', 'confirm']) expect(on.workflow_dispatch.inputs[input]).toMatchObject({ required: true, type: 'string' });
    const request = workflows['apply.yml'].jobs.request;
    const confirmStep = request.steps!.find((s) => s.env?.CONFIRM === '${{ inputs.confirm }}');
    expect(confirmStep?.run).toContain('"$CONFIRM" != "apply $ACCOUNT"');
    expect(request.steps!.find((s) => s.id === 'reviewed')?.env?.REF).toBe('${{ inputs.ref }}');
  });

  test('the drift check runs daily on a schedule', () => {
    const on = workflows['drift.yml'].on;
    expect(on.schedule).toHaveLength(1);
    expect(on.schedule[0].cron).toMatch(/^\d+ \d+ \* \* \*$/);
  });
});

describe('permissions', () => {
  test('every workflow grants nothing by default', () => {
    for (const [file, wf] of Object.entries(workflows)) expect([file, wf.permissions]).toEqual([file, {}]);
  });

  test('every job declares its own permissions', () => {
    for (const { file, id, job } of allJobs) expect([file, id, job.permissions !== undefined]).toEqual([file, id, true]);
  });

  test('id-token: write is granted to the jobs that assume an AWS role, and otherwise only to the OIDC subject check', () => {
    for (const { file, id, job } of allJobs) {
      const reason = assumeStep(job) !== undefined || (file === 'oidc-subjects.yml' && runScripts(job).includes('.github/scripts/print-oidc-claims.sh'));
      expect([file, id, job.permissions?.['id-token'] === 'write']).toEqual([file, id, reason]);
    }
    // The subject check never reaches AWS.
    expect(JSON.stringify(workflows['oidc-subjects.yml'])).not.toContain(AWS_CREDENTIALS);
  });

  test('jobs holding AWS credentials can only read the repository', () => {
    for (const { file, id, job } of roleJobs) {
      // The PR plan also reads the last-applied deployment records, for its comment's "behind main" line.
      const reads = file === 'plan.yml' ? { contents: 'read', deployments: 'read' } : { contents: 'read' };
      expect([file, id, job.permissions]).toEqual([file, id, { ...reads, 'id-token': 'write' }]);
    }
  });

  test('an account\'s plan comment says how many commits of main its last apply is behind', () => {
    const steps = workflows['plan.yml'].jobs.plan.steps!;
    const applied = steps.find((s) => s.id === 'applied')!;
    expect(applied.run).toBe('.github/scripts/applied-behind.sh "$ACCOUNT" "$BASE_SHA"');
    expect(applied.env?.ACCOUNT).toBe('${{ steps.target.outputs.account }}');
    const summary = steps.find((s) => s.run?.includes('plan-summary.ts --account "$ACCOUNT" --results'))!;
    expect(summary.env).toMatchObject({ APPLIED: '${{ steps.applied.outputs.applied }}', BEHIND: '${{ steps.applied.outputs.behind }}' });
    expect(summary.run).toContain('behind=(--applied "$APPLIED" --behind "$BEHIND")');
    expect(steps.indexOf(applied)).toBeLessThan(steps.indexOf(summary));
  });

  test('only the comment, drift-report, stale-apply and record jobs may write, and only comments, issues, run cancellations or deployment records', () => {
    const writers = allJobs
      .flatMap(({ file, id, job }) => Object.entries(job.permissions ?? {}).filter(([scope, level]) => level === 'write' && scope !== 'id-token').map(([scope]) => `${file}:${id}:${scope}`))
      .sort();
    expect(writers).toEqual([
      'apply.yml:record:deployments',
      'deploy.yml:notify:deployments',
      'deploy.yml:notify:pull-requests',
      'deploy.yml:record:deployments',
      'drift.yml:report:issues',
      'drift.yml:stale-applies:actions',
      'plan.yml:comment:pull-requests',
    ]);
  });
});

describe('concurrency', () => {
  const applyJobs = roleJobs.filter(({ job }) => roleKind(job) === 'apply');

  test('every job that assumes an apply role holds its account apply group and is never cancelled', () => {
    expect(applyJobs.map(({ file, id }) => `${file}:${id}`).sort()).toEqual(['apply.yml:apply', 'deploy.yml:deploy', 'rollback.yml:rollback']);
    expect(applyJobs.map(({ job }) => job.concurrency).sort()).toEqual([
      { group: 'apply-${{ inputs.account }}', 'cancel-in-progress': false },
      { group: 'apply-${{ matrix.account }}', 'cancel-in-progress': false },
      { group: 'apply-${{ inputs.account }}', 'cancel-in-progress': false },
    ]);
    // The approval workflow's plan holds the same group, so nothing applies under its saved plan.
    expect(workflows['apply.yml'].jobs.plan.concurrency).toEqual({ group: 'apply-${{ inputs.account }}', 'cancel-in-progress': false });
  });

  test('deploys run one at a time in push order: the whole workflow queues and is never cancelled', () => {
    expect(workflows['deploy.yml'].concurrency).toEqual({ group: 'deploy', 'cancel-in-progress': false });
  });

  test('an apply request never disappears silently: no workflow-level group, an older pending request refuses the newer one visibly', () => {
    // GitHub keeps one pending run per concurrency group and cancels the one already waiting:
    // https://docs.github.com/actions/writing-workflows/choosing-what-your-workflow-does/control-the-concurrency-of-workflows-and-jobs
    const wf = workflows['apply.yml'] as Workflow & { 'run-name'?: string };
    expect(wf.concurrency).toBeUndefined();
    expect(wf['run-name']).toBe('Apply ${{ inputs.account }} at ${{ inputs.ref }}');
    const request = wf.jobs.request;
    // deployments: read for the last-applied record the units are compared with.
    expect(request.permissions).toEqual({ contents: 'read', actions: 'read', deployments: 'read' });
    const steps = request.steps!;
    const refuse = steps.findIndex((s) => s.run === '.github/scripts/refuse-pending-apply.sh "$ACCOUNT"');
    expect(refuse).toBeGreaterThan(-1);
    expect(steps[refuse].env).toEqual({ ACCOUNT: '${{ inputs.account }}', GH_TOKEN: '${{ github.token }}' });
    // The plan job (first to take the apply group) waits for the request job.
    expect(wf.jobs.plan.needs).toBe('request');
  });

  test('the deploy tip guard comes before the role and gates every later step; its ignored paths are the workflow\'s', () => {
    const job = workflows['deploy.yml'].jobs.deploy;
    const steps = job.steps!;
    const guard = steps.findIndex((s) => s.run === '.github/scripts/require-main-tip.sh');
    expect(steps[guard]).toMatchObject({ id: 'tip', env: { GH_TOKEN: '${{ github.token }}' } });
    expect(guard).toBeLessThan(steps.indexOf(assumeStep(job)!));
    // An overtaken run skips the rest (the job ends green with the guard's notice), never red. The
    // release result is noted even after a failed release (!cancelled()), still only past the guard.
    const gated = "steps.tip.outputs.proceed == 'true'";
    const noted = `!cancelled() && ${gated} && steps.release.outcome != 'skipped'`;
    const functionsReady = `${gated} && steps.functions.outputs.ready == 'true'`;
    for (const step of steps.slice(guard + 1)) expect([step.name ?? step.uses, [gated, noted, functionsReady].includes(step.if ?? '')]).toEqual([step.name ?? step.uses, true]);
    expect(steps.filter((s) => s.if === noted).map((s) => s.uses?.split('@')[0] ?? s.run)).toEqual([expect.stringContaining('$RUNNER_TEMP/released/$ACCOUNT'), 'actions/upload-artifact']);
    const script = fs.readFileSync(path.join(GITHUB_DIR, 'scripts', 'require-main-tip.sh'), 'utf8');
    const patterns = /IGNORED_PATHS=\(([^)]*)\)/.exec(script)![1].match(/'[^']*'/g)!.map((p) => p.slice(1, -1));
    // GitHub's `**` crosses folders; a shell pattern's `*` inside [[ == ]] does too.
    expect(patterns).toEqual((workflows['deploy.yml'].on.push['paths-ignore'] as string[]).map((p) => p.replace(/\*\*/g, '*')));
  });

  test('pull-request plans take no lock and may be cancelled by a newer push; drift checks queue', () => {
    expect(workflows['plan.yml'].concurrency).toEqual({ group: 'plan-pr-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
    expect(workflows['drift.yml'].concurrency).toEqual({ group: 'drift-check', 'cancel-in-progress': false });
    for (const file of ['plan.yml', 'drift.yml']) for (const job of Object.values(workflows[file].jobs)) expect(job.concurrency).toBeUndefined();
  });

  test('no plan takes a state lock; applies wait for a held one', () => {
    // Terraform refuses to apply a saved plan whose state changed since, so a plan-time lock
    // protects nothing, and the plan roles cannot write one:
    // https://developer.hashicorp.com/terraform/cli/commands/plan#lock-false
    for (const { file, id, job, wf } of roleJobs) {
      const env = { ...(wf as any).env, ...(job as any).env };
      const scripts = runScripts(job).join('\n');
      // A rollback moves aliases through CodeDeploy and runs no Terraform (it holds the apply group instead).
      if (file === 'rollback.yml') {
        expect([file, id, /terraform|cdktf/.test(JSON.stringify(job))]).toEqual([file, id, false]);
        continue;
      }
      if (roleKind(job) !== 'apply') {
        // Every plan of a unit goes through tools/ci/run-units.ts, whose --no-lock plans with -lock=false (__tests__/tools/run-units.test.ts).
        expect([file, id, scripts]).toEqual([file, id, expect.stringContaining('npx tsx tools/ci/run-units.ts --mode plan --no-lock ')]);
        expect([file, id, /cdktf (plan|diff)|-lock-timeout/.test(scripts) || env.TF_CLI_ARGS_plan !== undefined]).toEqual([file, id, false]);
        continue;
      }
      const kinds = [env.TF_CLI_ARGS_plan, env.TF_CLI_ARGS_apply].filter(Boolean);
      expect([file, id, kinds.length > 0 && kinds.every((v: string) => /-lock-timeout=\d+m/.test(v))]).toEqual([file, id, true]);
    }
  });

  test('every Terraform init uses the committed lock file and may not change it', () => {
    // -lockfile=readonly: init fails instead of recording other provider hashes; cdktf's own
    // `terraform providers lock` is skipped (--skip-provider-lock).
    // https://developer.hashicorp.com/terraform/cli/commands/init#general-options
    for (const { file, id, job } of roleJobs.filter(({ file }) => file !== 'rollback.yml')) {
      const scripts = runScripts(job).join('\n');
      for (const init of scripts.split('\n').filter((l) => /terraform .*\binit\b/.test(l))) expect([file, id, init]).toEqual([file, id, expect.stringContaining('-lockfile=readonly')]);
      for (const cdktf of scripts.split('\n').filter((l) => /npx cdktf /.test(l))) expect([file, id, cdktf]).toEqual([file, id, expect.stringContaining('--skip-provider-lock')]);
      if (/npx cdktf |tools\/ci\/run-units\.ts/.test(scripts)) expect([file, id, (job as any).env?.TF_CLI_ARGS_init]).toEqual([file, id, '-lockfile=readonly']);
      // The lock file is put beside every unit before its first init (the approved apply's comes inside the saved plans' folders).
      const copy = scripts.indexOf('cp .terraform.lock.hcl ');
      const firstInit = Math.min(...[scripts.search(/terraform .*\binit\b/), scripts.search(/npx cdktf /), scripts.search(/tools\/ci\/run-units\.ts/)].filter((i) => i >= 0));
      if (!(file === 'apply.yml' && id === 'apply')) expect([file, id, copy > -1 && copy < firstInit]).toEqual([file, id, true]);
    }
    const upload = workflows['apply.yml'].jobs.plan.steps!.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with?.['include-hidden-files']).toBe(true);
  });

  test('apply and rollback requests of an account refuse each other visibly while one is pending', () => {
    for (const file of ['apply.yml', 'rollback.yml']) {
      const request = workflows[file].jobs.request;
      expect([file, request.permissions]).toEqual([file, file === 'apply.yml' ? { contents: 'read', actions: 'read', deployments: 'read' } : { contents: 'read', actions: 'read' }]);
      const step = request.steps!.find((s) => s.run === '.github/scripts/refuse-pending-apply.sh "$ACCOUNT"');
      expect([file, step?.env?.GH_TOKEN]).toEqual([file, '${{ github.token }}']);
    }
    // The rollback job (which takes the apply group) waits for that check.
    expect(workflows['rollback.yml'].jobs.rollback.needs).toBe('request');
    expect(fs.readFileSync(path.join(GITHUB_DIR, 'scripts', 'refuse-pending-apply.sh'), 'utf8')).toContain('for workflow in apply.yml rollback.yml; do');
  });

  test('the daily run cancels applies still waiting after the approval window, with apply.yml\'s window', () => {
    const job = workflows['drift.yml'].jobs['stale-applies'];
    const step = job.steps!.find((s) => s.run === '.github/scripts/cancel-stale-applies.sh "$APPROVAL_WINDOW_DAYS"')!;
    expect(Number(step.env?.APPROVAL_WINDOW_DAYS)).toBe(Number((workflows['apply.yml'] as Workflow & { env: Record<string, unknown> }).env.APPROVAL_WINDOW_DAYS));
    expect(job.permissions).toEqual({ contents: 'read', actions: 'write' });
    expect(assumeStep(job)).toBeUndefined();
  });
});

describe('older commits run under main\'s tools', () => {
  test('drift and the approved plan check out the commit beside main and only synthesize and plan there', () => {
    for (const [file, id] of [['drift.yml', 'plan'], ['apply.yml', 'plan']]) {
      const steps = workflows[file].jobs[id].steps! as (Step & { 'working-directory'?: string })[];
      const atCommit = steps.find((s) => s.uses?.startsWith('actions/checkout@') && s.with?.ref !== undefined);
      expect([file, atCommit?.with?.path]).toEqual([file, 'at-commit']);
      // Only the synthesis runs inside the old commit; every script runs from main's checkout.
      expect([file, steps.filter((s) => s['working-directory']).map((s) => [s['working-directory'], s.run])]).toEqual([file, [['at-commit', 'npm run synth']]]);
      // ... and before the role is assumed: the older commit's code never runs with credentials.
      const synth = steps.findIndex((s) => s['working-directory'] === 'at-commit');
      expect([file, synth < steps.indexOf(assumeStep(workflows[file].jobs[id])!)]).toEqual([file, true]);
      const scripts = runScripts(workflows[file].jobs[id]).join('\n');
      expect([file, scripts]).toEqual([file, expect.stringContaining('--stacks at-commit/cdktf.out/stacks')]);
      for (const line of scripts.split('\n').filter((l) => /npx tsx |npm run (?!synth)/.test(l))) expect([file, line]).toEqual([file, expect.not.stringContaining('at-commit/tools')]);
    }
    // The approved apply needs no checkout of the commit at all: the saved plan carries its stack folder.
    const apply = workflows['apply.yml'].jobs.apply.steps!;
    expect(apply.filter((s) => s.uses?.startsWith('actions/checkout@')).map((s) => s.with)).toEqual([{ 'fetch-depth': 0, 'persist-credentials': false }]);
  });
});

describe('the drift baseline is recorded right after a successful apply, apart from the release', () => {
  test('deploy and the approved apply note the applied commit before the release, and record it even when the release fails', () => {
    for (const [file, id] of [['deploy.yml', 'deploy'], ['apply.yml', 'apply']]) {
      const steps = workflows[file].jobs[id].steps!;
      const applied = steps.findIndex((s) => /run-units\.ts --mode apply|apply -input=false -no-color plan/.test(s.run ?? ''));
      const note = steps.findIndex((s) => s.run?.includes('$RUNNER_TEMP/applied/$ACCOUNT'));
      const upload = steps.findIndex((s) => String(s.with?.name).startsWith('applied-'));
      const release = steps.findIndex((s) => s.run === 'npm run release -- "$ACCOUNT"');
      expect([file, applied > -1 && applied < note && note < upload && upload < release]).toEqual([file, true]);
      const record = Object.values(workflows[file].jobs).find((job) => runScripts(job).some((r) => r.includes('record-applied.sh')))!;
      expect([file, record.if]).toEqual([file, expect.stringMatching(/^always\(\) && needs\.(deploy|apply)\.result != 'skipped'$/)]);
      expect([file, record.steps!.find((s) => s.uses?.startsWith('actions/download-artifact@'))?.with?.pattern]).toEqual([file, 'applied-*']);
    }
  });
});

describe('sizing of the first apply', () => {
  const applyJobs = roleJobs.filter(({ job }) => roleKind(job) === 'apply');

  test('apply credentials last as long as the role allows, and the job ends before they expire', () => {
    for (const { file, id, job } of applyJobs) {
      const seconds = Number(assumeStep(job)!.with!['role-duration-seconds']);
      expect([file, id, seconds]).toEqual([file, id, APPLY_SESSION_SECONDS]);
      // A first create (Multi-AZ RDS, proxy, NATs, WAF) needs more than the default hour.
      expect([file, id, job['timeout-minutes']! > 60 && job['timeout-minutes']! * 60 < seconds]).toEqual([file, id, true]);
    }
  });

  test('the saved plan is kept exactly as long as an approval may take, and an older plan is refused before anything runs', () => {
    const wf = workflows['apply.yml'] as Workflow & { env?: Record<string, unknown> };
    const windowDays = Number(wf.env?.APPROVAL_WINDOW_DAYS);
    expect(windowDays).toBeGreaterThanOrEqual(1);
    const upload = wf.jobs.plan.steps!.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with?.['retention-days']).toBe('${{ env.APPROVAL_WINDOW_DAYS }}');
    const [first] = wf.jobs.apply.steps!;
    expect(first.run).toContain('-ge "$APPROVAL_WINDOW_DAYS"');
  });
});

describe('OIDC role wiring', () => {
  /**
   * The token GitHub gives a job of a workflow, under this repository's subject template
   * (stacks/github-oidc.ts): a job with `environment:` gets the environment context; a
   * pull_request run the pull_request context and the refs/pull/<n>/merge ref; every other trigger
   * here runs on main (push to main, schedule, dispatch guarded to main).
   * https://docs.github.com/actions/reference/security/oidc#example-subject-claims
   */
  function tokenOf(file: string, job: Job, config: (typeof accounts)[number]): { sub: string; aud: string } {
    const triggers = Object.keys(workflows[file].on);
    const ref = triggers.includes('pull_request') ? 'refs/pull/42/merge' : 'refs/heads/main';
    // apply.yml waits in the account's approval environment (dev-approval for an auto-applied account's
    // units that require approval); rollback.yml in its applyEnvironment, or none.
    const requested = file === 'apply.yml' ? approvalEnvironment(config) : config.github.applyEnvironment;
    const environment = envName(job) === '${{ needs.request.outputs.environment }}' ? requested : envName(job);
    const context = environment ? `environment:${environment}` : ref.startsWith('refs/pull/') ? 'pull_request' : `ref:${ref}`;
    return { sub: workflowSubject(config.github, context, file, ref), aud: 'sts.amazonaws.com' };
  }

  test('each role-assuming job presents a subject its target role trusts, for every account it may target', () => {
    const wiring = roleJobs.map(({ file, id, job }) => ({
      job: `${file}:${id}`,
      role: roleKind(job),
      admitted: TARGET_ACCOUNTS[file].map((config) => [config.name, trustPolicyAdmits(githubTrustPolicy(config.accountId, ciSubjects(config)[roleKind(job)]), tokenOf(file, job, config))]),
    }));
    expect(wiring.map(({ job, role }) => `${job}:${role}`).sort()).toEqual([
      'apply.yml:apply:apply',
      'apply.yml:plan:plan',
      'deploy.yml:deploy:apply',
      'drift.yml:plan:plan',
      'plan.yml:plan:prPlan',
      'rollback.yml:rollback:apply',
    ]);
    for (const { job, admitted } of wiring) for (const [account, ok] of admitted) expect([job, account, ok]).toEqual([job, account, true]);
  });

  test('main-only jobs run only from main: the approval workflow is guarded and the drift check too', () => {
    expect(workflows['apply.yml'].jobs.request.if).toBe("github.ref == 'refs/heads/main'");
    expect(workflows['drift.yml'].jobs.targets.if).toBe("github.ref == 'refs/heads/main'");
  });

  test('role ARNs come from account config through tools/ci/affected-accounts.ts, never typed into a workflow', () => {
    for (const { file, id, job } of roleJobs) {
      const role = String(assumeStep(job)!.with!['role-to-assume']);
      expect([file, id, role]).toEqual([file, id, expect.stringMatching(/^\$\{\{ (matrix\.(plan|apply)RoleArn|steps\.target\.outputs\.(pr-plan|plan|apply)-role-arn) \}\}$/)]);
      if (role.includes('steps.target')) expect(runScripts(job).join('\n')).toMatch(/npx tsx tools\/ci\/affected-accounts\.ts --(account "\$ACCOUNT"|plan-target "\$REQUESTED_ACCOUNT")/);
    }
    for (const file of workflowFiles()) expect(fs.readFileSync(file, 'utf8')).not.toMatch(/arn:aws:iam::/);
  });

  test('the credentials action itself refuses another account: allowed-account-ids from the same source as the role', () => {
    for (const { file, id, job } of roleJobs) {
      const { 'role-to-assume': role, 'allowed-account-ids': allowed } = assumeStep(job)!.with! as Record<string, string>;
      const expected = role.startsWith('${{ matrix.') ? '${{ matrix.accountId }}' : '${{ steps.target.outputs.account-id }}';
      expect([file, id, allowed]).toEqual([file, id, expected]);
    }
  });

  test('every job with AWS credentials runs the pre-flight account check before any plan, apply or rollback', () => {
    for (const { file, id, job } of roleJobs) {
      const steps = job.steps!;
      const assumed = steps.indexOf(assumeStep(job)!);
      const preflight = steps.findIndex((s) => /^npm run verify-account -- "\$(STACK|ACCOUNT)"$/.test(s.run ?? ''));
      const firstTerraform = steps.findIndex((s) => /cdktf (plan|deploy)|terraform .*(plan|apply|init)|run-units\.ts|npm run rollback /.test(s.run ?? ''));
      expect([file, id, assumed < preflight && preflight < firstTerraform]).toEqual([file, id, true]);
    }
  });

  test('deploys apply the touched units in dependency order with the apply role, hold the units that require approval, run the post-deploy test-runner and hand the applied commit to the record job', () => {
    const scripts = runScripts(workflows['deploy.yml'].jobs.deploy).join('\n');
    // Issue 23 item 4: --hold-approval plans a unit with requireApproval but never applies it (__tests__/tools/unit-runner.slow.test.ts).
    expect(scripts).toContain('npx tsx tools/ci/run-units.ts --mode apply --hold-approval --account "$ACCOUNT" --units "$UNITS" --stacks cdktf.out/stacks');
    expect(scripts).toContain('select(.status == "held" or .status == "waiting")');
    expect(scripts).toContain('npx tsx tools/ci/affected-accounts.ts --account "$ACCOUNT" "${outdirs[@]}"');
    expect(scripts).toContain('post-deploy-checks.sh lambda-test-runner');
    expect(scripts).toContain('echo "$GITHUB_SHA" > "$RUNNER_TEMP/applied/$ACCOUNT"');
    // Issue 20: a new or rebuilt database gets its migrator, schema and roles before the release's hooks log in.
    const steps = runScripts(workflows['deploy.yml'].jobs.deploy);
    const [apply, admin, release] = ['run-units.ts --mode apply', '.github/scripts/database-admin.sh database-admin', 'npm run release'].map((text) => steps.findIndex((step) => step.includes(text)));
    expect([apply < admin, admin < release]).toEqual([true, true]);
    // A merge whose app unit waits on the held data unit (a new account) has no function to invoke yet.
    const deploySteps = workflows['deploy.yml'].jobs.deploy.steps!;
    const ready = steps.findIndex((step) => step.includes('.github/scripts/functions-ready.sh "$RUNNER_TEMP/results.json"'));
    expect([ready > apply, ready < admin]).toEqual([true, true]);
    for (const text of ['database-admin.sh database-admin', 'npm run release', 'post-deploy-checks.sh lambda-test-runner']) {
      expect([text, deploySteps.find((step) => step.run?.includes(text))?.if]).toEqual([text, "steps.tip.outputs.proceed == 'true' && steps.functions.outputs.ready == 'true'"]);
    }
    expect(envName(workflows['deploy.yml'].jobs.deploy)).toBeUndefined();
    // The last applied commit it compares with comes from the record, read by a job without AWS credentials.
    const targets = workflows['deploy.yml'].jobs.targets;
    expect(targets.permissions).toEqual({ contents: 'read', deployments: 'read' });
    expect(runScripts(targets).join('\n')).toContain('.github/scripts/last-applied.sh "$account"');
    expect(scripts).toContain('base="$(.github/scripts/reviewed-commit.sh "$BASE")"');
    const record = workflows['deploy.yml'].jobs.record;
    expect(record.if).toBe("always() && needs.deploy.result != 'skipped'");
    expect(runScripts(record).join('\n')).toContain('.github/scripts/record-applied.sh "$(basename "$file")" "$(cat "$file")" "$RUN_URL"');
  });

  test('the approved apply applies exactly the saved plans in dependency order: no re-plan, checksums checked, test-runner after, then recorded', () => {
    const { plan, apply, record } = workflows['apply.yml'].jobs;
    expect(runScripts(plan).join('\n')).toContain('npx tsx tools/ci/run-units.ts --mode plan --no-lock --account "$ACCOUNT" --units "$UNITS" --stacks at-commit/cdktf.out/stacks');
    const scripts = runScripts(apply).join('\n');
    expect(scripts).not.toMatch(/cdktf (plan|deploy|synth)|terraform (-chdir="[^"]*" )?plan\b|npm run synth|run-units/);
    expect(scripts).toContain('[ "$(cat order.txt plans.sha256 | sha256sum | cut -d \' \' -f 1)" = "$PLAN_SHA256" ]');
    expect(scripts).toContain('sha256sum --check --strict plans.sha256');
    expect(scripts).toMatch(/terraform -chdir="\$RUNNER_TEMP\/approved\/\$stack" apply -input=false -no-color plan$/m);
    expect(scripts).toContain('done < "$RUNNER_TEMP/approved/order.txt"');
    const artifact = 'plan-${{ inputs.account }}-${{ steps.reviewed.outputs.sha }}';
    expect(apply.steps!.find((s) => s.uses?.startsWith('actions/download-artifact@'))?.with?.name).toBe(artifact);
    expect(plan.steps!.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with?.name).toBe(artifact);
    expect(scripts.trimEnd().endsWith('.github/scripts/post-deploy-checks.sh lambda-test-runner')).toBe(true);
    const steps = runScripts(apply);
    const [applied, admin, release] = ['apply -input=false -no-color plan', '.github/scripts/database-admin.sh database-admin', 'npm run release'].map((text) => steps.findIndex((step) => step.includes(text)));
    expect([applied < admin, admin < release]).toEqual([true, true]);
    // On a never-applied account the app unit waits on the data unit this request applies: no function yet.
    expect(runScripts(plan).join('\n')).toContain('echo "functions-ready=$(.github/scripts/functions-ready.sh "$RUNNER_TEMP/results.json")" >> "$GITHUB_OUTPUT"');
    for (const text of ['database-admin.sh database-admin', 'npm run release', 'post-deploy-checks.sh lambda-test-runner']) {
      expect([text, apply.steps!.find((step) => step.run?.includes(text))?.if]).toEqual([text, "needs.plan.outputs.functions-ready == 'true'"]);
    }
    expect(record.needs).toBe('apply');
    expect(runScripts(record).join('\n')).toContain('.github/scripts/record-applied.sh "$(basename "$file")" "$(cat "$file")" "$RUN_URL"');
  });

  describe('jobs with AWS credentials run only reviewed code', () => {
    const isCheckout = (s: Step) => s.uses?.startsWith('actions/checkout@') ?? false;
    const guardedJobs = roleJobs.filter(({ job }) => job.steps!.some((s) => isCheckout(s) && typeof s.with?.ref === 'string' && s.with.ref.includes('steps.')));
    const guardScript = fs.readFileSync(path.join(GITHUB_DIR, 'scripts', 'reviewed-commit.sh'), 'utf8');

    test('the guard refuses any commit not reachable from origin/main', () => {
      expect(guardScript).toContain('git merge-base --is-ancestor "$sha" origin/main');
    });

    test('every role-assuming job that checks out another commit of main first checks out main and runs the ancestry guard', () => {
      expect(guardedJobs.map(({ file, id }) => `${file}:${id}`).sort()).toEqual(['apply.yml:plan', 'drift.yml:plan']);
      for (const { file, id, job } of guardedJobs) {
        const steps = job.steps!;
        const refCheckout = steps.findIndex((s) => isCheckout(s) && s.with?.ref !== undefined);
        const guard = /^\$\{\{ steps\.([\w-]+)\.outputs\.sha \}\}$/.exec(String(steps[refCheckout].with!.ref));
        const guardIndex = steps.findIndex((s) => s.id === guard?.[1]);
        const before = steps.slice(0, guardIndex);
        expect([file, id, before.filter(isCheckout).map((s) => s.with)]).toEqual([file, id, [{ 'fetch-depth': 0, 'persist-credentials': false }]]);
        expect([file, id, steps[guardIndex]?.run]).toEqual([file, id, expect.stringMatching(/^sha="\$\(\.github\/scripts\/reviewed-commit\.sh "\$(REF|SHA)"\)"\necho "sha=\$sha" >> "\$GITHUB_OUTPUT"\n$/)]);
        const early = steps.slice(0, refCheckout).filter((s) => s.uses?.startsWith('./') || s.uses?.startsWith(AWS_CREDENTIALS) || /\b(npm|npx|tsx|terraform|cdktf)\b/.test(s.run ?? ''));
        expect([file, id, early]).toEqual([file, id, []]);
        expect([file, id, guardIndex > -1 && guardIndex < refCheckout && refCheckout < steps.indexOf(assumeStep(job)!)]).toEqual([file, id, true]);
      }
    });

    test('the pull-request plan job runs the base branch, gates each touched unit\'s synthesized JSON, then requests credentials', () => {
      const job = workflows['plan.yml'].jobs.plan;
      const steps = job.steps!;
      const checkouts = steps.filter(isCheckout);
      expect(checkouts.map((s) => s.with)).toEqual([{ ref: '${{ github.event.pull_request.base.sha }}', 'persist-credentials': false }]);
      const target = steps.findIndex((s) => s.id === 'target');
      const download = steps.findIndex((s) => s.uses?.startsWith('actions/download-artifact@'));
      const baseSynth = steps.findIndex((s) => s.run === 'CDKTF_OUTDIR="$RUNNER_TEMP/base" npm run synth');
      const units = steps.findIndex((s) => s.id === 'units');
      const gate = steps.findIndex((s) => s.run?.includes('npx tsx tools/ci/synth-gate.ts "$ACCOUNT-$unit" "$RUNNER_TEMP/synthesized/stacks/$ACCOUNT-$unit"'));
      const lock = steps.findIndex((s) => s.run?.includes('cp .terraform.lock.hcl "$RUNNER_TEMP/synthesized/stacks/$ACCOUNT-$unit/.terraform.lock.hcl"'));
      const assume = steps.indexOf(assumeStep(job)!);
      expect([target, download, baseSynth, units, gate, lock, assume].every((i, n, all) => i > -1 && (n === 0 || all[n - 1] < i))).toBe(true);
      // The base branch's check of the matrix entry comes first; the account everything uses is its output.
      expect(steps[target].env).toEqual({ REQUESTED_ACCOUNT: '${{ matrix.account }}', REQUESTED_EVERY: '${{ matrix.every }}' });
      expect(steps[gate].env).toEqual({ ACCOUNT: '${{ steps.target.outputs.account }}', UNITS: '${{ steps.units.outputs.units }}' });
      // The touched units: the change's JSON against the base commit's, compared by the base branch's script.
      expect(steps[units].run).toContain('npx tsx tools/ci/affected-accounts.ts --plan-target "$ACCOUNT" --every "$EVERY" --base-out "$RUNNER_TEMP/base" --head-out "$RUNNER_TEMP/synthesized"');
      // Dependencies not planned are read from the base commit's folders, never the pull request's.
      expect(runScripts(job).join('\n')).toContain('--dependency-stacks "$RUNNER_TEMP/base/stacks"');
      expect(steps[download].with?.name).toBe('synthesized');
      // Nothing of the pull request is synthesized or built where credentials exist: the one synth is the base checkout's.
      expect(runScripts(job).join('\n').replace('CDKTF_OUTDIR="$RUNNER_TEMP/base" npm run synth', '')).not.toMatch(/npm run synth|cdktf (plan|synth)|npm run build/);
      // The synthesis job has no credentials and is where the pull request's code runs.
      const synth = workflows['plan.yml'].jobs.synth;
      expect(synth.permissions).toEqual({ contents: 'read' });
      expect(runScripts(synth)).toContain('npm run synth');
    });

    test('every other role-assuming job checks out only the commit that triggered it', () => {
      const others = roleJobs.filter((j) => !guardedJobs.includes(j) && !(j.file === 'plan.yml' && j.id === 'plan'));
      for (const { file, id, job } of others) {
        for (const step of job.steps!.filter(isCheckout)) expect([file, id, step.with?.ref]).toEqual([file, id, undefined]);
      }
    });
  });

  test('pull-request plans and the drift check run one matrix entry per account, its units inside in dependency order, each summary labelled and naming its commit', () => {
    for (const [file, select, role, name] of [
      ['plan.yml', '--base "$BASE_SHA" --head "$HEAD_SHA"', '${{ steps.target.outputs.pr-plan-role-arn }}', 'Plan ${{ matrix.account }}'],
      ['drift.yml', '--all', '${{ matrix.planRoleArn }}', 'Plan ${{ matrix.label }}'],
    ]) {
      const wf = workflows[file];
      const [listing] = Object.values(wf.jobs).filter((job) => runScripts(job).some((r) => r.includes(`npx tsx tools/ci/affected-accounts.ts ${select}`)));
      expect([file, listing !== undefined]).toEqual([file, true]);
      const job = wf.jobs.plan as Job & { name?: string; env?: Record<string, string>; strategy?: { matrix: { include: string } } };
      expect([file, job.strategy?.matrix.include]).toEqual([file, expect.stringMatching(/^\$\{\{ fromJSON\(needs\.\w+\.outputs\.targets\) \}\}$/)]);
      expect([file, job.name]).toEqual([file, name]);
      expect([file, assumeStep(job)!.with!['role-to-assume']]).toEqual([file, role]);
      const scripts = runScripts(job).join('\n');
      expect([file, scripts]).toEqual([file, expect.stringContaining('npx tsx tools/ci/run-units.ts --mode plan --no-lock --account "$ACCOUNT" --units "$UNITS"')]);
      for (const [, label] of scripts.matchAll(/plan-summary\.ts --account "(\$\w+)"/g)) expect([file, label]).toEqual([file, file === 'plan.yml' ? '$ACCOUNT' : '$LABEL']);
      // Every comment and issue names the commit it planned.
      for (const line of scripts.replace(/\\\n\s*/g, ' ').split('\n').filter((l) => l.includes('plan-summary.ts'))) expect([file, line]).toEqual([file, expect.stringContaining('--commit "$')]);
    }
    // The drift check plans every unit: the selection is --all (every enabled unit, bootstrap included).
    expect(runScripts(workflows['drift.yml'].jobs.targets).join('\n')).toContain('(. + {label: "\\(.account)-bootstrap", units: "bootstrap", ref: $main})');
  });

  test('deploy.yml reports each release that ran on GitHub, from a job without AWS credentials', () => {
    const wf = workflows['deploy.yml'];
    const notify = wf.jobs.notify;
    expect([notify.needs, notify.if]).toEqual(['deploy', "always() && needs.deploy.result != 'skipped'"]);
    expect(assumeStep(notify)).toBeUndefined();
    const download = notify.steps!.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    const upload = wf.jobs.deploy.steps!.find((s) => String(s.with?.name).startsWith('released-'))!;
    expect(download.with?.pattern).toBe('released-*');
    expect(upload.with?.name).toBe('released-${{ matrix.account }}');
    expect(runScripts(notify).join('\n')).toContain('.github/scripts/notify-release.sh "$(basename "$file")" "$GITHUB_SHA" "$(cat "$file")" "$RUN_URL"');
    // The release step's outcome (success or failure) is what the script reports.
    expect(wf.jobs.deploy.steps!.find((s) => s.env?.RESULT)?.env?.RESULT).toBe('${{ steps.release.outcome }}');
    expect(wf.jobs.deploy.steps!.find((s) => s.id === 'release')?.run).toBe('npm run release -- "$ACCOUNT"');
  });

  test('the drift check plans each account\'s workload units at the commit the account last applied, bootstrap at main', () => {
    const targets = workflows['drift.yml'].jobs.targets;
    expect(targets.permissions).toEqual({ contents: 'read', deployments: 'read' });
    const script = runScripts(targets).join('\n');
    expect(script).toContain('.github/scripts/last-applied.sh "$account"');
    expect(script).toContain('(. + {label: .account, units: (.units | split(" ") | map(select(. != "bootstrap")) | join(" ")), ref: $sha})');
    expect(workflows['drift.yml'].jobs.plan.steps!.find((s) => s.id === 'reviewed')?.env?.REF).toBe('${{ matrix.ref }}');
  });

  test('no workflow applies a bootstrap stack: apply jobs take workload stacks only', () => {
    const applyJobs = roleJobs.filter(({ job }) => roleKind(job) === 'apply');
    for (const { file, id, job } of applyJobs) expect([file, id, JSON.stringify(job).includes('bootstrap')]).toEqual([file, id, false]);
    // The apply selections (--deploy-branch, --approval, --account) return workload stacks only.
    expect(runScripts(workflows['apply.yml'].jobs.apply).join('\n')).toContain('npx tsx tools/ci/affected-accounts.ts --account "$ACCOUNT" \\\n  | jq -r \'.[0] |');
  });

  test('pull-request plans skip forks, and the required `plan` check says so in red', () => {
    expect(workflows['plan.yml'].jobs.synth.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
    const status = workflows['plan.yml'].jobs.status as Job & { name?: string };
    expect(status.name).toBe('plan');
    expect(status.if).toBe('always()');
    expect(status.needs).toEqual(['synth', 'plan']);
    expect(runScripts(status)).toEqual(['.github/scripts/plan-status.sh']);
    // The script it runs is the base branch's, checked out first.
    expect(status.steps![0]).toMatchObject({ uses: expect.stringMatching(/^actions\/checkout@/), with: { ref: '${{ github.event.pull_request.base.sha }}' } });
  });
});

describe('plan artifacts', () => {
  const uploads = (file: string, id: string) => (workflows[file].jobs[id].steps ?? []).filter((s) => s.uses?.startsWith('actions/upload-artifact@'));

  test('pull-request plans upload no plan: only the synthesized JSON (no credentials, no state) and the summaries, for a day', () => {
    for (const [id, job] of Object.entries(workflows['plan.yml'].jobs)) {
      for (const step of uploads('plan.yml', id)) {
        expect([id, String(step.with?.path)]).toEqual([id, expect.not.stringMatching(/\bplan\b(?!-)|\.tfplan/)]);
        expect([id, step.with?.['retention-days']]).toEqual([id, 1]);
      }
      if (id === 'plan') expect(uploads('plan.yml', id).map((s) => s.with?.path)).toEqual(['${{ runner.temp }}/summary']);
      void job;
    }
    expect(uploads('plan.yml', 'synth').map((s) => s.with?.path)).toEqual(['cdktf.out/stacks']);
  });

  test('the only saved plan is the one an apply consumes (the approval workflow), with its hidden lock file', () => {
    const savers = allJobs.filter(({ job }) => (job.steps ?? []).some((s) => s.uses?.startsWith('actions/upload-artifact@') && /^plan-(?!summary)/.test(String(s.with?.name))));
    expect(savers.map(({ file, id }) => `${file}:${id}`)).toEqual(['apply.yml:plan']);
    // upload-artifact skips hidden files (.terraform.lock.hcl) unless told otherwise (DESIGN.md section 8).
    const upload = workflows['apply.yml'].jobs.plan.steps!.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with?.['include-hidden-files']).toBe(true);
  });
});

describe('Dependabot pull requests', () => {
  // Runs started by Dependabot are told apart by github.actor == 'dependabot[bot]'; a re-run keeps
  // the original actor, a person's push to the branch starts a run that is theirs:
  // https://docs.github.com/code-security/dependabot/troubleshooting-dependabot/troubleshooting-dependabot-on-github-actions
  test('are synthesized without credentials but not planned with the PR plan role until a person pushes to the branch', () => {
    const { plan, synth, status } = workflows['plan.yml'].jobs;
    expect(plan.if).toBe("needs.synth.outputs.targets != '[]' && github.actor != 'dependabot[bot]'");
    expect(synth.if).not.toContain('dependabot');
    expect(synth.permissions).toEqual({ contents: 'read' });
    // ... and the required check says so, in red (plan-status.sh, tested in github-api-scripts.test.ts).
    expect(status.steps!.find((s) => s.run === '.github/scripts/plan-status.sh')?.env?.DEPENDABOT).toBe("${{ github.actor == 'dependabot[bot]' }}");
  });

  test('updates wait out a cooldown, so a release pulled within days of publication never reaches a pull request', () => {
    // cooldown delays version updates by days since the release (security updates are not delayed):
    // https://docs.github.com/code-security/dependabot/working-with-dependabot/dependabot-options-reference#cooldown-
    const config = readYaml(path.join(GITHUB_DIR, 'dependabot.yml')) as { updates: { 'package-ecosystem': string; cooldown?: { 'default-days'?: number } }[] };
    for (const update of config.updates) expect([update['package-ecosystem'], (update.cooldown?.['default-days'] ?? 0) >= 7]).toEqual([update['package-ecosystem'], true]);
  });

  test('a run without an OIDC token fails visibly before the role is requested, saying how to get a plan', () => {
    const steps = workflows['plan.yml'].jobs.plan.steps!;
    const check = steps.findIndex((s) => s.run?.includes('ACTIONS_ID_TOKEN_REQUEST_URL'));
    expect(check).toBeGreaterThan(-1);
    expect(check).toBeLessThan(steps.indexOf(assumeStep(workflows['plan.yml'].jobs.plan)!));
    expect(steps[check].run).toContain('exit 1');
    expect(steps[check].run).toContain('git commit --allow-empty');
  });
});

describe('the fence around pull-request code (zizmor-style checks, tools/ci/lint-workflows.ts)', () => {
  const files = [...workflowFiles(), ...compositeActionFiles()];

  test('no workflow or composite action writes a non-constant to $GITHUB_ENV, interpolates into run:, or hands an unvalidated pull-request value to a job that can write', () => {
    expect(files.flatMap(fenceFindings).map(formatFinding)).toEqual([]);
  });

  /** A workflow of the given text in a temp folder, and the fence's finding kinds for it. */
  function kindsOf(text: string): string[] {
    const dir = tempDir('fence-');
    const file = path.join(dir, 'plan.yml');
    fs.writeFileSync(file, text);
    return fenceFindings(file).map((f) => f.kind);
  }
  const planJob = (steps: string, env = '') =>
    `on: pull_request\njobs:\n  plan:\n    runs-on: ubuntu-24.04\n    permissions:\n      contents: read\n      id-token: write\n    strategy:\n      matrix:\n        include: \${{ fromJSON(needs.synth.outputs.targets) }}\n${env}    steps:\n${steps}`;

  test('catches the BASH_ENV hole: a matrix value written to $GITHUB_ENV in a job holding an OIDC token', () => {
    // The pattern plan.yml had: STACK from the matrix (the pull request's detection output) written
    // to $GITHUB_ENV; a newline in it adds BASH_ENV, which bash sources before every later step.
    // https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands#setting-an-environment-variable
    const kinds = kindsOf(planJob('      - run: echo "STACK_DIR=$RUNNER_TEMP/stacks/$STACK" >> "$GITHUB_ENV"\n', '    env:\n      STACK: ${{ matrix.stack }}\n'));
    expect(kinds.sort()).toEqual(['github-env', 'pr-computed-value']);
  });

  test('catches a role, region or account taken from the matrix instead of the base branch\'s check', () => {
    const step = '      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c\n        with:\n          role-to-assume: ${{ matrix.prPlanRoleArn }}\n';
    expect(kindsOf(planJob(step))).toEqual(['pr-computed-value']);
    const validated = '      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c\n        with:\n          role-to-assume: ${{ steps.target.outputs.pr-plan-role-arn }}\n';
    expect(kindsOf(planJob(validated))).toEqual([]);
  });

  test('catches a step taking a matrix value without validating it, and passes the validating step', () => {
    expect(kindsOf(planJob('      - env:\n          STACK: ${{ matrix.stack }}\n        run: terraform -chdir="stacks/$STACK" plan\n'))).toEqual(['pr-computed-value']);
    expect(kindsOf(planJob('      - env:\n          REQUESTED_STACK: ${{ matrix.stack }}\n        run: npx tsx tools/ci/affected-accounts.ts --plan-target "$REQUESTED_STACK"\n'))).toEqual([]);
  });

  test('catches an expression inside run:, and text the pull request\'s author wrote given to an action', () => {
    expect(kindsOf(planJob('      - run: echo "${{ github.event.pull_request.title }}"\n'))).toEqual(['template-injection']);
    expect(kindsOf(planJob('      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1\n        with:\n          ref: ${{ github.head_ref }}\n'))).toEqual(['pr-computed-value']);
    expect(kindsOf(planJob('      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1\n        with:\n          ref: ${{ github.event.pull_request.base.sha }}\n'))).toEqual([]);
  });

  test('the affected stacks are found by the base branch\'s script, before any code of the pull request runs in that job', () => {
    const steps = workflows['plan.yml'].jobs.synth.steps!;
    const detect = steps.findIndex((s) => s.id === 'detect');
    const synth = steps.findIndex((s) => s.run === 'npm run synth');
    expect(detect).toBeGreaterThan(-1);
    expect(detect).toBeLessThan(synth);
    const script = steps[detect].run!;
    expect(script).toContain('git worktree add --detach "$base" "$BASE_SHA"');
    expect(script).toContain('(cd "$base" && npx tsx tools/ci/affected-accounts.ts --base "$BASE_SHA" --head "$HEAD_SHA")');
    // The pull request's packages are used only when its lock file is the base branch's.
    expect(script).toMatch(/if cmp --silent package-lock\.json "\$base\/package-lock\.json"; then\n\s+ln -s/);
    // Nothing but checkout and the setup action (npm ci without install scripts) comes before it.
    expect(steps.slice(0, detect).map((s) => s.uses?.split('@')[0])).toEqual(['actions/checkout', './.github/actions/setup']);
    expect(fs.readFileSync(path.join(GITHUB_DIR, 'actions', 'setup', 'action.yml'), 'utf8')).toContain('npm ci --ignore-scripts');
  });

  test('the plan job checks an account carrying a BASH_ENV line against the base branch, refuses it and writes no output', () => {
    // The target step's own script, run as GitHub runs it (bash -eo pipefail) with the injected name.
    const step = workflows['plan.yml'].jobs.plan.steps!.find((s) => s.id === 'target')!;
    const dir = tempDir('fence-target-');
    const output = path.join(dir, 'output');
    fs.writeFileSync(output, '');
    const account = accounts[0].name;
    const runStep = (env: Record<string, string>) =>
      spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, GITHUB_OUTPUT: output, ...env } });
    const result = runStep({ REQUESTED_ACCOUNT: `${account}\nBASH_ENV=${dir}/env.sh`, REQUESTED_EVERY: 'false' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('not an account name');
    expect(fs.readFileSync(output, 'utf8')).toBe('');
    const every = runStep({ REQUESTED_ACCOUNT: account, REQUESTED_EVERY: `true\nBASH_ENV=${dir}/env.sh` });
    expect(every.status).not.toBe(0);
    expect(fs.readFileSync(output, 'utf8')).toBe('');
    // The real name passes and yields the base branch's role for it.
    const ok = runStep({ REQUESTED_ACCOUNT: account, REQUESTED_EVERY: 'false' });
    expect(ok.status).toBe(0);
    expect(fs.readFileSync(output, 'utf8')).toContain(`pr-plan-role-arn=arn:aws:iam::${accounts[0].accountId}:role/${accounts[0].ci.prPlanRoleName}\n`);
    expect(fs.readFileSync(output, 'utf8')).toContain('every=false\n');
  });

  test('the comment job never posts after its run was cancelled, and runs the base branch\'s scripts', () => {
    // always() is true even when the run was cancelled; !cancelled() is not:
    // https://docs.github.com/actions/reference/workflows-and-actions/expressions#status-check-functions
    const comment = workflows['plan.yml'].jobs.comment;
    expect(comment.if).toBe("!cancelled() && needs.synth.result == 'success'");
    expect(comment.steps!.find((s) => s.uses?.startsWith('actions/checkout@'))?.with?.ref).toBe('${{ github.event.pull_request.base.sha }}');
  });
});

describe('runner images', () => {
  test(`every job runs on ${TESTED_RUNNER}, the image this repository was tested on, never a moving -latest label`, () => {
    // ubuntu-latest moved to Ubuntu 26.04 in November 2026 (PostgreSQL 18 off PATH, no libpq-dev):
    // https://docs.github.com/actions/reference/runners/github-hosted-runners
    for (const { file, id, job } of allJobs.filter(({ job }) => !job.uses)) expect([file, id, job['runs-on']]).toEqual([file, id, TESTED_RUNNER]);
  });

  // .ci/run looks in the same place (/usr/lib/postgresql/*/bin/initdb) on a machine without them on PATH.
  test('the test job finds the PostgreSQL server binaries where the image keeps them, as .ci/run does', () => {
    const script = runScripts(workflows['ci.yml'].jobs.test).join('\n');
    expect(script).toContain('for dir in /usr/lib/postgresql/*/bin; do');
    expect(script).toMatch(/export PG_BIN\nnpm run test:all/);
    // The harness reads PG_BIN first (lambda-functions/testing/servers.py).
    expect(fs.readFileSync(path.join(ROOT, 'lambda-functions', 'testing', 'servers.py'), 'utf8')).toContain('os.environ.get("PG_BIN")');
  });
});

describe('supply chain and secrets', () => {
  const usesOf = (file: string) =>
    [...fs.readFileSync(file, 'utf8').matchAll(/^\s*(?:-\s*)?uses:\s*(\S+)(.*)$/gm)].map((m) => ({ ref: m[1], rest: m[2] }));
  const files = [...workflowFiles(), ...compositeActions];

  test('third-party actions are pinned to full commit SHAs with the version in a comment', () => {
    const external = files.flatMap((file) => usesOf(file).filter((u) => !u.ref.startsWith('./')).map((u) => ({ file: path.basename(file), ...u })));
    expect(external.length).toBeGreaterThan(10);
    for (const use of external) expect([use.file, use.ref, use.rest]).toEqual([use.file, expect.stringMatching(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/), expect.stringMatching(/^ # v\d+(\.\d+){0,2}$/)]);
  });

  test('one version of each action is used everywhere', () => {
    const byAction = new Map<string, Set<string>>();
    for (const file of files) {
      for (const { ref } of usesOf(file).filter((u) => !u.ref.startsWith('./'))) {
        const [name, sha] = ref.split('@');
        byAction.set(name, (byAction.get(name) ?? new Set()).add(sha));
      }
    }
    for (const [name, shas] of byAction) expect([name, shas.size]).toEqual([name, 1]);
  });

  test('no run script interpolates an expression: untrusted text reaches scripts only through env', () => {
    for (const { file, id, job } of allJobs) for (const script of runScripts(job)) expect([file, id, script.includes('${{')]).toEqual([file, id, false]);
    for (const file of compositeActions) {
      for (const step of readYaml(file).runs.steps as Step[]) expect(step.run?.includes('${{') ?? false).toBe(false);
    }
  });

  test('no secrets are used: AWS access is OIDC only and the GitHub token is the job token', () => {
    for (const file of files) expect([path.basename(file), fs.readFileSync(file, 'utf8').includes('secrets.')]).toEqual([path.basename(file), false]);
  });

  test('checkouts do not leave the job token in .git/config', () => {
    for (const { file, id, job } of allJobs) {
      for (const step of (job.steps ?? []).filter((s) => s.uses?.startsWith('actions/checkout@'))) {
        expect([file, id, step.with?.['persist-credentials']]).toEqual([file, id, false]);
      }
    }
  });

  test('run steps use bash with pipefail, so a failure inside a pipeline fails the step', () => {
    for (const [file, wf] of Object.entries(workflows)) expect([file, (wf as { defaults?: unknown }).defaults]).toEqual([file, { run: { shell: 'bash' } }]);
  });

  test('every job that runs on a runner has a timeout', () => {
    for (const { file, id, job } of allJobs.filter(({ job }) => job['runs-on'])) {
      expect([file, id, typeof job['timeout-minutes']]).toEqual([file, id, 'number']);
    }
  });

  test('every npm script the workflows call exists in package.json', () => {
    const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts);
    const used = new Set(allJobs.flatMap(({ job }) => runScripts(job)).flatMap((s) => [...s.matchAll(/npm run (\S+)/g)].map((m) => m[1])));
    expect([...used].filter((name) => !scripts.includes(name))).toEqual([]);
  });

  test('every repository file a workflow runs exists and is executable when run directly', () => {
    for (const { job } of allJobs) {
      for (const script of runScripts(job)) {
        for (const [, file] of script.matchAll(/(?:^|\s)((?:\.github|tools|build|scripts)\/[\w./-]+\.(?:sh|ts))/g)) {
          expect(fs.existsSync(path.join(ROOT, file))).toBe(true);
          if (file.endsWith('.sh')) expect(fs.statSync(path.join(ROOT, file)).mode & 0o111).not.toBe(0);
        }
      }
    }
  });
});

// Issue 22 item 3: the manual (README.md and docs/) may move a topic between files; these checks read
// all of it, so they keep checking the same facts wherever the text lives.
describe('the manual on CI/CD', () => {
  const manual = manualTexts(ROOT);
  /** The workflow table's row of `workflow`, wherever in the manual the table is. */
  const row = (workflow: string) => manual.flatMap(({ text }) => text.split('\n')).find((line) => line.startsWith(`| \`${workflow}\` |`)) ?? '';
  /** How the manual writes a subject: <prefix> for the repository part, <owner>/<repo> for the name. */
  const generic = (subject: string) => subject.replace(subjectPrefix(accounts[0].github), '<prefix>').replaceAll(repository, '<owner>/<repo>');

  test('the manual names only workflows and files that exist', () => {
    const names = new Set(Object.values(workflows).map((wf) => wf.name));
    for (const { file: doc, text } of manual) {
      // A bare `x.yml` is a workflow file; one with a folder (or a dotfile) is a path from the repository root.
      for (const [, file] of text.matchAll(/`([\w./-]+\.ya?ml)`/g)) {
        const where = file.includes('/') || file.startsWith('.') ? path.join(ROOT, file) : path.join(GITHUB_DIR, 'workflows', file);
        expect([doc, file, fs.existsSync(where)]).toEqual([doc, file, true]);
      }
      // "the **Apply** workflow", "**Rollback** (`.github/workflows/rollback.yml`)": a workflow's name.
      for (const [, name] of text.matchAll(/\*\*([^*\n]+)\*\*(?= workflow| \(`\.github\/workflows\/)/g)) expect([doc, name, names.has(name)]).toEqual([doc, name, true]);
    }
  });

  describe('expected times', () => {
    /** The row's last cell: "about T min: `job` n min ..., `job` n min". */
    const timeCell = (file: string) => row(file).split(' | ').at(-1)!.replace(/ \|$/, '');
    const jobMinutes = (file: string) => new Map([...timeCell(file).matchAll(/`([\w-]+)`(?: \([\w.]+\))? (\d+(?:\.\d+)?) min/g)].map((m) => [m[1], Number(m[2])]));
    const needsOf = (job: Job) => (job.needs === undefined ? [] : [job.needs].flat());
    /** The longest chain of `needs` (parallel jobs and matrix entries count once), a called workflow at its own total. */
    function criticalPath(file: string): number {
      const minutes = jobMinutes(file);
      const jobs = workflows[file].jobs;
      const memo = new Map<string, number>();
      const finish = (id: string): number => {
        if (!memo.has(id)) {
          const called = jobs[id].uses?.replace('./.github/workflows/', '');
          const own = called ? criticalPath(called) : minutes.get(id)!;
          memo.set(id, own + Math.max(0, ...needsOf(jobs[id]).map(finish)));
        }
        return memo.get(id)!;
      };
      return Math.round(Math.max(...Object.keys(jobs).map(finish)) * 10) / 10;
    }

    test('every workflow\'s row times each of its jobs, and only its jobs', () => {
      for (const [file, wf] of Object.entries(workflows)) {
        expect([file, [...jobMinutes(file).keys()].sort()]).toEqual([file, Object.keys(wf.jobs).sort()]);
        // A called workflow is timed at its own row's total.
        for (const [id, job] of Object.entries(wf.jobs).filter(([, j]) => j.uses)) {
          expect([file, id, jobMinutes(file).get(id)]).toEqual([file, id, criticalPath(job.uses!.replace('./.github/workflows/', ''))]);
        }
      }
    });

    test('each row\'s total is its longest chain of jobs, and a pull request\'s plan comment comes within 4 minutes', () => {
      for (const file of Object.keys(workflows)) {
        const [, total] = /^about (\d+(?:\.\d+)?) min\b/.exec(timeCell(file)) ?? [];
        expect([file, Number(total)]).toEqual([file, criticalPath(file)]);
      }
      expect(criticalPath('plan.yml')).toBeLessThanOrEqual(4);
    });
  });

  test('every workflow has a row in the workflow table', () => {
    for (const file of Object.keys(workflows)) expect([file, row(file)]).toEqual([file, expect.stringContaining('|')]);
  });

  test('each role-assuming workflow\'s row names the subjects its roles trust (stacks/github-oidc.ts)', () => {
    const expected: Record<string, (keyof CiSubjects)[]> = { 'plan.yml': ['prPlan'], 'drift.yml': ['plan'], 'deploy.yml': ['apply'], 'apply.yml': ['plan', 'apply'], 'rollback.yml': ['apply'] };
    for (const [file, roles] of Object.entries(expected)) {
      for (const role of roles) {
        for (const config of TARGET_ACCOUNTS[file]) {
          for (const subject of ciSubjects(config)[role].filter((s) => s.includes(`/${file}@`))) {
            const text = generic(subject).replace(`environment:${approvalEnvironment(config) ?? config.github.applyEnvironment}`, 'environment:<environment>');
            expect([file, role, row(file)]).toEqual([file, role, expect.stringContaining(`\`${text}\``)]);
          }
        }
      }
    }
  });

  test('the one-time setup starts with the OIDC subject check and sets the subject template with the exact command', () => {
    // The page whose heading is the one-time setup in GitHub; its first numbered step is the subject check.
    const setup = manual.map(({ text }) => text).find((text) => /^#+ One-time setup in GitHub/m.test(text)) ?? '';
    expect(setup.slice(setup.search(/^#+ One-time setup in GitHub/m))).toMatch(/^#+ One-time setup[^\n]*\n\n1\. [^\n]*OIDC subjects/);
    expect(setup).toContain(templateCommand(accounts[0].github));
    expect(setup).toContain('npm run check:github');
  });
});

describe('toolchain setup', () => {
  const setup = readYaml(path.join(GITHUB_DIR, 'actions', 'setup', 'action.yml')) as { runs: { steps: Step[] } };

  test('the setup action lets pip retry on runners before any step can run pip', () => {
    const [first] = setup.runs.steps;
    expect(first.run).toBe('echo "PIP_RETRIES=5" >> "$GITHUB_ENV"');
    expect((first as { shell?: string }).shell).toBe('bash');
  });

  test('runners skip the mirror search and checkpoint calls and reuse the provider from a cache keyed by the lock file', () => {
    const steps = setup.runs.steps;
    const envStep = steps.find((s) => s.run?.includes('TF_PLUGIN_CACHE_DIR='))!;
    for (const line of ['CHECKPOINT_DISABLE=1', 'TF_PROVIDER_MIRROR_SEARCH=off', 'TF_PLUGIN_CACHE_DIR=$HOME/.terraform.d/plugin-cache']) expect(envStep.run).toContain(line);
    const cache = steps.find((s) => s.uses?.startsWith('actions/cache@'))!;
    expect(cache.with).toEqual({ path: '~/.terraform.d/plugin-cache', key: expect.stringContaining("hashFiles('package-lock.json')") });
    // tools/dev/test.sh honours the switch, so `npm test` on a runner never walks the filesystem.
    expect(fs.readFileSync(path.join(ROOT, 'tools', 'dev', 'test.sh'), 'utf8')).toContain('"${TF_PROVIDER_MIRROR_SEARCH:-on}" != off');
  });

  test('the checks run as parallel jobs, joined by the one required `checks` job', () => {
    const jobs = workflows['ci.yml'].jobs as Record<string, Job & { name?: string }>;
    const independent = Object.entries(jobs).filter(([, job]) => job.needs === undefined).map(([id]) => id);
    expect(independent.length).toBeGreaterThanOrEqual(3);
    expect(jobs.checks).toMatchObject({ name: 'checks', needs: independent, if: 'always()' });
  });

  test('node_modules comes from a cache keyed on the lock file and Node version, restored everywhere but saved only from main', () => {
    // A cache saved by a pull request would be restored into jobs that hold credentials; main's
    // saves only: https://docs.github.com/actions/reference/workflows-and-actions/dependency-caching#restrictions-for-accessing-a-cache
    const steps = setup.runs.steps;
    const restore = steps.find((s) => s.uses?.startsWith('actions/cache/restore@'))!;
    const save = steps.find((s) => s.uses?.startsWith('actions/cache/save@'))!;
    const install = steps.find((s) => s.run === 'npm ci --ignore-scripts --no-audit --no-fund')!;
    expect(restore.with).toEqual({ path: 'node_modules', key: expect.stringMatching(/steps\.node\.outputs\.node-version.*hashFiles\('package-lock\.json'\)/) });
    expect(save.with).toEqual(restore.with);
    expect(install.if).toBe(`steps.${restore.id}.outputs.cache-hit != 'true'`);
    expect(save.if).toBe(`steps.${restore.id}.outputs.cache-hit != 'true' && github.event_name == 'push' && github.ref == 'refs/heads/main'`);
    expect(steps.indexOf(restore)).toBeLessThan(steps.indexOf(install));
    expect(steps.indexOf(install)).toBeLessThan(steps.indexOf(save));
    // The same actions/cache commit as the provider cache.
    const sha = (s: Step) => s.uses!.split('@')[1];
    expect(new Set([restore, save, steps.find((s) => s.uses?.startsWith('actions/cache@'))!].map(sha)).size).toBe(1);
    // Every job that installs packages does so through this action (so every one restores the cache).
    for (const { file, id, job } of allJobs) for (const script of runScripts(job)) expect([file, id, /npm ci(?! --ignore-scripts --no-audit --no-fund --prefix)/.test(script)]).toEqual([file, id, false]);
  });

  test('a merge runs the whole suite again only when its tree did not already pass the checks in its pull request', () => {
    const { tested, checks, deploy } = workflows['deploy.yml'].jobs;
    expect(runScripts(tested)).toEqual(['.github/scripts/checks-passed-on-tree.sh']);
    expect(tested.permissions).toEqual({ contents: 'read', checks: 'read', 'pull-requests': 'read' });
    expect(checks.if).toBe("needs.tested.outputs.passed != 'true'");
    expect(deploy.needs).toEqual(['tested', 'checks', 'targets']);
    expect(deploy.if).toContain("(needs.checks.result == 'success' || (needs.checks.result == 'skipped' && needs.tested.outputs.passed == 'true'))");
    expect(deploy.if).toMatch(/^!cancelled\(\) && /);
  });

  test('no workflow overrides PIP_RETRIES: the setup action is the one place it is set', () => {
    for (const file of workflowFiles()) expect([path.basename(file), fs.readFileSync(file, 'utf8').includes('PIP_RETRIES')]).toEqual([path.basename(file), false]);
  });
});

describe('dependency updates', () => {
  const dependabot = readYaml(path.join(GITHUB_DIR, 'dependabot.yml')) as { updates: { 'package-ecosystem': string; directory?: string; directories?: string[] }[] };
  const dirs = (ecosystem: string) => dependabot.updates.filter((u) => u['package-ecosystem'] === ecosystem).flatMap((u) => u.directories ?? [u.directory]);

  test('Dependabot watches npm, the pip requirements of the layer, the tests and checkov, and the actions', () => {
    expect(dirs('npm')).toEqual(['/']);
    expect(dirs('pip').sort()).toEqual(['/', '/.github/requirements', '/lambda-functions/layers/pg-driver']);
    expect(dirs('github-actions')).toEqual(['/', '/.github/actions/*']);
  });

  test('every pip directory Dependabot watches holds a requirements file', () => {
    for (const dir of dirs('pip')) {
      const files = fs.readdirSync(path.join(ROOT, dir!)).filter((name) => /^requirements.*\.txt$/.test(name) || name.endsWith('.txt'));
      expect([dir, files.length > 0]).toEqual([dir, true]);
    }
  });
});

describe('checkov', () => {
  // checkov aborts on the stacks' terraform.required_version (bridgecrewio/checkov#7454), so CI
  // scans the copy tools/ci/export-checkov.ts writes from the synthesized stacks, outside them.
  test('CI scans the copy of the synthesized stacks written for checkov, with the repository .checkov.yaml', () => {
    const scripts = runScripts(workflows['ci.yml'].jobs.scan).join('\n');
    const copy = /npx tsx tools\/ci\/export-checkov\.ts --stacks cdktf\.out\/stacks ("\$RUNNER_TEMP\/[\w-]+")/.exec(scripts);
    expect(copy).not.toBeNull();
    expect(scripts).toContain(`checkov" --config-file .checkov.yaml --directory ${copy![1]}`);
    expect(scripts.indexOf('npm run synth')).toBeLessThan(scripts.indexOf('export-checkov.ts --stacks'));
    expect(scripts.indexOf('export-checkov.ts --stacks')).toBeLessThan(scripts.indexOf('checkov" --config-file'));
  });

  test('every skipped check in .checkov.yaml carries a reason', () => {
    const text = fs.readFileSync(path.join(ROOT, '.checkov.yaml'), 'utf8');
    const skipped = (parse(text) as { 'skip-check'?: string[] })['skip-check'] ?? [];
    expect(skipped.length).toBeGreaterThan(0);
    // A reason is a comment on the entry's line or the comment lines directly above it.
    const reasons = new Map<string, string>();
    const lines = text.split('\n');
    let pending: string[] = [];
    for (const line of lines.slice(lines.findIndex((l) => /^skip-check:/.test(l)) + 1)) {
      if (/^\S/.test(line)) break;
      const comment = /^\s*#\s?(.*)$/.exec(line);
      const entry = /^\s*-\s*([\w]+)\s*(?:#\s*(.*))?$/.exec(line);
      if (comment) pending.push(comment[1]);
      else if (entry) {
        reasons.set(entry[1], [...pending, entry[2] ?? ''].join(' ').trim());
        pending = [];
      } else pending = [];
    }
    expect([...reasons.keys()].sort()).toEqual([...skipped].sort());
    for (const id of skipped) expect([id, (reasons.get(id) ?? '').length >= 20]).toEqual([expect.stringMatching(/^CKV2?_[A-Z0-9]+_\d+$/), true]);
  });
});

// Issue #12.4: the PR plan summary says when a change widens a principal's permissions compared with main.
test('the pull-request plan compares the IAM report of the change with main\'s and passes both to the summary', () => {
  const planJob = allJobs.find(({ job }) => runScripts(job).some((r) => r.includes('plan-summary.ts') && r.includes('--results')) && (job.steps ?? []).some((s) => s.run?.includes('iam:report')));
  expect(planJob).toBeDefined();
  const scripts = runScripts(planJob!.job).join('\n');
  // The change's synthesized stacks (the gated artifact) and the base commit, which is the plan job's checkout.
  expect(scripts).toMatch(/iam:report[^\n]*--outdir "\$RUNNER_TEMP\/synthesized" --json --output "\$RUNNER_TEMP\/iam-head\.json"/);
  // main's report reads the base commit's synthesis the plan job made from its checkout.
  expect(scripts).toMatch(/iam:report --silent -- --outdir "\$RUNNER_TEMP\/base" --json --output "\$RUNNER_TEMP\/iam-base\.json"/);
  expect(scripts).toContain('CDKTF_OUTDIR="$RUNNER_TEMP/base" npm run synth');
  // Both reports are made before any credential exists.
  const steps = planJob!.job.steps!;
  expect(steps.findIndex((s) => s.run?.includes('iam:report'))).toBeLessThan(steps.indexOf(assumeStep(planJob!.job)!));
  expect(scripts).toContain('--iam-base "$RUNNER_TEMP/iam-base.json" --iam-head "$RUNNER_TEMP/iam-head.json"');
});
