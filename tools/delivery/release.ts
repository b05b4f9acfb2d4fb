import { resolveFunctionSettings } from '../../catalogue/function-settings';
import { DEPLOYMENT_STRATEGIES } from '../../environments/deployment-strategies';
import {
  activeDeployments,
  DeliveryInputError,
  deliveryClients,
  deploymentHistory,
  type FunctionState,
  functionState,
  missingDeploymentGroups,
  releaseTarget,
  startDeployment,
  summarize,
  watchDeployments,
} from './delivery';
import { parseDeliveryArgs, preflight, problemText, runCommand } from './delivery-cli';
import { answerHelp } from '../../build/cli-help';

const USAGE = 'Usage: npm run release -- <account> [--function <name>]... [--override-alarms] [--poll-seconds <s>] [--timeout-minutes <m>]';

/**
 * `npm run release -- <account>`: after the apply published new versions, starts one CodeDeploy
 * deployment per function whose newest published version CodeDeploy has never deployed (see
 * releaseTarget: a version a failed deployment or a rollback moved away from is never shipped
 * again), with the function's strategy (its deployment group's configuration), shows progress and
 * exits 1 naming every function that failed, rolled back or could not start, and why.
 *
 * Before anything starts it checks every function and its deployment group, so bad input starts
 * nothing; a group with an active deployment (ListDeployments: Created, Queued, InProgress, Ready)
 * is left alone and reported. `--override-alarms` turns the groups' alarm polling off for these
 * deployments: a fix shipped while the incident it fixes keeps the alarms firing. Runs the account
 * pre-flight first.
 */
export async function release(argv: readonly string[]): Promise<boolean> {
  const args = parseDeliveryArgs(argv, USAGE, { allowToVersion: false, allowOverrideAlarms: true });
  const log = (line: string) => console.log(line);
  await preflight(args.account, log);
  const settings = resolveFunctionSettings(args.account).filter((fn) => args.functions.length === 0 || args.functions.includes(fn.name));
  const clients = deliveryClients(args.account);

  const problems = await missingDeploymentGroups(clients, args.account, settings.map((fn) => fn.name));
  const plans: { name: string; state: FunctionState; target: string }[] = [];
  const busy: string[] = [];
  const unchanged: string[] = [];
  if (problems.length === 0) {
    for (const fn of settings) {
      try {
        const state = await functionState(clients, fn.name);
        const active = await activeDeployments(clients, args.account, fn.name);
        if (active.length) {
          busy.push(`${fn.name}: deployment ${active.join(', ')} is still active; not starting another (CodeDeploy allows one per group)`);
          continue;
        }
        const choice = releaseTarget(state, await deploymentHistory(clients, args.account, fn.name, state.newestModified));
        if (choice.target === undefined) unchanged.push(`${fn.name} (${choice.reason})`);
        else plans.push({ name: fn.name, state, target: choice.target });
      } catch (error) {
        problems.push(problemText(fn.name, error));
      }
    }
  }
  if (problems.length) throw new DeliveryInputError(`Nothing was released in ${args.account.name}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  for (const line of busy) log(line);
  if (unchanged.length) log(`Not deployed: ${unchanged.join('; ')}`);
  if (plans.length === 0) {
    log(busy.length ? 'Nothing released.' : `Nothing to release in ${args.account.name}: no newly published version.`);
    return busy.length === 0;
  }

  const deployments = new Map<string, string>();
  const notStarted: string[] = [];
  for (const plan of plans) {
    const strategy = settings.find((fn) => fn.name === plan.name)?.deploymentStrategy;
    try {
      const deploymentId = await startDeployment(clients, args.account, {
        functionName: plan.name,
        currentVersion: plan.state.aliasVersion,
        targetVersion: plan.target,
        description: `release ${plan.name} ${plan.state.aliasVersion} -> ${plan.target}`,
        overrideAlarms: args.overrideAlarms,
      });
      deployments.set(plan.name, deploymentId);
      const alarms = args.overrideAlarms ? '; alarms overridden (--override-alarms)' : '';
      log(`${plan.name}: releasing version ${plan.target} (live: ${plan.state.aliasVersion}) with ${strategy} (${strategy ? DEPLOYMENT_STRATEGIES[strategy] : 'group default'})${alarms}: ${deploymentId}`);
    } catch (error) {
      // Reported with the others once the started deployments are watched, never thrown mid-loop.
      notStarted.push(`${problemText(plan.name, error)}; release not started`);
    }
  }
  const outcomes = await watchDeployments(clients, deployments, { pollSeconds: args.pollSeconds, timeoutSeconds: args.timeoutSeconds, log });
  const { ok, succeeded, failed } = summarize(outcomes, 'release');
  for (const line of succeeded) console.log(line);
  for (const line of [...failed, ...notStarted]) console.error(line);
  return ok && notStarted.length === 0 && busy.length === 0;
}

// The command line; tests call release() in-process as well (__tests__/tools/delivery/release-rollback.test.ts).
if (require.main === module) {
  answerHelp(USAGE);
  runCommand(() => release(process.argv.slice(2)));
}
