import { ConfigError, loadEnvironments } from '../../environments/load';
import type { AccountConfig } from '../../environments/schema';
import { FUNCTION_NAMES, isFunctionName } from '../../catalogue';
import { checkAccount } from '../lib/account-guard';
import { stateBucketName } from '../../environments/load';
import { DeliveryInputError } from './delivery';

/** Options shared by `npm run release` and `npm run rollback`. */
export interface DeliveryArgs {
  readonly account: AccountConfig;
  /** Catalogue names given with --function; empty means every function. */
  readonly functions: readonly string[];
  readonly toVersion?: string;
  /** --override-alarms (release): the deployments ignore the groups' alarms (a fix shipped during an incident). */
  readonly overrideAlarms: boolean;
  readonly pollSeconds: number;
  readonly timeoutSeconds: number;
}

/**
 * Parses `<account> [--function <name>]... [--to-version <n>] [--override-alarms] [--poll-seconds <s>] [--timeout-minutes <m>]`.
 * Every mistake is a DeliveryInputError naming the value and the choices.
 */
export function parseDeliveryArgs(argv: readonly string[], usage: string, options: { allowToVersion: boolean; allowOverrideAlarms?: boolean; accounts?: readonly AccountConfig[] }): DeliveryArgs {
  const positional: string[] = [];
  const functions: string[] = [];
  let toVersion: string | undefined;
  let overrideAlarms = false;
  let pollSeconds = 15;
  let timeoutSeconds = 3600;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new DeliveryInputError(`${arg} needs a value\n${usage}`);
      return next;
    };
    if (arg === '--function') functions.push(value());
    else if (arg === '--to-version' && options.allowToVersion) toVersion = value();
    else if (arg === '--override-alarms' && options.allowOverrideAlarms) overrideAlarms = true;
    else if (arg === '--poll-seconds') pollSeconds = positiveNumber(arg, value());
    else if (arg === '--timeout-minutes') timeoutSeconds = positiveNumber(arg, value()) * 60;
    else if (arg.startsWith('--')) throw new DeliveryInputError(`unknown option ${arg}\n${usage}`);
    else positional.push(arg);
  }
  if (positional.length !== 1) throw new DeliveryInputError(`give exactly one account\n${usage}`);
  const accounts = options.accounts ?? loadEnvironments();
  const account = accounts.find((candidate) => candidate.name === positional[0]);
  if (!account) throw new DeliveryInputError(`unknown account '${positional[0]}'; the accounts are: ${accounts.map((a) => a.name).join(', ')}`);
  const unknown = functions.filter((name) => !isFunctionName(name));
  if (unknown.length) throw new DeliveryInputError(`unknown function ${unknown.map((n) => `'${n}'`).join(', ')}; the functions are: ${FUNCTION_NAMES.join(', ')}`);
  if (toVersion !== undefined) {
    if (!/^[1-9]\d*$/.test(toVersion)) throw new DeliveryInputError(`--to-version '${toVersion}' is not a published version number (1, 2, ...)`);
    if (functions.length !== 1) throw new DeliveryInputError('--to-version needs exactly one --function: version numbers differ per function');
  }
  return { account, functions: [...new Set(functions)], toVersion, overrideAlarms, pollSeconds, timeoutSeconds };
}

function positiveNumber(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new DeliveryInputError(`${flag} '${raw}' must be a number above 0`);
  return value;
}

/** The account pre-flight (tools/ci/verify-account.ts): refuses unless the credentials are the account's. */
export async function preflight(account: AccountConfig, log: (line: string) => void): Promise<void> {
  const result = await checkAccount({ stack: account.name, account, stateBucket: stateBucketName(account) });
  if (!result.ok) throw new DeliveryInputError(result.message);
  log(result.message);
}

/** One function's problem as one line: a DeliveryInputError already names the function; anything else is prefixed with it. */
export function problemText(functionName: string, caught: unknown): string {
  const error = caught as Error;
  return error instanceof DeliveryInputError ? error.message : `${functionName}: ${error.name}: ${error.message}`;
}

/**
 * Runs a command body and returns its exit code: 0 when it succeeded, 1 when it failed; bad input
 * and errors print one clear message, never a stack trace.
 */
export async function commandExitCode(body: () => Promise<boolean>): Promise<number> {
  try {
    return (await body()) ? 0 : 1;
  } catch (caught) {
    const error = caught as Error;
    if (error instanceof DeliveryInputError || error instanceof ConfigError) console.error(error.message);
    else console.error(`${error.name}: ${error.message}`);
    return 1;
  }
}

/** The command line around a command body: exits with its code (commandExitCode). */
export function runCommand(body: () => Promise<boolean>): void {
  void commandExitCode(body).then((code) => process.exit(code));
}
