import { checkAccount, NoCredentialsError } from '../lib/account-guard';
import { checkConcurrencyQuota } from '../delivery/concurrency-guard';
import { resolveStackTargets } from '../lib/stack-catalog';
import { answerHelp } from '../../build/cli-help';

/**
 * `npm run verify-account -- <stack>`: refuse (exit 1) unless the credentials belong to the stack's
 * account and that account's Lambda concurrency quota can hold the stack's reserved concurrency.
 */
const USAGE = 'Usage: npm run verify-account -- <stack>   (e.g. dev, staging-bootstrap)';

async function main(): Promise<void> {
  const [stack, ...extra] = process.argv.slice(2);
  if (!stack || extra.length) throw new Error(USAGE);
  const [target] = resolveStackTargets([stack]);
  const result = await checkAccount(target);
  if (!result.ok) {
    console.error(result.message);
    process.exit(1);
  }
  console.log(result.message);
  // Only once the account is the right one: the quota answer of a foreign account means nothing.
  const concurrency = await checkConcurrencyQuota(target);
  if (!concurrency.ok) {
    console.error(concurrency.message);
    process.exit(1);
  }
  console.log(concurrency.message);
}

answerHelp(USAGE);
main().catch((error: Error) => {
  console.error(error instanceof NoCredentialsError ? error.message : `Account check could not run: ${error.message}`);
  process.exit(1);
});
