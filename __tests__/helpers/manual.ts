import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The manual: README.md (the front door) and every Markdown file under docs/. Tests that check what
 * the manual states read it through here, so a topic can move between files without a test
 * noticing, while every fact it states is still checked.
 */
export const MANUAL_ROOT = path.resolve(__dirname, '..', '..');

/** Repository-relative paths of the README and every docs/ Markdown file, sorted. */
export function manualFiles(root: string = MANUAL_ROOT): string[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) return walk(rel);
      return entry.name.endsWith('.md') ? [rel] : [];
    });
  return ['README.md', ...walk('docs').sort()];
}

/** Each manual file with its text. */
export function manualTexts(root: string = MANUAL_ROOT): { file: string; text: string }[] {
  return manualFiles(root).map((file) => ({ file, text: fs.readFileSync(path.join(root, file), 'utf8') }));
}

/** The rows (not header or separator) of every Markdown table in `text`. */
export function tableRows(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('| ') && !/^\|[-| :]+\|$/.test(line));
}
