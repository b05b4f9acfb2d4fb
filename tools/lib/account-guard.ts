import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { StackTarget } from './stack-catalog';

/** The commands that check the account first; each needs credentials of a different principal. */
export type GuardedCommand = 'verify-account' | 'bootstrap:state';

/** No AWS credentials at all: the message says which account and role, and how to get them. */
export class NoCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoCredentialsError';
  }
}

function noCredentialsMessage(target: StackTarget, command: GuardedCommand): string {
  const { account } = target;
  const role = (name: string) => `arn:aws:iam::${account.accountId}:role/${name}`;
  const who =
    command === 'bootstrap:state'
      ? `an administrator of account ${account.name} (${account.accountId}): the state bucket comes before the CI roles, which do not exist yet`
      : `account ${account.name} (${account.accountId}): in CI the job assumes ${role(account.ci.planRoleName)} (plan) or ` +
        `${role(account.ci.applyRoleName)} (apply) through GitHub OIDC; locally any role of that account will do`;
  return (
    `npm run ${command} found no AWS credentials. It needs credentials of ${who}. Sign in first, e.g. ` +
    '`aws sso login --profile <profile>` and run it again with AWS_PROFILE=<profile>, or export AWS_ACCESS_KEY_ID, ' +
    'AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Nothing was checked or written.'
  );
}

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
export async function checkAccount(target: StackTarget, client?: STSClient, command: GuardedCommand = 'verify-account'): Promise<AccountCheck> {
  const sts = client ?? new STSClient({ region: target.account.region });
  let identity;
  try {
    identity = await sts.send(new GetCallerIdentityCommand({}));
  } catch (error) {
    // The SDK's credential chain found nothing (no environment keys, profile, SSO session or role).
    if ((error as Error).name === 'CredentialsProviderError') throw new NoCredentialsError(noCredentialsMessage(target, command));
    throw error;
  }
  const actual = identity.Account ?? '';
  const expected = target.account.accountId;
  const ok = actual === expected;
  const message = ok
    ? `Account check passed: stack '${target.stack}' targets ${target.account.name} (${expected}) and the credentials are ${identity.Arn}.`
    : `Account check FAILED: stack '${target.stack}' belongs to ${target.account.name} (${expected}) but the current credentials ` +
      `are for account ${actual} (${identity.Arn}). Assume the ${target.account.name} account's role before planning or applying.`;
  return { ok, expectedAccountId: expected, actualAccountId: actual, callerArn: identity.Arn ?? '', message };
}
