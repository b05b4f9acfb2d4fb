import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { defaults } from '../../environments/defaults';
import { accountSchema } from '../../environments/schema';
import { CONFIGURATION_DOC, fieldsOf, jsonSchemaOf, main, REGENERATE_COMMAND, renderConfigurationDoc, UndescribedFieldError } from '../../tools/docs/configuration';
import { tempDir } from '../helpers/temp';

/**
 * Issue 22 item 3: docs/configuration.md is generated from the schema and the defaults, so it cannot
 * drift: a stale copy fails here naming the command that regenerates it, and a field without a
 * meaning cannot be documented at all.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const committed = fs.readFileSync(path.join(ROOT, CONFIGURATION_DOC), 'utf8');
const fields = fieldsOf(jsonSchemaOf(accountSchema));
/** Each table row of the page: its field path and its cells. */
const rowList = committed
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) => {
    const cells = line.split(/(?<!\\) \| /);
    return [cells[0].replace(/^\| `|`$/g, ''), cells] as const;
  });
const rows = new Map(rowList);

test(`the committed ${CONFIGURATION_DOC} is what the schema and the defaults generate (run \`${REGENERATE_COMMAND}\` when this fails)`, () => {
  if (committed !== renderConfigurationDoc()) throw new Error(`${CONFIGURATION_DOC} is stale. Run \`${REGENERATE_COMMAND}\` and commit the result.`);
});

test('every field of the schema has exactly one row, with a meaning', () => {
  expect(fields.length).toBeGreaterThan(50);
  expect(rowList.map(([field]) => field).sort()).toEqual(fields.map((field) => field.path).sort());
  for (const field of fields) expect([field.path, (field.schema.description ?? '').trim() !== '']).toEqual([field.path, true]);
});

test('each row shows the default environments/defaults.ts sets, and the range the schema admits', () => {
  const valueAt = (fieldPath: string) => fieldPath.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], defaults);
  const checked = fields.filter((field) => typeof valueAt(field.path) === 'number' || typeof valueAt(field.path) === 'string' || typeof valueAt(field.path) === 'boolean');
  expect(checked.length).toBeGreaterThan(30);
  for (const field of checked) {
    const value = valueAt(field.path);
    expect([field.path, rows.get(field.path)![2]]).toEqual([field.path, `\`${typeof value === 'string' ? `'${value}'` : String(value)}\``]);
  }
  // A bound of the schema reaches the page: backup retention is 1-35 days.
  expect(rows.get('database.backupRetentionDays')!.slice(3, 5)).toEqual(['days', '1-35']);
});

test('a field without a description is refused, naming it and the fix', () => {
  const schema = z.strictObject({ described: z.number().describe('has a meaning'), nested: z.strictObject({ bare: z.boolean() }) });
  expect(() => renderConfigurationDoc(schema, {})).toThrow(UndescribedFieldError);
  expect(() => renderConfigurationDoc(schema, {})).toThrow(/environments\/schema\.ts: nested\.bare: no description; add \.describe/);
});

test('--check exits 1 on a stale page and names the command; writing makes it current', () => {
  const file = path.join(tempDir('configuration-doc-'), 'configuration.md');
  fs.writeFileSync(file, committed.replace(/\| `database\.proxy` \|[^\n]*/, '| `database.proxy` | boolean | `true` |  |  | out of date |'));
  const errors: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((message: string) => void errors.push(message));
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    expect(main(['--check'], file)).toBe(1);
    expect(errors.join('\n')).toContain(`Run \`${REGENERATE_COMMAND}\``);
    expect(main([], file)).toBe(0);
    expect(main(['--check'], file)).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(committed);
    expect(main(['--bogus'], file)).toBe(1);
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
});
