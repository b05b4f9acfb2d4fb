import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root (tools/scaffold/..). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A scaffolding request that cannot be carried out; the message names what and the fix. */
export class ScaffoldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScaffoldError';
  }
}

/**
 * Writes a file whole or not at all: into a hidden sibling first (no loader picks up a `.partial`
 * name), then renamed over the target, so a crash never leaves half a file in the repository.
 */
export function writeFileAtomically(file: string, text: string): void {
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.partial`);
  fs.writeFileSync(partial, text);
  fs.renameSync(partial, file);
}

/** Files the generators below rewrite, restored when one of them fails. */
function generatedFiles(root: string): string[] {
  const docs = path.join(root, 'docs', 'architecture');
  const diagrams = fs.existsSync(docs) ? fs.readdirSync(docs).map((name) => path.join(docs, name)) : [];
  return [path.join(root, 'docs', 'security-rules.md'), path.join(root, '.checkov.yaml'), ...diagrams];
}

/**
 * Regenerates what the tests compare against the account list and the catalogue: the function zips
 * (build/build-artifacts.ts, which the stacks read), the rules page (docs/security-rules.md) and .checkov.yaml
 * (tools/ci/export-checkov.ts) and, where the repository has them, the
 * architecture diagrams (`npm run diagram`). On failure every file is put back as it was and the
 * `created` files are removed, so the command leaves nothing half-done.
 */
export function regenerateDerivedFiles(created: readonly string[], edited: ReadonlyMap<string, string> = new Map(), root: string = REPO_ROOT): void {
  const before = new Map(generatedFiles(root).filter((f) => fs.existsSync(f)).map((f) => [f, fs.readFileSync(f)]));
  const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  // The stacks reference the built zips, so the build (a no-op when warm) comes first, as in synth.
  const steps: [string, string[]][] = [
    [tsx, ['build/build-artifacts.ts']],
    [tsx, ['tools/ci/export-checkov.ts']],
  ];
  if (scripts.diagram) steps.push(['npm', ['run', '--silent', 'diagram']]);
  try {
    for (const [command, args] of steps) execFileSync(command, args, { cwd: root, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    for (const file of generatedFiles(root)) if (!before.has(file)) fs.rmSync(file, { force: true });
    for (const [file, content] of before) fs.writeFileSync(file, content);
    for (const [file, content] of edited) fs.writeFileSync(file, content);
    for (const file of created) fs.rmSync(file, { recursive: true, force: true });
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new ScaffoldError(`Regenerating the files derived from the accounts and the catalogue failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/**
 * Runs a scaffolding command as a CLI: a ScaffoldError is the user's mistake, printed as its
 * one-paragraph message with a non-zero exit and no stack trace; nothing was written by then.
 */
export function runScaffoldCli(main: () => void): void {
  try {
    main();
  } catch (error) {
    if (!(error instanceof ScaffoldError)) throw error;
    console.error(error.message);
    console.error('Nothing was written.');
    process.exit(1);
  }
}
