import * as fs from 'node:fs';
import * as path from 'node:path';
import { FUNCTION_NAMES, functionFile, HTTP_ROUTES } from '../../catalogue';
import { FUNCTION_DEFAULTS } from '../../catalogue/defaults';
import { regenerateDerivedFiles, REPO_ROOT, runScaffoldCli, ScaffoldError, writeFileAtomically } from './scaffold';
import { answerHelp } from '../../build/cli-help';

/**
 * `npm run new:function -- <name> --trigger http|schedule|queue|manual [--vpc]` writes the
 * function's catalogue file catalogue/functions/<name>.ts (for HTTP with its route) and its one line
 * in catalogue/functions/index.ts, and lambda-functions/<name>/handler.py and a passing pytest from
 * the templates in tools/scaffold/templates/, all of which the suite then checks like every other function. --vpc makes it a
 * database function: private subnets, the driver layer, the DB_* settings and the db-login grant.
 * Refuses a taken name or route; on any error nothing is written.
 */

const USAGE = 'Usage: npm run new:function -- <name> --trigger http|schedule|queue|manual [--vpc]';
const TRIGGERS = ['http', 'schedule', 'queue', 'manual'] as const;
type TriggerKind = (typeof TRIGGERS)[number];

export interface NewFunctionRequest {
  readonly name: string;
  readonly trigger: TriggerKind;
  /** A database function: runs in the VPC with the driver layer and logs in to PostgreSQL. */
  readonly vpc: boolean;
}

/** The list of the catalogue's function files, one line each. */
export const FUNCTION_LIST_FILE = path.join('catalogue', 'functions', 'index.ts');

/** Handler and test templates: real Python files (linted and type-checked) written for this placeholder name. */
const TEMPLATES_DIR = path.join(__dirname, 'templates');
export const TEMPLATE_NAME = 'scaffold-template';

export function parseNewFunctionArgs(args: readonly string[]): NewFunctionRequest {
  const problems: string[] = [];
  const positional: string[] = [];
  let trigger: string | undefined;
  let vpc = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--trigger') {
      trigger = args[++i];
      if (trigger === undefined) problems.push('--trigger needs a value');
    } else if (arg === '--vpc') {
      vpc = true;
    } else if (arg.startsWith('--')) {
      problems.push(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1) problems.push(positional.length ? `one function name, not ${positional.join(' ')}` : 'the function name is missing');
  if (trigger === undefined) problems.push('--trigger is missing');
  else if (!(TRIGGERS as readonly string[]).includes(trigger)) problems.push(`--trigger '${trigger}' is not one of ${TRIGGERS.join(', ')}`);
  if (problems.length) throw new ScaffoldError(`${problems.join('; ')}.\n${USAGE}`);
  return { name: positional[0], trigger: trigger as TriggerKind, vpc };
}

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const snake = (name: string) => name.replace(/-/g, '_');

/** The route an HTTP function gets: GET /<name>, no request body (edit it in HTTP_ROUTES). */
function routeOf(name: string): { method: 'GET'; path: string; operationId: string } {
  return { method: 'GET', path: `/${name}`, operationId: `get${camel(name).replace(/^./, (c) => c.toUpperCase())}` };
}

// Defaults by trigger: HTTP and queue functions serve bursts; scheduled and manual ones run one at
// a time. A queue consumer's timeout stays well below the event queue's 60 s visibility timeout.
const SIZES: Record<TriggerKind, { timeoutSeconds: number; reservedConcurrency: number }> = {
  http: { timeoutSeconds: 10, reservedConcurrency: 5 },
  queue: { timeoutSeconds: 10, reservedConcurrency: 5 },
  schedule: { timeoutSeconds: 60, reservedConcurrency: 1 },
  manual: { timeoutSeconds: 60, reservedConcurrency: 1 },
};

const TRIGGER_TEXT: Record<TriggerKind, string> = {
  http: "{ kind: 'http' }",
  schedule: "{ kind: 'schedule', scheduleExpression: 'rate(1 hour)' }",
  queue: "{ kind: 'queue', batchSize: 10, maximumBatchingWindowSeconds: 5 }",
  manual: "{ kind: 'manual' }",
};

/** A harmless request the written handler understands, and the answer the hook expects of it. */
const DRY_RUN_TEXT: Record<TriggerKind, (request: NewFunctionRequest) => string> = {
  http: (request) => `{ event: apiRequest('${routeOf(request.name).method}', '${routeOf(request.name).path}'), expect: { statusCode: 200 } }`,
  schedule: (request) => `{ event: { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, expect: { function: '${request.name}' } }`,
  queue: () => '{ event: { Records: [] }, expect: { batchItemFailures: [] } }',
  manual: (request) => `{ event: {}, expect: { function: '${request.name}' } }`,
};

