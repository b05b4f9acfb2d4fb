import * as fs from 'node:fs';
import * as path from 'node:path';
import { FUNCTION_NAMES, HTTP_ROUTES } from '../../catalogue';
import { regenerateDerivedFiles, REPO_ROOT, runScaffoldCli, ScaffoldError, writeFileAtomically } from './scaffold';
import { answerHelp } from '../../scripts/lib/cli-help';

/**
 * `npm run new:function -- <name> --trigger http|schedule|queue|manual [--vpc]` adds the catalogue
 * entry (and for HTTP its route), lambda-functions/<name>/handler.py on the shared modules and a
 * passing pytest, all of which the suite then checks like every other function. --vpc makes it a
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

export const CATALOGUE_FILE = path.join('catalogue', 'catalogue.ts');

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

/** The FUNCTIONS entry, as text in the catalogue's style. */
export function catalogueEntryText(request: NewFunctionRequest): string {
  const { name, trigger, vpc } = request;
  const grants = [...(vpc ? [`{ kind: 'db-login', user: '${snake(name)}' }`] : []), ...(trigger === 'queue' ? ["{ kind: 'queue-consume' }"] : [])];
  const list = (items: readonly string[]) => `[${items.join(', ')}]`;
  return `  {
    name: '${name}',
    description: '${name} (written by npm run new:function; say what it does)',
    handler: HANDLER,
    runtime: DEFAULT_RUNTIME,
    architecture: 'arm64',
    memoryMiB: 128,
    timeoutSeconds: ${SIZES[trigger].timeoutSeconds},
    reservedConcurrency: ${SIZES[trigger].reservedConcurrency},
    vpc: ${vpc},
    layers: ${vpc ? "['pg-driver']" : '[]'},
    sharedModules: ${list(sharedModulesOf(request).map((m) => `'${m}'`))},
    trigger: ${TRIGGER_TEXT[trigger]},
    environment: ${vpc ? `databaseEnvironment('${snake(name)}')` : '{}'},
    grants: ${list(grants)},
    // What the CodeDeploy pre-traffic hook sends each new version (lambda-functions/deployment-hooks).
    dryRun: ${DRY_RUN_TEXT[trigger](request)},
  },
`;
}

/** Inserts `text` before the `];` (or `] as const;`) closing the array that starts at `opening`. */
function insertBeforeClose(source: string, opening: string, close: RegExp, text: string): string {
  const start = source.indexOf(opening);
  if (start < 0) throw new ScaffoldError(`${CATALOGUE_FILE}: cannot find '${opening}'; add the entry by hand (see the README)`);
  close.lastIndex = start;
  const match = close.exec(source);
  if (!match) throw new ScaffoldError(`${CATALOGUE_FILE}: cannot find the end of '${opening}'; add the entry by hand (see the README)`);
  return source.slice(0, match.index + 1) + text + source.slice(match.index + 1);
}

/** The catalogue source with the function's name, entry and (HTTP) route added. */
export function catalogueWithFunction(source: string, request: NewFunctionRequest): string {
  let next = insertBeforeClose(source, 'export const FUNCTION_NAMES = [', /\n\] as const;/g, `  '${request.name}',\n`);
  next = insertBeforeClose(next, 'export const FUNCTIONS: readonly FunctionSpec[] = [', /\n\];/g, catalogueEntryText(request));
  if (request.trigger === 'http') {
    const route = routeOf(request.name);
    next = insertBeforeClose(
      next,
      'export const HTTP_ROUTES: readonly HttpRoute[] = [',
      /\n\];/g,
      `  {\n    method: '${route.method}',\n    path: '${route.path}',\n    functionName: '${request.name}',\n    operationId: '${route.operationId}',\n    summary: 'Answers ${route.method} ${route.path} (${request.name})',\n  },\n`,
    );
  }
  return next;
}

const HEADER = (request: NewFunctionRequest, what: string) => `"""${request.name}: ${what}

Written by npm run new:function: the logic lives in plain functions, handler() is the thin Lambda adapter.
"""

from __future__ import annotations
`;

