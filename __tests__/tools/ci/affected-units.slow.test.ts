import * as fs from 'node:fs';
import * as path from 'node:path';
import { changedUnits } from '../../../tools/ci/affected-accounts';
import { loadEnvironments } from '../../../environments/load';
import { resolveFunctionSettings } from '../../../catalogue/function-settings';
import { runApp, sharedSynth } from '../../helpers/terraform';
import { tempDir } from '../../helpers/temp';

/**
 * Issue 23 item 3 on the real app: a change to one function (its memory, through the account
 * overrides file the app reads) changes the synthesized JSON of `app` only, so a pull request plans
 * only `app` (and dependents only where `app`'s outputs change, decided when it is planned).
 */
const accounts = loadEnvironments();
const [account] = accounts;

test("one function's setting touches only the app unit of its account, and no unit of another account", () => {
  const [fn] = resolveFunctionSettings(account);
  const dir = tempDir('affected-units-');
  const overrides = path.join(dir, 'overrides.json');
  fs.writeFileSync(overrides, JSON.stringify({ [account.name]: { functions: { [fn.name]: { memoryMiB: fn.memoryMiB === 256 ? 512 : 256 } } } }));
  const head = path.join(dir, 'out');
  const result = runApp(head, { INFRA_OVERRIDES_FILE: overrides });
  expect([result.status, result.stderr]).toEqual([0, expect.any(String)]);
  const base = sharedSynth();
  expect(changedUnits(account, base, head)).toEqual(['app']);
  for (const other of accounts.filter((a) => a.name !== account.name)) expect([other.name, changedUnits(other, base, head)]).toEqual([other.name, []]);
}, 300_000);
