import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * Each diagram parsed by Mermaid (11.x, under happy-dom, in a child Node process): null when it
 * parses as a flowchart, else the parser's message. One process for all diagrams keeps it fast.
 */
export function mermaidErrors(diagrams: readonly string[]): (string | null)[] {
  let output: string;
  try {
    output = execFileSync(process.execPath, [path.join(__dirname, 'mermaid-parse.mjs')], {
      input: JSON.stringify(diagrams),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '');
    const hint = /Cannot find (package|module)/.test(stderr) ? ' (the dev dependencies mermaid and happy-dom are missing: run `npm install`)' : '';
    throw new Error(`The Mermaid parser did not run${hint}:\n${stderr}`, { cause: error });
  }
  return JSON.parse(output) as (string | null)[];
}

/** The Mermaid source of every ```mermaid block in a Markdown text. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}
