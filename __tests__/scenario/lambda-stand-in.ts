import { type ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { THROTTLED, throttles } from '../../tools/local-aws/lambda-rules';
import type { CloudWatchModel, Dimensions } from './cloudwatch-alarms';
import type { ScenarioClock } from './scenario-clock';

/**
 * Lambda for the scenario: functions, published versions, the `live` alias with weighted routing,
 * reserved concurrency, and invocations that run the real handler in execution environments
 * (testing/lambda_environment.py, one Python process each). The REST JSON API the AWS SDKs use
 * (GetAlias, ListVersionsByFunction, Invoke) answers on 127.0.0.1; CodeDeploy's model calls the
 * same object directly.
 *
 * Modelled from Lambda's documentation:
 * - An invocation beyond reserved concurrency is throttled (the rule: tools/local-aws/lambda-rules.ts,
 *   shared with the release commands' stand-in) and counts in Throttles, not in Invocations
 *   (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
 * - An execution environment runs one invocation at a time; a new one is initialised when none is
 *   free, and it keeps its module state (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
 * - An alias with a routing configuration sends that share of invocations to the additional
 *   version (randomly in AWS; here by a running tally, so a run is repeatable), and invocations
 *   through an alias carry the ExecutedVersion dimension
 *   (https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html).
 * - An unhandled exception answers 200 with X-Amz-Function-Error: Unhandled and counts in Errors
 *   (https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html).
 * - Asynchronous invocations (how CodeDeploy runs lifecycle hooks here) are queued; a throttled
 *   event is returned to the queue and retried (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).
 */

export interface VersionCode {
  /** The task root: the build's staged function folder. */
  readonly codeDir: string;
  readonly handler: string;
  readonly environment: Readonly<Record<string, string>>;
  /** What Terraform compares to decide whether to publish (the zip's hash and the configuration). */
  readonly fingerprint: string;
}

interface PublishedVersion extends VersionCode {
  /** When it was published (the scenario's clock, ms): its LastModified. */
  readonly published: number;
}

interface FunctionState {
  readonly name: string;
  readonly versions: Map<string, PublishedVersion>;
  reservedConcurrency?: number;
  inFlight: number;
  alias?: { version: string; routing?: Record<string, number>; tally: number };
  readonly environments: Map<string, ExecutionEnvironment[]>;
}

export interface InvokeResult {
  readonly statusCode: number;
  readonly payload: unknown;
  readonly functionError?: string;
  readonly executedVersion?: string;
  readonly throttled?: boolean;
}

export interface InvocationRecord {
  readonly functionName: string;
  readonly qualifier: string;
  readonly executedVersion?: string;
  readonly outcome: 'ok' | 'error' | 'throttled';
  /** An asynchronous invocation's event, throttled and returned to the queue (no caller sees a 429). */
  readonly queued?: boolean;
  readonly time: number;
}

class ExecutionEnvironment {
  private readonly child: ChildProcess;
  private readonly waiting: ((line: string) => void)[] = [];
  private buffered = '';
  busy = false;
  readonly log: string[] = [];

  constructor(python: string, script: string, fn: string, version: string, code: VersionCode, env: NodeJS.ProcessEnv) {
    this.child = spawn(python, [script, code.codeDir, code.handler, fn, version], {
      env: { ...env, ...code.environment },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.log.push(chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => this.log.push(chunk.toString()));
    (this.child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString();
      let newline: number;
      while ((newline = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        this.waiting.shift()?.(line);
      }
    });
  }

  run(event: unknown, requestId: string): Promise<{ payload?: unknown; error?: Record<string, unknown>; durationMs?: number }> {
    return new Promise((resolve, reject) => {
      const exited = () => reject(new Error(`execution environment exited: ${this.log.join('').slice(-2000)}`));
      this.child.once('exit', exited);
      this.waiting.push((line) => {
        this.child.off('exit', exited);
        resolve(JSON.parse(line));
      });
      this.child.stdin?.write(`${JSON.stringify({ requestId, event })}\n`);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin?.end();
    });
  }
}

export interface LambdaOptions {
  readonly python: string;
  readonly clock: ScenarioClock;
  readonly cloudwatch: CloudWatchModel;
  readonly region: string;
  readonly accountId: string;
}

const ENVIRONMENT_SCRIPT = path.resolve(__dirname, '..', '..', 'lambda-functions', 'testing', 'lambda_environment.py');

export class LambdaStandIn {
  readonly functions = new Map<string, FunctionState>();
  readonly invocations: InvocationRecord[] = [];
  url = '';
  /** Environment every execution environment gets besides the function's own variables (endpoints, credentials). */
  readonly runtimeEnv: NodeJS.ProcessEnv = {};
  private server?: http.Server;
  private requestCounter = 0;

  constructor(private readonly options: LambdaOptions) {}

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => void this.serve(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private fn(name: string): FunctionState {
    const state = this.functions.get(name);
    if (!state) throw Object.assign(new Error(`Function not found: ${this.arn(name)}`), { code: 'ResourceNotFoundException' });
    return state;
  }

  arn(name: string, qualifier?: string): string {
    return `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
  }

  /**
   * What `terraform apply` does to a function with publish = true: updates $LATEST and publishes a
   * new version when the code or configuration changed, nothing otherwise
   * (https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/resources/lambda_function#publish).
   * Returns the new version, or undefined.
   */
  applyFunction(name: string, code: VersionCode, reservedConcurrency: number | undefined): string | undefined {
    let state = this.functions.get(name);
    if (!state) {
      state = { name, versions: new Map(), inFlight: 0, environments: new Map() };
      this.functions.set(name, state);
    }
    state.reservedConcurrency = reservedConcurrency;
    const newest = [...state.versions.values()].at(-1);
    if (newest && newest.fingerprint === code.fingerprint) return undefined;
    const version = String(state.versions.size + 1);
    state.versions.set(version, { ...code, published: this.options.clock.now() });
    return version;
  }

  /** The alias as Terraform creates it on the first apply; afterwards CodeDeploy moves it (Terraform ignores its version). */
  ensureAlias(name: string, version: string): void {
    const state = this.fn(name);
    state.alias ??= { version, tally: 0 };
  }

  aliasOf(name: string): { version: string; routing?: Record<string, number> } {
    const alias = this.fn(name).alias;
    if (!alias) throw new Error(`${name} has no live alias`);
    return alias;
  }

  /** UpdateAlias, as CodeDeploy calls it while it shifts traffic. */
  updateAlias(name: string, version: string, routing?: Record<string, number>): void {
    const state = this.fn(name);
    if (!state.versions.has(version) || Object.keys(routing ?? {}).some((v) => !state.versions.has(v))) throw new Error(`${name}: no version ${version}`);
    state.alias = { version, routing, tally: 0 };
  }

  versions(name: string): string[] {
    return [...this.fn(name).versions.keys()];
  }

  private resolve(state: FunctionState, qualifier: string): { version: string; viaAlias: boolean } {
    if (qualifier === 'live') {
      const alias = state.alias;
      if (!alias) throw Object.assign(new Error(`Alias not found: ${this.arn(state.name, qualifier)}`), { code: 'ResourceNotFoundException' });
      const [extra, weight] = Object.entries(alias.routing ?? {})[0] ?? [];
      if (extra !== undefined && weight !== undefined) {
        alias.tally += weight;
        if (alias.tally >= 1 - 1e-9) {
          alias.tally -= 1;
          return { version: extra, viaAlias: true };
        }
      }
      return { version: alias.version, viaAlias: true };
    }
    if (qualifier === '$LATEST' || qualifier === '') return { version: [...state.versions.keys()].at(-1) ?? '', viaAlias: false };
    if (!state.versions.has(qualifier)) throw Object.assign(new Error(`Function not found: ${this.arn(state.name, qualifier)}`), { code: 'ResourceNotFoundException' });
    return { version: qualifier, viaAlias: false };
  }

  private metric(fn: string, qualifier: string, executed: string | undefined, metricName: string, value: number): void {
    const time = this.options.clock.now();
    const sets: Dimensions[] = [{ FunctionName: fn }];
    if (qualifier && qualifier !== '$LATEST') sets.push({ FunctionName: fn, Resource: `${fn}:${qualifier}` });
    if (qualifier === 'live' && executed) sets.push({ FunctionName: fn, Resource: `${fn}:${qualifier}`, ExecutedVersion: executed });
    for (const dimensions of sets) this.options.cloudwatch.put({ namespace: 'AWS/Lambda', metricName, dimensions, time, value });
  }

  /** A synchronous (RequestResponse) invocation. */
  async invoke(name: string, qualifier: string, event: unknown, queued = false): Promise<InvokeResult> {
    const state = this.fn(name);
    if (throttles(state.reservedConcurrency, state.inFlight)) {
      this.metric(name, qualifier, undefined, 'Throttles', 1);
      this.invocations.push({ functionName: name, qualifier, outcome: 'throttled', time: this.options.clock.now(), ...(queued ? { queued } : {}) });
      return { statusCode: THROTTLED.statusCode, throttled: true, payload: THROTTLED.payload };
    }
    const { version, viaAlias } = this.resolve(state, qualifier);
    state.inFlight++;
    try {
      const environment = this.environmentFor(state, version);
      environment.busy = true;
      let answer: { payload?: unknown; error?: Record<string, unknown>; durationMs?: number };
      try {
        answer = await environment.run(event, `scenario-${++this.requestCounter}`);
      } finally {
        environment.busy = false;
      }
      const outcome = answer.error ? 'error' : 'ok';
      this.invocations.push({ functionName: name, qualifier, executedVersion: version, outcome, time: this.options.clock.now() });
      this.metric(name, qualifier, viaAlias ? version : undefined, 'Invocations', 1);
      this.metric(name, qualifier, viaAlias ? version : undefined, 'Errors', answer.error ? 1 : 0);
      // The handler's run only: Duration leaves out a new environment's init phase (monitoring-metrics-types.html).
      this.metric(name, qualifier, viaAlias ? version : undefined, 'Duration', answer.durationMs ?? 0);
      return answer.error
        ? { statusCode: 200, payload: answer.error, functionError: 'Unhandled', executedVersion: version }
        : { statusCode: 200, payload: answer.payload, executedVersion: version };
    } finally {
      state.inFlight--;
    }
  }

  /** An asynchronous (Event) invocation: queued, and retried while throttled; resolves with the run's result. */
  async invokeAsync(name: string, qualifier: string, event: unknown): Promise<InvokeResult> {
    for (;;) {
      const result = await this.invoke(name, qualifier, event, true);
      if (!result.throttled) return result;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private environmentFor(state: FunctionState, version: string): ExecutionEnvironment {
    const pool = state.environments.get(version) ?? [];
    state.environments.set(version, pool);
    const free = pool.find((environment) => !environment.busy);
    if (free) return free;
    const code = state.versions.get(version);
    if (!code) throw new Error(`${state.name} has no version ${version}`);
    const environment = new ExecutionEnvironment(this.options.python, ENVIRONMENT_SCRIPT, state.name, version, code, this.runtimeEnv);
    pool.push(environment);
    return environment;
  }

  /** The output (logs) of every execution environment of a function, for a failure's message. */
  logs(name: string): string {
    const state = this.functions.get(name);
    return state ? [...state.environments.values()].flat().flatMap((environment) => environment.log).join('') : '';
  }

  /** Stops every execution environment (what a configuration change or a new database leaves Lambda with: fresh ones). */
  async recycle(): Promise<void> {
    await Promise.all([...this.functions.values()].flatMap((state) => [...state.environments.values()].flat().map((environment) => environment.stop())));
    for (const state of this.functions.values()) state.environments.clear();
  }

  async close(): Promise<void> {
    await this.recycle();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://localhost');
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      response.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    const fail = (status: number, type: string, message: string) => reply(status, { Type: 'User', Message: message, message }, { 'X-Amzn-ErrorType': type });
    const match = /^\/2015-03-31\/functions\/([^/]+)\/(aliases\/([^/]+)|versions|invocations)$/.exec(url.pathname);
    if (!match) return fail(404, 'ResourceNotFoundException', `The Lambda stand-in does not implement ${request.method} ${url.pathname}`);
    const name = decodeURIComponent(match[1]).replace(/^arn:aws:lambda:[^:]+:\d+:function:/, '');
    try {
      if (match[2] === 'invocations' && request.method === 'POST') {
        const qualifier = url.searchParams.get('Qualifier') ?? '$LATEST';
        const result = await this.invoke(name, qualifier, body ? JSON.parse(body) : {});
        if (result.throttled) return reply(THROTTLED.statusCode, result.payload, { 'X-Amzn-ErrorType': THROTTLED.errorType });
        return reply(200, JSON.stringify(result.payload ?? null), {
          'X-Amz-Executed-Version': result.executedVersion ?? '$LATEST',
          ...(result.functionError ? { 'X-Amz-Function-Error': result.functionError } : {}),
        });
      }
      if (match[3] !== undefined && request.method === 'GET') {
        const state = this.fn(name);
        if (match[3] !== 'live' || !state.alias) return fail(404, 'ResourceNotFoundException', `Alias not found: ${this.arn(name, match[3])}`);
        return reply(200, {
          AliasArn: this.arn(name, 'live'),
          Name: 'live',
          FunctionVersion: state.alias.version,
          ...(state.alias.routing ? { RoutingConfig: { AdditionalVersionWeights: state.alias.routing } } : {}),
        });
      }
      if (match[2] === 'versions' && request.method === 'GET') {
        const all = ['$LATEST', ...this.versions(name)];
        // Two versions a page, so a caller's pagination (NextMarker) is exercised.
        const start = Number(url.searchParams.get('Marker') ?? '0');
        const page = all.slice(start, start + 2);
        const next = start + 2 < all.length ? String(start + 2) : undefined;
        const state = this.fn(name);
        // LastModified in Lambda's format, e.g. 2026-12-01T09:00:00.000+0000 (a version keeps $LATEST's from when it was published).
        const modified = (v: string) => new Date(v === '$LATEST' ? ([...state.versions.values()].at(-1)?.published ?? 0) : (state.versions.get(v)?.published ?? 0)).toISOString().replace('Z', '+0000');
        return reply(200, {
          Versions: page.map((v) => ({ FunctionName: name, FunctionArn: this.arn(name, v), Version: v, LastModified: modified(v) })),
          ...(next ? { NextMarker: next } : {}),
        });
      }
      return fail(404, 'ResourceNotFoundException', `The Lambda stand-in does not implement ${request.method} ${url.pathname}`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ResourceNotFoundException') return fail(404, code, (error as Error).message);
      return fail(500, 'ServiceException', (error as Error).message);
    }
  }
}
