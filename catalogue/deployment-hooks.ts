import { FUNCTIONS, type FunctionSpec, type SharedModule } from '.';

/**
 * The CodeDeploy lifecycle hooks of every release: one zip (lambda-functions/deployment-hooks/,
 * built with the functions) deployed as two functions, each with its own role.
 *
 * Their names start with CodeDeployHook_, CodeDeploy's convention for hook functions (AWS's managed
 * policy AWSCodeDeployRoleForLambdaLimited invokes CodeDeployHook_*); the service role here names
 * these two functions exactly instead (constructs/function-delivery.ts), and renaming them would
 * replace them.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForLambdaLimited.html
 */
export const DEPLOYMENT_HOOKS_FOLDER = 'deployment-hooks';

export const DEPLOYMENT_HOOK_SHARED_MODULES: readonly SharedModule[] = ['platform_log'];

/** Generated into the hooks' zip from the catalogue's dryRun entries. */
export const DRY_RUN_EVENTS_FILE = 'dry_run_events.json';

export interface DeploymentHookSpec {
  readonly functionName: string;
  /** module.function inside the zip. */
  readonly handler: string;
  /** The AppSpec lifecycle event it serves. */
  readonly lifecycleEvent: 'BeforeAllowTraffic' | 'AfterAllowTraffic';
  readonly description: string;
}

export const PRE_TRAFFIC_HOOK: DeploymentHookSpec = {
  functionName: 'CodeDeployHook_pre-traffic',
  handler: 'handler.before_allow_traffic',
  lifecycleEvent: 'BeforeAllowTraffic',
  description: "Invokes a release's new version with its catalogue dry-run event before any traffic moves",
};

export const POST_TRAFFIC_HOOK: DeploymentHookSpec = {
  functionName: 'CodeDeployHook_post-traffic',
  handler: 'handler.after_allow_traffic',
  lifecycleEvent: 'AfterAllowTraffic',
  description: 'Runs the post-deploy checks of lambda-test-runner after traffic moved',
};

/** The function whose live alias the post-traffic hook invokes synchronously: the post-deploy checks. */
export const POST_TRAFFIC_TARGET = 'lambda-test-runner';

/**
 * The reserved concurrency of each hook and of the post-traffic hook's target. A release of every
 * function runs one deployment per deployment group at once, each invoking both hooks, and every
 * post-traffic hook invokes POST_TRAFFIC_TARGET synchronously; Lambda answers an invoke beyond a
 * function's reservation with 429 TooManyRequestsException
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html), which fails the hook.
 */
export function hookConcurrency(deploymentGroups: number): number {
  return deploymentGroups;
}

/** {function name: {event, expect?, expectKeys?}} as the pre-traffic hook reads it. */
export function dryRunEventsJson(functions: readonly FunctionSpec[] = FUNCTIONS): string {
  return `${JSON.stringify(Object.fromEntries(functions.map((fn) => [fn.name, fn.dryRun])), null, 2)}\n`;
}
