import { checkAccount } from './lib/account-guard';
import { resolveStackTargets } from './lib/stack-catalog';

/** `npm run verify-account -- <stack>`: refuse (exit 1) unless the credentials belong to the stack's account. */
async function main(): Promise<void> {
  const [stack, ...extra] = process.argv.slice(2);
  if (!stack || extra.length) throw new Error('Usage: npm run verify-account -- <stack>   (e.g. dev, staging-bootstrap)');
  const [target] = resolveStackTargets([stack]);
  const result = await checkAccount(target);
  if (!result.ok) {
    console.error(result.message);
    process.exit(1);
  }
  console.log(result.message);
}

main().catch((error: Error) => {
  console.error(`Account check could not run: ${error.message}`);
  process.exit(1);
});
