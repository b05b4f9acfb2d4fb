import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyRepo } from '../../build/repo-copy';

/**
 * The scaffold templates (tools/scaffold/templates/) are real Python that `npm run lint`'s Python
 * gates check like the handlers new:function copies them into: a type error in a template fails
 * tools/dev/lint-python.sh, naming the template.
 */
// Removed after the file by the temp-folder helper.
const copy = copyRepo('templates-linted-', 0, { withTests: true });

test('a type error in a template fails the Python gates, naming the template', () => {
  const templates = path.join(copy, 'tools', 'scaffold', 'templates');
  const [variant] = fs.readdirSync(templates).sort();
  const handler = path.join(templates, variant, 'handler.py');
  fs.appendFileSync(handler, '\n\nBROKEN: int = "not an int"\n');
  const result = spawnSync('bash', ['tools/dev/lint-python.sh'], { cwd: copy, encoding: 'utf8' });
  expect(result.status).toBe(1);
  expect(`${result.stdout}${result.stderr}`).toContain(`tools/scaffold/templates/${variant}/handler.py:`);
}, 240_000);
