import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/** One import of a TypeScript file, as written. */
export interface Import {
  readonly file: string;
  /** 1-based line of the import's module specifier. */
  readonly line: number;
  readonly specifier: string;
  /** `import type ...`, or every named binding is `type X`: erased at compile time. */
  readonly typeOnly: boolean;
  /** The file a relative specifier names (undefined for packages and node: modules). */
  readonly resolved: string | undefined;
}

/** The .ts file a relative specifier names, as Node's resolution with tsx finds it. */
export function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  return [base, `${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
}

function typeOnlyClause(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((element) => element.isTypeOnly);
}

/** Every import, export ... from, dynamic import() and require() of a file, with its line. */
export function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: Import[] = [];
  const add = (literal: ts.Expression, typeOnly: boolean): void => {
    if (!ts.isStringLiteral(literal)) return;
    const line = source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1;
    found.push({ file, line, specifier: literal.text, typeOnly, resolved: resolveImport(file, literal.text) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, typeOnlyClause(node.importClause));
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.arguments.length === 1) {
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isRequire || node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every .ts file below a folder (test data and node_modules excluded). */
export function tsFilesBelow(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return (fs.readdirSync(folder, { recursive: true }) as string[])
    .filter((entry) => entry.endsWith('.ts') && !entry.split(path.sep).includes('node_modules'))
    .map((entry) => path.join(folder, entry))
    .sort();
}

/** The files `entries` reach through their relative imports (themselves included). */
export function reachableFrom(entries: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file) || !file.endsWith('.ts')) continue;
    seen.add(file);
    for (const { resolved } of importsOf(file)) if (resolved) queue.push(resolved);
  }
  return seen;
}
