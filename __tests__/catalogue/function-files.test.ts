import * as fs from 'node:fs';
import * as path from 'node:path';
import { FUNCTION_NAMES, FUNCTIONS, functionFile } from '../../catalogue';
import { defineFunction, FUNCTION_DEFAULTS } from '../../catalogue/defaults';
import { REPO_ROOT } from '../build/repo-copy';

const FUNCTIONS_DIR = path.join(REPO_ROOT, 'catalogue', 'functions');
const files = fs.readdirSync(FUNCTIONS_DIR).filter((file) => file.endsWith('.ts') && file !== 'index.ts');

describe('one file per function', () => {
  // Errors name catalogue/functions/<name>.ts: that must be the file that defines <name>.
  test.each(files)('%s defines the function named like the file', async (file) => {
    const module = (await import(path.join(FUNCTIONS_DIR, file))) as { default: { spec: { name: string } } };
    expect(functionFile(module.default.spec.name)).toBe(`catalogue/functions/${file}`);
  });

  test('every file is a function of the catalogue, and every function has its file', () => {
    expect(files.map((file) => file.replace(/\.ts$/, '')).sort()).toEqual([...FUNCTION_NAMES].sort());
  });

  test('catalogue/functions/index.ts lists each file on one line', () => {
    const lines = fs.readFileSync(path.join(FUNCTIONS_DIR, 'index.ts'), 'utf8').split('\n').filter((line) => line.startsWith('export '));
    expect(lines).toEqual(files.map((file) => expect.stringMatching(new RegExp(`from '\\./${file.replace(/\.ts$/, '')}';$`))));
  });
});

describe('defaults are written once', () => {
  const minimal = { name: 'minimal', description: 'x', reservedConcurrency: 1, trigger: { kind: 'manual' }, dryRun: { event: {} } } as const;

  test('a field a file leaves out gets its default; a field it writes wins', () => {
    const { spec } = defineFunction({ ...minimal, memoryMiB: 256 });
    expect(spec).toEqual({ ...FUNCTION_DEFAULTS, ...minimal, memoryMiB: 256 });
  });

  test('a field the spec does not know is kept for the schema to name, not dropped', () => {
    const { spec } = defineFunction({ ...minimal, ...({ envirnoment: {} } as object) });
    expect(spec).toHaveProperty('envirnoment');
  });

  test('no function file repeats a default value (it would hide what differs)', () => {
    for (const file of files) {
      const source = fs.readFileSync(path.join(FUNCTIONS_DIR, file), 'utf8');
      for (const [field, value] of Object.entries(FUNCTION_DEFAULTS)) {
        expect([file, source.includes(`  ${field}: ${JSON.stringify(value).replace(/"/g, "'")},`)]).toEqual([file, false]);
      }
    }
  });

  test('the assembled catalogue is every file with the defaults applied', () => {
    for (const fn of FUNCTIONS) expect(Object.keys(fn)).toEqual(expect.arrayContaining(Object.keys(FUNCTION_DEFAULTS)));
  });
});