/** handler.py: typed, on the shared modules the catalogue entry lists, in the shape of the other handlers. */
export function handlerText(request: NewFunctionRequest): string {
  const { name, trigger, vpc } = request;
  const imports = [
    'from typing import Any',
    '',
    ...(vpc ? ['import pg8000.native', ''] : []),
    ...(vpc ? ['from platform_db import ReusedConnection'] : []),
    ...(trigger === 'http' ? ['from platform_http import BadRequest, json_response'] : []),
    'from platform_log import bind_invocation, get_logger',
  ];
  const db = vpc
    ? `

# The execution environment's connection, kept between invocations.
db = ReusedConnection("${name}", CONNECT_TIMEOUT_SECONDS, log)


def database_state(connection: pg8000.native.Connection) -> dict[str, Any]:
    """A starter read through the role's own grant (platform_migrations.FUNCTION_ROLE_GRANTS): replace it with the function's work."""
    ((now, user, version),) = connection.run("SELECT clock_timestamp()::text, current_user, (SELECT max(version) FROM schema_migrations)")
    return {"databaseTime": str(now), "databaseUser": str(user), "schemaVersion": version}`
    : '';
  const constants = `${vpc ? 'CONNECT_TIMEOUT_SECONDS = 2\n' : ''}log = get_logger("${name}")`;
  const result = vpc ? `{"function": "${name}", **db.run(database_state)}` : `{"function": "${name}"}`;
  const bodies: Record<TriggerKind, string> = {
    http: `

def answer(event: Any) -> dict[str, Any]:
    """The response body for an API Gateway proxy event."""
    if not isinstance(event, dict):
        raise BadRequest("expected an API Gateway proxy event object")
    return ${result}


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    try:
        body = answer(event)
    except BadRequest as exc:
        log.info("bad request", extra={"fields": {"error": str(exc)}})
        return json_response(400, {"message": str(exc)})
    log.info("answered")
    return json_response(200, body)
`,
    schedule: `

class BadEvent(Exception):
    pass


def parse_event(event: Any) -> None:
    """Accepts the EventBridge scheduled event only; anything else is a misrouted invocation."""
    if not isinstance(event, dict) or event.get("detail-type") != "Scheduled Event" or event.get("source") != "aws.events":
        raise BadEvent('expected an EventBridge scheduled event (source "aws.events", detail-type "Scheduled Event")')


def run() -> dict[str, Any]:
    return ${result}


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    try:
        parse_event(event)
    except BadEvent as exc:
        log.warning("not a scheduled event", extra={"fields": {"error": str(exc)}})
        return {"statusCode": 400, "message": str(exc)}
    result = run()
    log.info("ran", extra={"fields": result})
    return result
`,
    queue: `

class BadMessage(Exception):
    pass


def process(body: str) -> dict[str, Any]:
    """One message's work; a message that cannot be handled raises, so only it is retried."""
    if not body:
        raise BadMessage("the message body is empty")
    return ${result}


def handler(event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    """SQS batch with partial batch responses: only the failed messages return to the queue."""
    bind_invocation(context)
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        raise BadMessage("expected an SQS event with Records")
    failures: list[dict[str, str]] = []
    for record in records:
        message_id = str(record.get("messageId", "")) if isinstance(record, dict) else ""
        try:
            process(str(record.get("body", "")) if isinstance(record, dict) else "")
        except BadMessage as exc:
            log.warning("message failed", extra={"fields": {"messageId": message_id, "error": str(exc)}})
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
`,
    manual: `

def run(event: Any) -> dict[str, Any]:
    del event  # Invoked directly; the payload carries nothing yet.
    return ${result}


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    result = run(event)
    log.info("ran", extra={"fields": result})
    return result
`,
  };
  const what = { http: `answers GET /${name}.`, schedule: 'runs on its schedule.', queue: 'consumes the event queue.', manual: 'runs when invoked directly.' }[trigger];
  return `${HEADER(request, what)}\n${imports.join('\n')}\n\n${constants}${db}\n${bodies[trigger]}`;
}