function sharedModulesOf(request: NewFunctionRequest): string[] {
  return ['platform_log', ...(request.vpc ? ['platform_db'] : []), ...(request.trigger === 'http' ? ['platform_http'] : [])];
}

/** The function's catalogue file: only what differs from catalogue/defaults.ts. */
export function catalogueFileText(request: NewFunctionRequest): string {
  const { name, trigger, vpc } = request;
  const grants = [...(vpc ? [`{ kind: 'db-login', user: '${snake(name)}' }`] : []), ...(trigger === 'queue' ? ["{ kind: 'queue-consume' }"] : [])];
  const modules = sharedModulesOf(request);
  const route = routeOf(name);
  const helpers = [...(trigger === 'http' ? ['apiRequest'] : []), ...(vpc ? ['databaseEnvironment'] : []), 'defineFunction'];
  const lines = [
    `  name: '${name}',`,
    `  description: '${name} (written by npm run new:function; say what it does)',`,
    ...(SIZES[trigger].timeoutSeconds === FUNCTION_DEFAULTS.timeoutSeconds ? [] : [`  timeoutSeconds: ${SIZES[trigger].timeoutSeconds},`]),
    `  reservedConcurrency: ${SIZES[trigger].reservedConcurrency},`,
    ...(vpc ? ['  vpc: true,', "  layers: ['pg-driver'],"] : []),
    ...(modules.length === 1 ? [] : [`  sharedModules: [${modules.map((m) => `'${m}'`).join(', ')}],`]),
    `  trigger: ${TRIGGER_TEXT[trigger]},`,
    ...(vpc ? [`  environment: databaseEnvironment('${snake(name)}'),`] : []),
    ...(grants.length ? [`  grants: [${grants.join(', ')}],`] : []),
    '  // What the CodeDeploy pre-traffic hook sends each new version (lambda-functions/deployment-hooks).',
    `  dryRun: ${DRY_RUN_TEXT[trigger](request)},`,
    ...(trigger === 'http'
      ? [`  routes: [{ method: '${route.method}', path: '${route.path}', operationId: '${route.operationId}', summary: 'Answers ${route.method} ${route.path} (${name})' }],`]
      : []),
  ];
  return `import { ${helpers.join(', ')} } from '../defaults';\n\nexport default defineFunction({\n${lines.join('\n')}\n});\n`;
}

/** functions/index.ts with the function's one line, in name order among the others. */
export function functionListWithLine(source: string, request: NewFunctionRequest): string {
  const line = `export { default as ${camel(request.name)} } from './${request.name}';`;
  const lines = source.split('\n');
  const exports = lines.map((text, index) => [text, index] as const).filter(([text]) => text.startsWith('export { default as '));
  if (!exports.length) throw new ScaffoldError(`${FUNCTION_LIST_FILE}: cannot find its export lines; add '${line}' by hand (see catalogue/README.md)`);
  const after = exports.filter(([text]) => /'\.\/([^']+)';$/.exec(text)![1] < request.name).pop();
  const at = after ? after[1] + 1 : exports[0][1];
  return [...lines.slice(0, at), line, ...lines.slice(at)].join('\n');
}

/** The template folder for a request: tools/scaffold/templates/<trigger>[-database]/. */
function templateDir(request: NewFunctionRequest): string {
  return path.join(TEMPLATES_DIR, `${request.trigger}${request.vpc ? '-database' : ''}`);
}

/** A template with its placeholder name (TEMPLATE_NAME, and its snake_case role) replaced. */
function fromTemplate(file: string, request: NewFunctionRequest): string {
  return fs.readFileSync(file, 'utf8').replaceAll(TEMPLATE_NAME, request.name).replaceAll(snake(TEMPLATE_NAME), snake(request.name));
}

/** handler.py: the template of its trigger (and database access), a real Python file ruff and mypy check. */
export function handlerText(request: NewFunctionRequest): string {
  return fromTemplate(path.join(templateDir(request), 'handler.py'), request);
}

/** tests/test_<name>.py: passes against the handler as written, with a fake context and minimal events. */
export function testText(request: NewFunctionRequest): string {
  const dir = templateDir(request);
  const [test] = fs.readdirSync(dir).filter((file) => file.startsWith('test_'));
  return fromTemplate(path.join(dir, test), request);
}

export const MIGRATIONS_FILE = path.join('lambda-functions', 'shared', 'platform_migrations.py');

