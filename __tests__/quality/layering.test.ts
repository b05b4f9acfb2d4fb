import * as fs from 'node:fs';
import * as path from 'node:path';
import { importsOf, resolveImport, tsFilesBelow } from '../helpers/imports';
import { tempDir } from '../helpers/temp';

/**
 * Issue 22 item 4: the app's folders import downwards only. aws/ is the floor; environments/
 * (configuration) stands on it; rules/ and iam/ (the synth-time checks and the IAM model) never
 * reach up into the stacks or sideways into the tooling; constructs/ never reach up into the
 * stacks that compose them. (That no app folder imports tools/ at all is a separate test.)
 */
const REPO_ROOT = path.resolve(__dirname, '..', '..');

interface Layer {
  /** Top-level folder whose files are checked. */
  readonly folder: string;
  /** Top-level folders (or root files) of ours it may import; undefined: any except `never`. */
  readonly only?: readonly string[];
  readonly never?: readonly string[];
  readonly fix: string;
}

const LAYERS: readonly Layer[] = [
  { folder: 'aws', only: [], fix: 'aws/ holds AWS facts and CIDR helpers and imports nothing of ours; move what it needs into aws/ or pass it in' },
  { folder: 'environments', only: ['aws'], fix: 'environments/ may import aws/ only; move the shared piece down to aws/ (or into environments/), never import a construct or a stack' },
  { folder: 'rules', never: ['stacks', 'tools'], fix: 'rules/ may not import stacks/ or tools/; pass the value in, or move it to iam/ or aws/' },
  { folder: 'iam', never: ['stacks', 'tools'], fix: 'iam/ may not import stacks/ or tools/; take the value as a parameter (see escalationChecks) or move it to iam/ or aws/' },
  { folder: 'constructs', never: ['stacks'], fix: 'constructs/ may not import stacks/; pass the value in through the construct\'s props' },
];

/**
 * The one allowed exception, type-only so nothing of constructs/ runs in environments/: issue 22
 * item 5 made the alarms construct own its thresholds' type and the configuration schema satisfy
 * it (`satisfies z.ZodType<AlarmThresholds>`), which puts a mismatch at the schema field.
 */
const TYPE_ONLY_EXCEPTIONS: ReadonlyArray<{ readonly from: string; readonly to: string }> = [{ from: 'environments/schema.ts', to: 'constructs/alarms.ts' }];

/** The first path segment below the root: a top-level folder, or a root file such as main.ts. */
function topLevel(root: string, file: string): string {
  return path.relative(root, file).split(path.sep)[0];
}

/** Every import that breaks a layer's rule, as "file:line imports 'x' (folder/): fix". */
function layeringViolations(root: string, layers: readonly Layer[] = LAYERS): string[] {
  const violations: string[] = [];
  for (const layer of layers) {
    for (const file of tsFilesBelow(path.join(root, layer.folder))) {
      for (const found of importsOf(file)) {
        if (!found.specifier.startsWith('.')) continue;
        const target = resolveImport(file, found.specifier) ?? path.resolve(path.dirname(file), found.specifier);
        const to = topLevel(root, target);
        if (to === layer.folder) continue;
        const allowed = layer.only ? layer.only.includes(to) : !(layer.never ?? []).includes(to);
        const from = path.relative(root, file).split(path.sep).join('/');
        const toFile = path.relative(root, target).split(path.sep).join('/');
        const excepted = found.typeOnly && TYPE_ONLY_EXCEPTIONS.some((e) => e.from === from && (toFile === e.to || `${toFile}.ts` === e.to));
        if (!allowed && !excepted) violations.push(`${from}:${found.line} imports '${found.specifier}' (${to}/): ${layer.fix}`);
      }
    }
  }
  return violations;
}

test('every layer the rules name is a folder with TypeScript in it, read from disk', () => {
  const folders = fs.readdirSync(REPO_ROOT, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  for (const { folder } of LAYERS) {
    expect(folders).toContain(folder);
    expect(tsFilesBelow(path.join(REPO_ROOT, folder)).length).toBeGreaterThan(0);
  }
});

test('the app folders import downwards only (aws/ <- environments/; rules/, iam/ never stacks/ or tools/; constructs/ never stacks/)', () => {
  expect(layeringViolations(REPO_ROOT)).toEqual([]);
});

test('the documented exception is still type-only and still needed (remove it from the list when it goes)', () => {
  for (const { from, to } of TYPE_ONLY_EXCEPTIONS) {
    const uses = importsOf(path.join(REPO_ROOT, from)).filter((i) => i.resolved === path.join(REPO_ROOT, to));
    expect(uses.length).toBeGreaterThan(0);
    expect(uses.every((i) => i.typeOnly)).toBe(true);
  }
});

describe('the check itself, on a small tree', () => {
  function tree(files: Record<string, string>): string {
    const root = tempDir('layering-');
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      fs.writeFileSync(path.join(root, name), text);
    }
    return root;
  }

  test('names the file, line, import and fix of an upward import, and accepts the allowed ones', () => {
    const root = tree({
      'aws/facts.ts': "export const A = 1;\n",
      'stacks/app.ts': "export const S = 1;\n",
      'rules/engine.ts': "import { A } from '../aws/facts';\n\nimport {\n  S,\n} from '../stacks/app';\nexport const R = A + S;\n",
      'environments/schema.ts': "import { A } from '../aws/facts';\nexport const E = A;\n",
    });
    expect(layeringViolations(root)).toEqual([`rules/engine.ts:5 imports '../stacks/app' (stacks/): ${LAYERS.find((l) => l.folder === 'rules')!.fix}`]);
  });

  test('the exception covers a type-only import of the alarms construct from the schema, not a value import', () => {
    const files = { 'constructs/alarms.ts': 'export interface AlarmThresholds { readonly x: number }\nexport const V = 1;\n' };
    const typeOnly = tree({ ...files, 'environments/schema.ts': "import type { AlarmThresholds } from '../constructs/alarms';\nexport type T = AlarmThresholds;\n" });
    expect(layeringViolations(typeOnly)).toEqual([]);
    const value = tree({ ...files, 'environments/schema.ts': "import { V } from '../constructs/alarms';\nexport const T = V;\n" });
    expect(layeringViolations(value)).toEqual([`environments/schema.ts:1 imports '../constructs/alarms' (constructs/): ${LAYERS.find((l) => l.folder === 'environments')!.fix}`]);
  });
});
