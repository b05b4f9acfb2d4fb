/**
 * How CodeDeploy shifts a function's `live` alias to a new version: the account configuration's
 * `delivery.strategy` (and `functions.<name>.deploymentStrategy`) name one of these. Each maps onto
 * one of CodeDeploy's predefined deployment configurations for the Lambda compute platform, so the
 * value is one AWS knows and no custom aws_codedeploy_deployment_config is needed.
 * Source (the predefined Lambda configurations and what each shifts when):
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
 */
export const DEPLOYMENT_STRATEGIES = {
  /** Every request moves to the new version at once (after the pre-traffic hook passed). */
  'all-at-once': 'CodeDeployDefault.LambdaAllAtOnce',
  /** 10% of requests for the interval, then the rest at once. */
  'canary-10-percent-5-minutes': 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
  'canary-10-percent-10-minutes': 'CodeDeployDefault.LambdaCanary10Percent10Minutes',
  'canary-10-percent-15-minutes': 'CodeDeployDefault.LambdaCanary10Percent15Minutes',
  'canary-10-percent-30-minutes': 'CodeDeployDefault.LambdaCanary10Percent30Minutes',
  /** 10% more of the requests every interval (ten steps). */
  'linear-10-percent-every-1-minute': 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
  'linear-10-percent-every-2-minutes': 'CodeDeployDefault.LambdaLinear10PercentEvery2Minutes',
  'linear-10-percent-every-3-minutes': 'CodeDeployDefault.LambdaLinear10PercentEvery3Minutes',
  'linear-10-percent-every-10-minutes': 'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes',
} as const;

export type DeploymentStrategy = keyof typeof DEPLOYMENT_STRATEGIES;

/**
 * Minutes a strategy keeps part of the traffic on the old version, i.e. how long a deployment alarm
 * has to stop it before every request is on the new version (same source). all-at-once has none:
 * the deployment ends before a one-minute alarm period is evaluated, so alarms never roll it back.
 */
export const SHIFT_MINUTES: Record<DeploymentStrategy, number> = {
  'all-at-once': 0,
  'canary-10-percent-5-minutes': 5,
  'canary-10-percent-10-minutes': 10,
  'canary-10-percent-15-minutes': 15,
  'canary-10-percent-30-minutes': 30,
  'linear-10-percent-every-1-minute': 9,
  'linear-10-percent-every-2-minutes': 18,
  'linear-10-percent-every-3-minutes': 27,
  'linear-10-percent-every-10-minutes': 90,
};

export const DEPLOYMENT_STRATEGY_NAMES = Object.keys(DEPLOYMENT_STRATEGIES) as [DeploymentStrategy, ...DeploymentStrategy[]];

/** The strategy of an on-demand rollback: the old version must get every request back at once. */
export const ROLLBACK_STRATEGY: DeploymentStrategy = 'all-at-once';

export function isDeploymentStrategy(value: string): value is DeploymentStrategy {
  return Object.hasOwn(DEPLOYMENT_STRATEGIES, value);
}

/** The account's CodeDeploy application (one per account; one deployment group per function). */
export function deliveryApplicationName(config: { readonly organisation: string }): string {
  return `${config.organisation}-functions`;
}
