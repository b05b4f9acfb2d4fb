import { FUNCTION_NAMES } from '../../catalogue';
import {
  activeDeployments,
  DeliveryInputError,
  deliveryClients,
  deploymentHistory,
  functionState,
  missingDeploymentGroups,
  ROLLBACK_DEPLOYMENT_CONFIG,
  ROLLBACK_DESCRIPTION,
  startDeployment,
  summarize,
  versionBeforeLastRelease,
  wasLive,
  watchDeployments,
} from './delivery';
import { parseDeliveryArgs, preflight, problemText, runCommand } from './delivery-cli';
import { answerHelp } from '../../build/cli-help';

const USAGE = 'Usage: npm run rollback -- <account> [--function <name>] [--to-version <n>] [--poll-seconds <s>] [--timeout-minutes <m>] [--check-input]';

/**
 * `--check-input` checks the arguments only (account, function, version format) and touches no
 * AWS API: rollback.yml runs it before it asks for approval or assumes a role, so a typo fails
 * fast with the choices named instead of after the reviewers approved.
 */
const CHECK_INPUT = '--check-input';

/**
 * `npm run rollback -- <account> [--function <name>] [--to-version <n>]`: moves live aliases back
 * through CodeDeploy, all at once (CodeDeployDefault.LambdaAllAtOnce), without hooks (the old
 * version already served traffic; a rollback must not wait for checks), with the groups' alarms
 * and automatic rollback overridden: during an incident the alarms are firing, and they would
 * otherwise stop the rollback and return traffic to the bad version
 * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html). The
 * default target is the version live before the last release; --to-version must name a version
 * that served the alias before. Every target is checked before anything starts, so bad input
 * changes nothing. Runs the account pre-flight first.
 */
export async function rollback(argv: readonly string[]): Promise<boolean> {
  const args = parseDeliveryArgs(argv.filter((arg) => arg !== CHECK_INPUT), USAGE, { allowToVersion: true });
  const log = (line: string) => console.log(line);
  if (argv.includes(CHECK_INPUT)) {
    log(`Rollback input is valid: account ${args.account.name}, ${args.functions.length ? `function ${args.functions.join(', ')}` : 'every function'}${args.toVersion ? `, version ${args.toVersion}` : ''}.`);
    return true;
  }
  await preflight(args.account, log);
  const clients = deliveryClients(args.account);
  const names = args.functions.length ? args.functions : [...FUNCTION_NAMES];
  const plans: { functionName: string; from: string; to: string }[] = [];
  const problems = await missingDeploymentGroups(clients, args.account, names);
  for (const functionName of problems.length ? [] : names) {
    try {
      const state = await functionState(clients, functionName);
      const active = await activeDeployments(clients, args.account, functionName);
      if (active.length) {
        problems.push(
          `${functionName}: deployment ${active.join(', ')} is still active; stop it instead (aws deploy stop-deployment --deployment-id ${active[0]} --auto-rollback-enabled), which returns the alias to its previous version`,
        );
        continue;
      }
      const history = await deploymentHistory(clients, args.account, functionName);
      let to = args.toVersion;
      if (to !== undefined && !state.versions.includes(to)) {
        problems.push(`${functionName}: version ${to} does not exist; published versions: ${state.versions.join(', ') || 'none'}`);
        continue;
      }
      if (to !== undefined && !wasLive(state, history, to)) {
        problems.push(`${functionName}: version ${to} was never released (it never served the live alias), so it is no known-good version to return to; pick one that was live, or ship it with npm run release`);
        continue;
      }
      to ??= versionBeforeLastRelease(history, state.aliasVersion);
      if (to === undefined) {
        const message = `${functionName}: no release made version ${state.aliasVersion} live, so there is no previous version to return to; pass --to-version`;
        if (args.functions.length) problems.push(message);
        else log(`${message} (skipped)`);
        continue;
      }
      if (to === state.aliasVersion) {
        log(`${functionName}: version ${to} is already live; nothing to do`);
        continue;
      }
      plans.push({ functionName, from: state.aliasVersion, to });
    } catch (error) {
      problems.push(problemText(functionName, error));
    }
  }
  if (problems.length) throw new DeliveryInputError(`Nothing was rolled back:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  if (plans.length === 0) {
    log(`Nothing to roll back in ${args.account.name}.`);
    return true;
  }
  const deployments = new Map<string, string>();
  const notStarted: string[] = [];
  for (const plan of plans) {
    try {
      const deploymentId = await startDeployment(clients, args.account, {
        functionName: plan.functionName,
        currentVersion: plan.from,
        targetVersion: plan.to,
        description: `${ROLLBACK_DESCRIPTION}${plan.functionName} ${plan.from} -> ${plan.to}`,
        deploymentConfigName: ROLLBACK_DEPLOYMENT_CONFIG,
        hooks: false,
        overrideAlarms: true,
        autoRollback: false,
      });
      deployments.set(plan.functionName, deploymentId);
      log(`${plan.functionName}: rolling back from version ${plan.from} to ${plan.to} all at once, alarms and automatic rollback overridden: ${deploymentId}`);
    } catch (error) {
      notStarted.push(`${problemText(plan.functionName, error)}; rollback not started`);
    }
  }
  const outcomes = await watchDeployments(clients, deployments, { pollSeconds: args.pollSeconds, timeoutSeconds: args.timeoutSeconds, log });
  const { ok, succeeded, failed } = summarize(outcomes, 'rollback');
  for (const line of succeeded) console.log(line);
  for (const line of [...failed, ...notStarted]) console.error(line);
  return ok && notStarted.length === 0;
}

// The command line; tests call rollback() in-process as well (__tests__/tools/delivery/release-rollback.test.ts).
if (require.main === module) {
  answerHelp(USAGE);
  runCommand(() => rollback(process.argv.slice(2)));
}
