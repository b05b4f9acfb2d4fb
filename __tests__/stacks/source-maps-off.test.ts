import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/terraform';

// Imports run in order before main.ts's first statement; source maps must be off before the
// others load, or tsx inlines a map into each module and Node parses it (stacks/source-maps-off.ts).
test('main.ts imports stacks/source-maps-off before any other module', () => {
  const source = fs.readFileSync(path.join(REPO_ROOT, 'main.ts'), 'utf8');
  const imports = [...source.matchAll(/^import\b[^'"]*['"]([^'"]+)['"]/gm)].map((match) => match[1]);
  expect(imports[0]).toBe('./stacks/source-maps-off');
  expect(imports.length).toBeGreaterThan(1);
});