/** tests/test_<name>.py: passes against the handler as written, with a fake context and minimal events. */
export function testText(request: NewFunctionRequest): string {
  const { name, trigger, vpc } = request;
  const lines: string[] = ['from __future__ import annotations', '', ...(vpc ? ['from collections.abc import Iterator'] : []), 'from types import ModuleType'];
  const typing = [...(vpc ? ['TYPE_CHECKING'] : []), ...(trigger === 'http' || trigger === 'schedule' ? ['Any'] : [])];
  if (typing.length) lines.push(`from typing import ${typing.join(', ')}`);
  lines.push('', 'import pytest', '');
  if (vpc) lines.push('import platform_db', 'import platform_migrations');
  lines.push('from testing.lambda_runtime import FakeContext, load_handler', '');
  if (vpc) lines.push('if TYPE_CHECKING:', '    from conftest import Database', '');
  lines.push(`CONTEXT = FakeContext("${name}")`, '', '');
  if (vpc) {
    lines.push(
      '@pytest.fixture',
      'def handler(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:',
      '    # As after a deploy: the migrations create the tables and this function\'s role with its grants.',
      '    database.migrate()',
      `    for name, value in database.env("${snake(name)}").items():`,
      '        monkeypatch.setenv(name, value)',
      '    monkeypatch.setattr(platform_db, "credential_source", database.credentials)',
      `    module = load_handler("${name}")`,
      '    yield module',
      '    module.db.drop()',
    );
  } else {
    lines.push('@pytest.fixture', 'def handler() -> ModuleType:', `    return load_handler("${name}")`);
  }
  // A database function proves it logs in as its own role and reads through that role's grant.
  const expected = vpc
    ? `assert result["function"] == "${name}"\n    assert result["databaseTime"]\n    assert result["databaseUser"] == "${snake(name)}"\n    assert result["schemaVersion"] == max(version for version, _ in platform_migrations.MIGRATIONS)`
    : `assert result == {"function": "${name}"}`;
  const cases: Record<TriggerKind, string> = {
    http: `def test_get_answers_200_with_a_json_body(handler: ModuleType) -> None:
    response = handler.handler({"httpMethod": "GET", "path": "/${name}", "headers": {}, "body": None}, CONTEXT)

    assert response["statusCode"] == 200
    result: dict[str, Any] = json.loads(response["body"])
    ${expected}


def test_an_event_that_is_not_an_object_is_a_client_error(handler: ModuleType) -> None:
    response = handler.handler("not an event", CONTEXT)

    assert response["statusCode"] == 400
`,
    schedule: `SCHEDULED_EVENT: dict[str, Any] = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


def test_a_scheduled_event_runs(handler: ModuleType) -> None:
    result = handler.handler(SCHEDULED_EVENT, CONTEXT)

    ${expected}


@pytest.mark.parametrize("event", [None, {}, {**SCHEDULED_EVENT, "source": "my.app"}])
def test_events_that_are_not_schedules_get_a_client_error(handler: ModuleType, event: object) -> None:
    result = handler.handler(event, CONTEXT)

    assert result["statusCode"] == 400
`,
    queue: `def test_every_message_is_processed_and_only_failures_return(handler: ModuleType) -> None:
    event = {"Records": [{"messageId": "1", "body": "{}"}, {"messageId": "2", "body": ""}]}

    result = handler.handler(event, CONTEXT)

    assert result == {"batchItemFailures": [{"itemIdentifier": "2"}]}


def test_a_message_body_is_processed(handler: ModuleType) -> None:
    result = handler.process("{}")

    ${expected}
`,
    manual: `def test_a_direct_invocation_runs(handler: ModuleType) -> None:
    result = handler.handler({}, CONTEXT)

    ${expected}
`,
  };
  if (trigger === 'http') lines.splice(0, 2, 'from __future__ import annotations', '', 'import json');
  return `${lines.join('\n')}\n\n\n${cases[trigger]}`;
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
  if ((FUNCTION_NAMES as readonly string[]).includes(request.name)) problems.push(`'${request.name}' is already a function of ${CATALOGUE_FILE}; choose another name`);
  if (['shared', 'layers', 'testing'].includes(request.name)) problems.push(`'${request.name}' is a folder of lambda-functions/ that is not a function; choose another name`);
  else if (fs.existsSync(folder)) problems.push(`${path.relative(root, folder)} already exists; choose another name or remove the folder`);
  if (request.trigger === 'http') {
    const route = routeOf(request.name);
    const taken = HTTP_ROUTES.findIndex((r) => r.method === route.method && r.path === route.path);
    if (taken >= 0) problems.push(`route ${route.method} ${route.path} is already route ${taken + 1} of HTTP_ROUTES (${HTTP_ROUTES[taken].functionName}); choose another name`);
  }
  if (problems.length) throw new ScaffoldError(`Cannot add function '${request.name}':\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  const catalogueFile = path.join(root, CATALOGUE_FILE);
  const original = fs.readFileSync(catalogueFile, 'utf8');
  const updated = catalogueWithFunction(original, request);
  const migrationsFile = path.join(root, MIGRATIONS_FILE);
  const migrations = fs.readFileSync(migrationsFile, 'utf8');
  const withRole = request.vpc ? migrationsWithRole(migrations, request) : migrations;
  const testFile = path.join(folder, 'tests', `test_${snake(request.name)}.py`);
  fs.mkdirSync(path.dirname(testFile), { recursive: true });
  try {
    writeFileAtomically(path.join(folder, 'handler.py'), handlerText(request));
    writeFileAtomically(testFile, testText(request));
    writeFileAtomically(catalogueFile, updated);
    if (request.vpc) writeFileAtomically(migrationsFile, withRole);
  } catch (error) {
    fs.rmSync(folder, { recursive: true, force: true });
    fs.writeFileSync(catalogueFile, original);
    fs.writeFileSync(migrationsFile, migrations);
    throw error;
  }
  return { created: [folder], edited: new Map([[catalogueFile, original], [migrationsFile, migrations]]) };
}

function main(): void {
  const request = parseNewFunctionArgs(process.argv.slice(2));
  const { created, edited } = newFunction(request);
  regenerateDerivedFiles(created, edited);
  const folder = path.join('lambda-functions', request.name);
  console.log(`Added ${request.name} to ${CATALOGUE_FILE}${request.trigger === 'http' ? ` with the route ${routeOf(request.name).method} ${routeOf(request.name).path}` : ''}, and wrote ${folder}/handler.py and ${folder}/tests/test_${snake(request.name)}.py.`);
  console.log(`Fill in by hand:
  - ${CATALOGUE_FILE}: its description, sizes, environment and grants (what it may touch)${request.trigger === 'http' ? ', and in HTTP_ROUTES its method, path and request body schema' : ''}${request.trigger === 'schedule' ? ', and its scheduleExpression' : ''}
  - ${folder}/handler.py and its test: the logic; list every lambda-functions/shared module it imports in sharedModules${request.trigger === 'queue' ? '\n  - it consumes the account\'s event queue (software-update-events) next to software-event-update-handler: each message goes to one of them' : ''}
Then: npm run synth && npm test`);
}

if (require.main === module) {
  answerHelp(USAGE);
  runScaffoldCli(main);
}
