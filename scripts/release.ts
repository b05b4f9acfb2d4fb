import { resolveFunctionSettings } from '../lambda-functions/function-settings';
import { DEPLOYMENT_STRATEGIES } from '../environments/deployment-strategies';
import { deliveryClients, type FunctionState, functionState, startDeployment, summarize, watchDeployments } from './lib/delivery';
import { parseDeliveryArgs, preflight, runCommand } from './lib/delivery-cli';
import { answerHelp } from './lib/cli-help';

const USAGE = 'Usage: npm run release -- <account> [--function <name>]... [--poll-seconds <s>] [--timeout-minutes <m>]';

/**
 * `npm run release -- <account>`: after the apply published new versions, starts one CodeDeploy
 * deployment per function whose newest version is not what its live alias serves, with the
 * function's strategy (its deployment group's configuration), shows progress and exits 1 naming
 * every function that failed or rolled back and why. Runs the account pre-flight first.
 */
export async function release(argv: readonly string[]): Promise<boolean> {
  const args = parseDeliveryArgs(argv, USAGE, { allowToVersion: false });
  const log = (line: string) => console.log(line);
  await preflight(args.account, log);
  const settings = resolveFunctionSettings(args.account).filter((fn) => args.functions.length === 0 || args.functions.includes(fn.name));
  const clients = deliveryClients(args.account);
  const states = new Map<string, FunctionState>();
  for (const fn of settings) states.set(fn.name, await functionState(clients, fn.name));

  const busy = [...states.values()].filter((state) => state.shiftingTo.length > 0);
  const changed = settings.filter((fn) => {
    const state = states.get(fn.name) as FunctionState;
    return state.shiftingTo.length === 0 && state.versions.length > 0 && state.versions[state.versions.length - 1] !== state.aliasVersion;
  });
  for (const state of busy) log(`${state.functionName}: a shift to version ${state.shiftingTo.join(', ')} is in progress; not starting another`);
  if (changed.length === 0) {
    log(busy.length ? 'Nothing released.' : `Nothing to release in ${args.account.name}: every live alias serves its newest version.`);
    return busy.length === 0;
  }
  const deployments = new Map<string, string>();
  for (const fn of changed) {
    const state = states.get(fn.name) as FunctionState;
    const target = state.versions[state.versions.length - 1];
    const deploymentId = await startDeployment(clients, args.account, {
      functionName: fn.name,
      currentVersion: state.aliasVersion,
      targetVersion: target,
      description: `release ${fn.name} ${state.aliasVersion} -> ${target}`,
    });
    deployments.set(fn.name, deploymentId);
    log(`${fn.name}: releasing version ${target} (live: ${state.aliasVersion}) with ${fn.deploymentStrategy} (${DEPLOYMENT_STRATEGIES[fn.deploymentStrategy]}): ${deploymentId}`);
  }
  const unchanged = settings.filter((fn) => !deployments.has(fn.name) && !busy.some((s) => s.functionName === fn.name));
  if (unchanged.length) log(`Unchanged, not deployed: ${unchanged.map((fn) => fn.name).join(', ')}`);
  const outcomes = await watchDeployments(clients, deployments, { pollSeconds: args.pollSeconds, timeoutSeconds: args.timeoutSeconds, log });
  const { ok, succeeded, failed } = summarize(outcomes, 'release');
  for (const line of succeeded) console.log(line);
  for (const line of failed) console.error(line);
  return ok && busy.length === 0;
}

// The command line; tests call release() in-process as well (__tests__/scripts/release-rollback.test.ts).
if (require.main === module) {
  answerHelp(USAGE);
  runCommand(() => release(process.argv.slice(2)));
}
