import { z } from 'zod';
import { functionFile, LAYER_NAMES, SHARED_MODULES } from '.';

/**
 * The catalogue checked at synth like the account files: TypeScript's types vanish at run time
 * (and a cast or a `tsx` run without `tsc` skips them), so a misspelt grant kind would be dropped
 * from the IAM policy and an unknown architecture would crash the build. Every object is strict;
 * each message says what is allowed.
 */

/** Where the entry's fields are defined (FunctionSpec, Grant, ...). */
export const SPEC_FILE = 'catalogue/function-spec.ts';

/** A whole number in [min, max]; every way of missing it gets the same message. */
function wholeNumber(min: number, max: number, error: string): z.ZodNumber {
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/**
 * API Gateway REST APIs wait at most 29 seconds for an integration by default ("Integration timeout:
 * 50 milliseconds - 29 seconds for all integration types", raised only by a quota request:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html).
 * A longer function timeout only keeps running after the caller got a 504.
 */
export const API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS = 29;

/** Why an HTTP-triggered function's timeout is wrong (the value is written in front of it). */
export function httpTimeoutProblem(): string {
  return (
    `seconds is longer than API Gateway's ${API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS}-second integration timeout, so callers get a 504 while the function runs on; ` +
    `set it to ${API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS} or less (or give the function another trigger and let callers poll for the result)`
  );
}

const prefix = z.string().min(1, { error: 'is an S3 key prefix such as downloads/' });
const GRANT_KINDS = [
  'bucket-read',
  'bucket-put',
  'bucket-list',
  'table-read-write',
  'table-describe',
  'queue-consume',
  'queue-read-attributes',
  'db-login',
  'db-role-secrets',
  'cloudwatch-put-metric',
] as const;
const grant = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('bucket-read'), prefix }),
    z.strictObject({ kind: z.literal('bucket-put'), prefix }),
    z.strictObject({ kind: z.literal('bucket-list'), prefix: prefix.optional() }),
    z.strictObject({ kind: z.literal('table-read-write') }),
    z.strictObject({ kind: z.literal('table-describe') }),
    z.strictObject({ kind: z.literal('queue-consume') }),
    z.strictObject({ kind: z.literal('queue-read-attributes') }),
    z.strictObject({ kind: z.literal('db-login'), user: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { error: 'is a PostgreSQL role name (lower case, digits, _)' }) }),
    z.strictObject({ kind: z.literal('db-role-secrets') }),
    z.strictObject({ kind: z.literal('cloudwatch-put-metric'), namespace: z.string().min(1).max(255).refine((n) => !n.startsWith('AWS/'), { error: "is a custom metric namespace (not 'AWS/...')" }) }),
  ],
  { error: `is not a grant kind; use one of ${GRANT_KINDS.join(', ')} (the Grant type in ${SPEC_FILE})` },
);

const trigger = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('http') }),
    z.strictObject({ kind: z.literal('schedule'), scheduleExpression: z.string().regex(/^(rate|cron)\(.+\)$/, { error: "is an EventBridge schedule such as 'rate(5 minutes)' or 'cron(0 12 * * ? *)'" }) }),
    z.strictObject({
      kind: z.literal('queue'),
      batchSize: z.number().int().min(1).max(10000),
      maximumBatchingWindowSeconds: z.number().int().min(0).max(300),
    }),
    z.strictObject({ kind: z.literal('manual') }),
  ],
  { error: "is not a trigger kind; use one of 'http', 'schedule', 'queue', 'manual'" },
);

const ENVIRONMENT_SOURCES = [
  'db-host',
  'db-port',
  'db-name',
  'db-role-login',
  'db-role-secrets',
  'db-ssl-root-cert',
  'bucket-name',
  'table-name',
  'queue-url',
  'presigned-url-expiry-seconds',
  'max-upload-bytes',
] as const;
const environmentValue = z.union([z.string(), z.strictObject({ from: z.enum(ENVIRONMENT_SOURCES, { error: `is not a value source; use one of ${ENVIRONMENT_SOURCES.join(', ')}` }) })], {
  error: `is a literal string or { from: <source> } with a source of ${ENVIRONMENT_SOURCES.join(', ')}`,
});

