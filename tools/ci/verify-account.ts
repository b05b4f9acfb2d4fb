import { checkAccount, NoCredentialsError } from '../lib/account-guard';
import { checkConcurrencyQuota } from '../delivery/concurrency-guard';
import { accountUnitTargets, resolveStackTargets } from '../lib/stack-catalog';
import { loadEnvironments } from '../../environments/load';
import { answerHelp } from '../../build/cli-help';

/**
 * `npm run verify-account -- <stack or account>`: refuse (exit 1) unless the credentials belong to
 * the stack's account and that account's Lambda concurrency quota can hold the stack's reserved
 * concurrency. An account name checks the account once and the quota for each of its units (CI
 * plans and applies an account's units in one job).
 */
const USAGE = 'Usage: npm run verify-account -- <stack or account>   (e.g. dev, staging-bootstrap, dev-app)';

async function main(): Promise<void> {
  const [stack, ...extra] = process.argv.slice(2);
  if (!stack || extra.length) throw new Error(USAGE);
  const accounts = loadEnvironments();
  const account = accounts.find((a) => a.name === stack);
  const targets = account ? accountUnitTargets(account) : resolveStackTargets([stack], accounts);
  // The account check names what was asked for (an account, or one stack).
  const result = await checkAccount({ ...targets[0], stack });
  if (!result.ok) {
    console.error(result.message);
    process.exit(1);
  }
  console.log(result.message);
  // Only once the account is the right one: the quota answer of a foreign account means nothing.
  for (const unit of targets) {
    const concurrency = await checkConcurrencyQuota(unit);
    if (!concurrency.ok) {
      console.error(concurrency.message);
      process.exit(1);
    }
    console.log(concurrency.message);
  }
}

answerHelp(USAGE);
main().catch((error: Error) => {
  console.error(error instanceof NoCredentialsError ? error.message : `Account check could not run: ${error.message}`);
  process.exit(1);
});
