import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { functionFile, type FunctionSpec, type HttpRoute } from '../catalogue';

/**
 * Problems with the function sources that would otherwise surface only in Lambda or in pytest:
 * a catalogue entry without handler.py, a route listed twice, a handler importing a shared module
 * its entry does not list (the zip would lack it), and Python that does not compile. The build
 * runs this before writing anything; every problem names the file, the line or entry and the fix.
 */
export class FunctionSourceError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The function sources cannot be built:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'FunctionSourceError';
  }
}


/** Routes whose method and path repeat an earlier one, numbered from 1 as a person counts them. */
export function duplicateRouteProblems(routes: readonly HttpRoute[]): string[] {
  return routes.flatMap((route, i) => {
    const first = routes.findIndex((r) => r.method === route.method && r.path === route.path);
    if (first === i) return [];
    const other = routes[first];
    return [
      `${functionFile(route.functionName)}: HTTP_ROUTES route ${i + 1} (${route.method} ${route.path} -> ${route.functionName}) repeats route ${first + 1} ` +
        `(${other.method} ${other.path} -> ${other.functionName}); API Gateway has one integration per method and path: change the path or method of one of them`,
    ];
  });
}

/** Every top-level `import x` / `from x import` of a shared module, with its 1-based line. */
function sharedImports(source: string, sharedModules: readonly string[]): { module: string; line: number }[] {
  return source.split('\n').flatMap((text, index) => {
    const match = /^(?:import|from)\s+([A-Za-z_]\w*)/.exec(text);
    return match && sharedModules.includes(match[1]) ? [{ module: match[1], line: index + 1 }] : [];
  });
}

// Compiles each file named on the command line (no bytecode written) and prints the syntax errors as JSON.
const COMPILE_SCRIPT = `
import json, sys
errors = []
for name in sys.argv[1:]:
    try:
        with open(name, "rb") as handle:
            compile(handle.read(), name, "exec", dont_inherit=True)
    except SyntaxError as exc:
        errors.append({"file": name, "line": exc.lineno or 0, "message": exc.msg})
print(json.dumps(errors))
`;

/** Python syntax errors of `files` (paths relative to rootDir), compiled by `python` in one process. */
function syntaxProblems(rootDir: string, files: readonly string[], python: string): string[] {
  if (files.length === 0) return [];
  const output = execFileSync(python, ['-I', '-c', COMPILE_SCRIPT, ...files], { cwd: rootDir, encoding: 'utf8' });
  return (JSON.parse(output) as { file: string; line: number; message: string }[]).map(
    (e) => `${e.file}:${e.line}: Python syntax error: ${e.message}; fix that line (\`${python} -m py_compile ${e.file}\` shows it)`,
  );
}

export interface SourceCheckOptions {
  readonly rootDir: string;
  readonly functions: readonly FunctionSpec[];
  readonly routes: readonly HttpRoute[];
  readonly sharedModules: readonly string[];
  /** The packaged files of a function folder (relative names), as the build zips them. */
  readonly packagedFiles: (functionDir: string) => string[];
  readonly python: string;
  /**
   * The fingerprint this check returned last time (the build keeps it in .build/cache.json): when
   * the compiled sources and the interpreter are unchanged they are not compiled again, which
   * spares every synth a Python start-up.
   */
  readonly compiledFingerprint?: string;
}

/** What a syntax check depends on: the interpreter named and every compiled file's path and bytes. */
function compileFingerprint(rootDir: string, files: readonly string[], python: string): string {
  const hash = createHash('sha256').update(python).update('\0');
  for (const file of files) hash.update(file).update('\0').update(fs.readFileSync(path.join(rootDir, file))).update('\0');
  return hash.digest('hex');
}

/**
 * Throws FunctionSourceError listing every problem; when the sources can be built, returns the
 * fingerprint of what was compiled (pass it back as compiledFingerprint to skip an unchanged check).
 */
export function checkFunctionSources(options: SourceCheckOptions): string {
  const { rootDir, functions } = options;
  const problems: string[] = [...duplicateRouteProblems(options.routes)];
  const toCompile: string[] = [];
  for (const fn of functions) {
    const folder = path.join('lambda-functions', fn.name);
    const files = fs.existsSync(path.join(rootDir, folder)) ? options.packagedFiles(path.join(rootDir, folder)) : [];
    if (!files.includes('handler.py')) {
      problems.push(
        `${folder}/handler.py: missing, but ${functionFile(fn.name)} defines the function ${fn.name}; create it (npm run new:function writes one) or remove the entry`,
      );
    }
    for (const file of files) {
      const relative = `${folder}/${file}`;
      toCompile.push(relative);
      for (const { module, line } of sharedImports(fs.readFileSync(path.join(rootDir, relative), 'utf8'), options.sharedModules)) {
        if (!fn.sharedModules.includes(module as FunctionSpec['sharedModules'][number])) {
          problems.push(
            `${relative}:${line}: imports the shared module ${module}, which ${fn.name} does not list in sharedModules (${functionFile(fn.name)}), so its zip would not contain it; add '${module}' to that list`,
          );
        }
      }
    }
  }
  for (const module of options.sharedModules) {
    const file = `lambda-functions/shared/${module}.py`;
    if (fs.existsSync(path.join(rootDir, file))) toCompile.push(file);
  }
  const fingerprint = compileFingerprint(rootDir, toCompile, options.python);
  if (fingerprint !== options.compiledFingerprint) problems.push(...syntaxProblems(rootDir, toCompile, options.python));
  if (problems.length) throw new FunctionSourceError(problems);
  return fingerprint;
}