const functionSpec = z
  .strictObject({
    // The file name: catalogue/functions/<name>.ts and lambda-functions/<name>/.
    name: z.string().max(64).regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, { error: "is not a function name; use lower-case words joined by dashes (e.g. device-status), at most 64 characters, the same as the entry's file name" }),
    // Lambda's Description is at most 256 characters.
    description: z.string().min(1).max(256),
    handler: z.string().regex(/^[A-Za-z_]\w*\.[A-Za-z_]\w*$/, { error: "is module.function inside the zip, e.g. 'handler.handler'" }),
    runtime: z.string(),
    architecture: z.enum(['arm64', 'x86_64'], { error: "is not a Lambda architecture; use 'arm64' or 'x86_64'" }),
    memoryMiB: wholeNumber(128, 10240, 'is not a memory size; use a whole number of MiB from 128 to 10240'),
    timeoutSeconds: wholeNumber(1, 900, "is not a timeout; use a whole number of seconds from 1 to 900 (Lambda's limit)"),
    reservedConcurrency: wholeNumber(1, Number.MAX_SAFE_INTEGER, "is not a reserved concurrency; use a whole number of executions, at least 1 (an account may turn it 'off')"),
    vpc: z.boolean({ error: 'is not a boolean; use true (private subnets, reaches RDS) or false' }),
    layers: z.array(z.enum(LAYER_NAMES, { error: `is not a layer; use one of ${LAYER_NAMES.join(', ')}` })),
    sharedModules: z.array(z.enum(SHARED_MODULES, { error: `is not a shared module; use one of ${SHARED_MODULES.join(', ')}` })),
    trigger,
    environment: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/, { error: 'environment variable names are upper case letters, digits and _' }), environmentValue),
    grants: z.array(grant),
    dryRun: z.strictObject({
      event: z.record(z.string(), z.unknown()),
      expect: z.record(z.string(), z.unknown()).optional(),
      expectKeys: z.array(z.string()).optional(),
    }),
  })
  .superRefine((fn, ctx) => {
    if (fn.trigger.kind === 'http' && fn.timeoutSeconds > API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['timeoutSeconds'], message: httpTimeoutProblem() });
    }
  });

function valueAt(entry: unknown, segments: readonly PropertyKey[]): unknown {
  let node = entry;
  for (const segment of segments) node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[segment] : undefined;
  return node;
}

/** The offending value in front of the message, when it is short enough to read. */
function shown(value: unknown): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  return text.length <= 60 ? `${text} ` : '';
}

function fieldPath(segments: readonly PropertyKey[]): string {
  return segments.map(String).join('.');
}

/**
 * Every problem of the catalogue's entries, as `catalogue/functions/<function>.ts: <function>.<field>: <what is wrong>; <fix>`.
 * `functions` is typed loosely on purpose: the check is for values the types did not stop.
 */
export function catalogueSchemaProblems(functions: readonly unknown[]): string[] {
  return functions.flatMap((entry, index) => {
    const parsed = functionSpec.safeParse(entry);
    if (parsed.success) return [];
    const name = entry !== null && typeof entry === 'object' && typeof (entry as { name?: unknown }).name === 'string' ? (entry as { name: string }).name : undefined;
    const file = name === undefined ? `catalogue/functions/ (the entry at FUNCTIONS[${index}] has no name)` : functionFile(name);
    return parsed.error.issues.map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const field = fieldPath([...issue.path, ...(keys.length === 1 ? keys : [])]) || '(entry)';
      const fix = keys.length ? `: ${keys.length === 1 ? 'is' : `${keys.join(', ')} are`} not a field of a catalogue entry; remove it or fix its spelling (FunctionSpec in ${SPEC_FILE})` : '';
      const message = keys.length ? '' : `: ${shown(valueAt(entry, issue.path))}${issue.message}`;
      return `${file}: ${name ?? `FUNCTIONS[${index}]`}.${field}${message}${fix}`;
    });
  });
}