/** platform_migrations.py with the database function's own role and the one grant its starter handler uses (README "Database roles"). */
export function migrationsWithRole(source: string, request: NewFunctionRequest): string {
  const opening = 'FUNCTION_ROLE_GRANTS: dict[str, tuple[str, ...]] = {';
  const start = source.indexOf(opening);
  const end = start < 0 ? -1 : source.indexOf('\n}\n', start);
  if (end < 0) throw new ScaffoldError(`${MIGRATIONS_FILE}: cannot find FUNCTION_ROLE_GRANTS; add the role '${snake(request.name)}' by hand (README "Database roles")`);
  const role = snake(request.name);
  const entry = `    # ${request.name}: the privileges its code uses (the starter handler reads schema_migrations: replace with its own).\n    "${role}": ("GRANT SELECT ON schema_migrations TO ${role}",),`;
  return `${source.slice(0, end + 1)}${entry}${source.slice(end)}`;
}

/** Writes the catalogue entry, handler and test; returns the files written. */
export function newFunction(request: NewFunctionRequest, root: string = REPO_ROOT): { created: string[]; edited: Map<string, string> } {
  const problems: string[] = [];
  const folder = path.join(root, 'lambda-functions', request.name);
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(request.name) || request.name.length > 64) {
    problems.push(`name '${request.name}': use lower-case words joined by dashes (e.g. device-status), at most 64 characters (Lambda's function name limit)`);
  }
  if ((FUNCTION_NAMES as readonly string[]).includes(request.name)) problems.push(`'${request.name}' is already a function of the catalogue (${functionFile(request.name)}); choose another name`);
  if (['shared', 'layers', 'testing'].includes(request.name)) problems.push(`'${request.name}' is a folder of lambda-functions/ that is not a function; choose another name`);
  else if (fs.existsSync(folder)) problems.push(`${path.relative(root, folder)} already exists; choose another name or remove the folder`);
  const catalogueFile = path.join(root, functionFile(request.name));
  if (fs.existsSync(catalogueFile) && !(FUNCTION_NAMES as readonly string[]).includes(request.name)) problems.push(`${functionFile(request.name)} already exists; choose another name or remove the file`);
  if (request.trigger === 'http') {
    const route = routeOf(request.name);
    const taken = HTTP_ROUTES.findIndex((r) => r.method === route.method && r.path === route.path);
    if (taken >= 0) problems.push(`route ${route.method} ${route.path} is already route ${taken + 1} of HTTP_ROUTES (${HTTP_ROUTES[taken].functionName}); choose another name`);
  }
  if (problems.length) throw new ScaffoldError(`Cannot add function '${request.name}':\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  const listFile = path.join(root, FUNCTION_LIST_FILE);
  const list = fs.readFileSync(listFile, 'utf8');
  const updatedList = functionListWithLine(list, request);
  const migrationsFile = path.join(root, MIGRATIONS_FILE);
  const migrations = fs.readFileSync(migrationsFile, 'utf8');
  const withRole = request.vpc ? migrationsWithRole(migrations, request) : migrations;
  const testFile = path.join(folder, 'tests', `test_${snake(request.name)}.py`);
  const texts = [catalogueFileText(request), handlerText(request), testText(request)];
  fs.mkdirSync(path.dirname(testFile), { recursive: true });
  try {
    writeFileAtomically(path.join(folder, 'handler.py'), texts[1]);
    writeFileAtomically(testFile, texts[2]);
    writeFileAtomically(catalogueFile, texts[0]);
    writeFileAtomically(listFile, updatedList);
    if (request.vpc) writeFileAtomically(migrationsFile, withRole);
  } catch (error) {
    fs.rmSync(folder, { recursive: true, force: true });
    fs.rmSync(catalogueFile, { force: true });
    fs.writeFileSync(listFile, list);
    fs.writeFileSync(migrationsFile, migrations);
    throw error;
  }
  return { created: [folder, catalogueFile], edited: new Map([[listFile, list], [migrationsFile, migrations]]) };
}

function main(): void {
  const request = parseNewFunctionArgs(process.argv.slice(2));
  const { created, edited } = newFunction(request);
  regenerateDerivedFiles(created, edited);
  const folder = path.join('lambda-functions', request.name);
  console.log(`Wrote ${functionFile(request.name)}${request.trigger === 'http' ? ` with the route ${routeOf(request.name).method} ${routeOf(request.name).path}` : ''} (and its line in ${FUNCTION_LIST_FILE}), ${folder}/handler.py and ${folder}/tests/test_${snake(request.name)}.py.`);
  console.log(`Fill in by hand:
  - ${functionFile(request.name)}: its description, sizes, environment and grants (what it may touch)${request.trigger === 'http' ? ', and in routes its method, path and request body schema' : ''}${request.trigger === 'schedule' ? ', and its scheduleExpression' : ''}
  - ${folder}/handler.py and its test: the logic; list every lambda-functions/shared module it imports in sharedModules${request.trigger === 'queue' ? '\n  - it consumes the account\'s event queue (software-update-events) next to software-event-update-handler: each message goes to one of them' : ''}
Then: npm run synth && npm test`);
}

if (require.main === module) {
  answerHelp(USAGE);
  runScaffoldCli(main);
}
