import { synthesizedAccounts } from '../helpers/iam';
import { ciRoleTests } from './ci-roles';
import { functionPairs, servicePairs, staleGuards, wrongDecisions } from './workload-roles';

// One synthesis of the real app for the whole IAM simulation suite (its budget: 15 s of npm test).
const accounts = synthesizedAccounts();

ciRoleTests(accounts);

describe.each(accounts.map((a) => [a.config.name, a] as const))('%s workload', (_name, account) => {
  test('every call each function\'s code and Lambda make for it is allowed, and the same call on a sibling resource is denied', async () => {
    const pairs = functionPairs(account);
    expect(pairs.length).toBeGreaterThan(0);
    expect(await wrongDecisions(account.model, pairs)).toEqual([]);
  });

  test('AWS services acting on our resources are allowed, and the same service for another account is denied', async () => {
    const pairs = servicePairs(account);
    expect(pairs.length).toBeGreaterThan(0);
    expect(await wrongDecisions(account.model, pairs)).toEqual([]);
  });
});

test('every configuration guard of the call derivation names a call the code makes', () => {
  expect(staleGuards()).toEqual([]);
});
