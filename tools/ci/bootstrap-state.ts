import { S3Client } from '@aws-sdk/client-s3';
import { loadEnvironments } from '../../environments/load';
import { checkAccount, NoCredentialsError } from '../lib/account-guard';
import { resolveStackTargets } from '../lib/stack-catalog';
import { ensureStateBucket } from '../lib/state-bucket';
import { accountStacks } from '../../stacks/app';
import { answerHelp } from '../../build/cli-help';

/**
 * `npm run bootstrap:state -- <account>`: creates the account's Terraform state bucket (the one
 * thing that must exist before any backend can be used). Verifies the credentials' account first.
 */
async function main(): Promise<void> {
  const [accountName, ...extra] = process.argv.slice(2);
  const accounts = loadEnvironments();
  if (!accountName || extra.length) {
    throw new Error(`Usage: npm run bootstrap:state -- <account>   (one of: ${accounts.map((a) => a.name).join(', ')})`);
  }
  const account = accounts.find((a) => a.name === accountName);
  if (!account) throw new Error(`Unknown account '${accountName}'; the accounts are: ${accounts.map((a) => a.name).join(', ')}`);
  const [target] = resolveStackTargets([accountStacks(account)[0].stack], accounts);
  const check = await checkAccount(target, undefined, 'bootstrap:state');
  if (!check.ok) {
    console.error(check.message);
    process.exit(1);
  }
  const created = await ensureStateBucket(new S3Client({ region: account.region }), target.stateBucket, account.region);
  console.log(`${created ? 'Created' : 'Updated'} state bucket ${target.stateBucket} in ${account.name} (${account.accountId}): versioned, KMS-encrypted, public access blocked, TLS only.`);
}

answerHelp('Usage: npm run bootstrap:state -- <account>   (an account file name of environments/accounts; run with administrator credentials of that account)');
main().catch((error: Error) => {
  console.error(error instanceof NoCredentialsError ? error.message : `bootstrap:state failed: ${error.message}`);
  process.exit(1);
});
