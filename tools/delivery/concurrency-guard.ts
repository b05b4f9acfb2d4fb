import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { resolveFunctionSettings } from '../../catalogue/function-settings';
import { hookConcurrency } from '../../catalogue/deployment-hooks';
import { DATABASE_ADMIN } from '../../catalogue/database-admin';
import { unitStackName } from '../../environments/units';
import type { StackTarget } from '../lib/stack-catalog';

/**
 * Lambda keeps at least this many concurrent executions of an account unreserved: a function's
 * reserved concurrency may only take what is above it ("You can reserve up to the Unreserved account
 * concurrency value minus 100", https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
 */
export const LAMBDA_MINIMUM_UNRESERVED = 100;
/** Service Quotas code of Lambda's "Concurrent executions" quota (per account and region). */
export const LAMBDA_CONCURRENCY_QUOTA_CODE = 'L-B99A9384';

export interface ConcurrencyCheck {
  readonly ok: boolean;
  /** AccountLimit.ConcurrentExecutions, or undefined when the stack has no functions (nothing asked). */
  readonly accountLimit?: number;
  /** Sum of the reserved concurrency of the stack's functions in this account. */
  readonly reserved: number;
  /** What the quota must be: the reservations plus the unreserved minimum (0 when nothing is reserved). */
  readonly required: number;
  readonly message: string;
}

/**
 * Every reservation the stack synthesizes in its account: the catalogue's functions (with the
 * account's overrides), the two CodeDeploy hooks (constructs/function-delivery.ts), which reserve
 * hookConcurrency(one deployment group per function) each, and database-admin
 * (constructs/database-admin.ts), which every account's workload stack has.
 */
export function reservedConcurrencyOf(target: StackTarget): number {
  if (unitStackName(target.account.name, 'app') !== target.stack) return 0;
  const functions = resolveFunctionSettings(target.account);
  const own = functions.reduce((sum, fn) => sum + (fn.reservedConcurrency === 'off' ? 0 : fn.reservedConcurrency), 0);
  return own + 2 * hookConcurrency(functions.length) + DATABASE_ADMIN.reservedConcurrency;
}

/**
 * The pre-flight's second question: can the account hold the stack's reserved concurrency? A new
 * account's quota is often 10 (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html:
 * "New AWS accounts have reduced concurrency and memory quotas"), and then the first apply fails
 * part-way on PutFunctionConcurrency. Asks Lambda's GetAccountSettings (AWS_ENDPOINT_URL_LAMBDA /
 * AWS_ENDPOINT_URL point it at a stand-in) only when something is reserved.
 */
export async function checkConcurrencyQuota(target: StackTarget, client?: LambdaClient): Promise<ConcurrencyCheck> {
  const reserved = reservedConcurrencyOf(target);
  if (reserved === 0) {
    return { ok: true, reserved, required: 0, message: `Concurrency check: stack '${target.stack}' reserves no Lambda concurrency; nothing to check.` };
  }
  const lambda = client ?? new LambdaClient({ region: target.account.region });
  const settings = await lambda.send(new GetAccountSettingsCommand({}));
  const accountLimit = settings.AccountLimit?.ConcurrentExecutions;
  if (accountLimit === undefined) throw new Error('Lambda GetAccountSettings returned no AccountLimit.ConcurrentExecutions');
  const required = reserved + LAMBDA_MINIMUM_UNRESERVED;
  const { name, accountId, region } = target.account;
  const ok = accountLimit >= required;
  const message = ok
    ? `Concurrency check passed: ${name} (${accountId}, ${region}) allows ${accountLimit} concurrent Lambda executions; ` +
      `the functions reserve ${reserved} and ${LAMBDA_MINIMUM_UNRESERVED} stay unreserved (needs ${required}).`
    : `Concurrency check FAILED: ${name} (${accountId}, ${region}) allows ${accountLimit} concurrent Lambda executions ` +
      `(AccountLimit.ConcurrentExecutions), but its functions reserve ${reserved} and Lambda keeps ${LAMBDA_MINIMUM_UNRESERVED} ` +
      `unreserved, so it needs at least ${required}; the apply would fail setting reserved concurrency. Request the quota first: ` +
      `Service Quotas > AWS Lambda > "Concurrent executions" (quota code ${LAMBDA_CONCURRENCY_QUOTA_CODE}) in ${region}, e.g. ` +
      `aws service-quotas request-service-quota-increase --service-code lambda --quota-code ${LAMBDA_CONCURRENCY_QUOTA_CODE} ` +
      `--desired-value ${required} --region ${region}. Or turn functions.<name>.reservedConcurrency down (or 'off') in the account file.`;
  return { ok, accountLimit, reserved, required, message };
}
