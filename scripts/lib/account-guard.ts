import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { StackTarget } from './stack-catalog';

export interface AccountCheck {
  readonly ok: boolean;
  readonly expectedAccountId: string;
  readonly actualAccountId: string;
  readonly callerArn: string;
  readonly message: string;
}

/**
 * The pre-flight lock on the account door: asks STS who the current credentials belong to and
 * compares that with the account the target stack lives in. The STS endpoint follows the SDK's
 * standard AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL settings, which is how tests point it at the
 * local stand-in.
 */
export async function checkAccount(target: StackTarget, client?: STSClient): Promise<AccountCheck> {
  const sts = client ?? new STSClient({ region: target.account.region });
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  const actual = identity.Account ?? '';
  const expected = target.account.accountId;
  const ok = actual === expected;
  const message = ok
    ? `Account check passed: stack '${target.stack}' targets ${target.account.name} (${expected}) and the credentials are ${identity.Arn}.`
    : `Account check FAILED: stack '${target.stack}' belongs to ${target.account.name} (${expected}) but the current credentials ` +
      `are for account ${actual} (${identity.Arn}). Assume the ${target.account.name} account's role before planning or applying.`;
  return { ok, expectedAccountId: expected, actualAccountId: actual, callerArn: identity.Arn ?? '', message };
}
