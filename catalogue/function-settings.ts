import { ConfigError, fieldLocation } from '../environments/load';
import { allowedPythonRuntimes, REFUSED_PYTHON_RUNTIMES } from '../aws/aws-facts';
import type { AccountConfig } from '../environments/schema';
import { defaults } from '../environments/defaults';
import type { DeploymentStrategy } from '../environments/deployment-strategies';
import { FUNCTION_NAMES, functionFile, FUNCTIONS, type FunctionSpec, isFunctionName } from '.';
import { API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS, catalogueSchemaProblems, httpTimeoutProblem } from './catalogue-schema';
import { hookConcurrency, POST_TRAFFIC_TARGET } from './deployment-hooks';

/**
 * A catalogue entry with the account's size overrides applied, and how CodeDeploy releases it
 * there. An account may turn a function's reserved concurrency 'off' (the function then shares
 * the account's unreserved pool).
 */
export type FunctionSettings = Omit<FunctionSpec, 'reservedConcurrency'> & {
  readonly reservedConcurrency: number | 'off';
  readonly deploymentStrategy: DeploymentStrategy;
};

/** Why a runtime may not be used, or undefined when it is allowed on `today`. */
export function runtimeProblem(runtime: string, today: Date): string | undefined {
  const allowed = allowedPythonRuntimes(today);
  if (allowed.includes(runtime)) return undefined;
  const reason = REFUSED_PYTHON_RUNTIMES.includes(runtime)
    ? 'is deprecated by AWS'
    : /^python\d/.test(runtime)
      ? 'is past its AWS deprecation date or not a known Lambda runtime'
      : 'is not a Python Lambda runtime';
  return `'${runtime}' ${reason}; use one of ${allowed.join(', ')}`;
}

/** Problems of the catalogue itself: entries its schema refuses, duplicate names and runtimes AWS no longer supports. */
export function catalogueProblems(functions: readonly FunctionSpec[], today: Date = new Date()): string[] {
  const problems = catalogueSchemaProblems(functions);
  const seen = new Set<string>();
  for (const fn of functions) {
    if (seen.has(fn.name)) problems.push(`${functionFile(fn.name)}: ${fn.name}: listed twice (catalogue/functions/index.ts); each function has one file and one line there`);
    seen.add(fn.name);
    const problem = runtimeProblem(fn.runtime, today);
    if (problem) problems.push(`${functionFile(fn.name)}: ${fn.name}.runtime: ${problem}`);
  }
  return problems;
}

/**
 * The catalogue's reservation, except that the post-traffic hook's target runs once per concurrent
 * deployment (one deployment group per function), so it holds at least that many.
 */
function catalogueReservation(fn: FunctionSpec, deploymentGroups: number): number {
  return fn.name === POST_TRAFFIC_TARGET ? Math.max(fn.reservedConcurrency, hookConcurrency(deploymentGroups)) : fn.reservedConcurrency;
}

/**
 * The functions of one account: catalogue defaults with `config.functions` overrides applied; the
 * deployment strategy is the function's own, else the account's `delivery.strategy` (else the defaults').
 * Throws ConfigError (naming the account file, the field and the fix) for an override of a
 * function that does not exist or a runtime that is deprecated, in the catalogue or the config.
 */
export function resolveFunctionSettings(
  config: Pick<AccountConfig, 'name' | 'functions'> & Partial<Pick<AccountConfig, 'delivery'>>,
  today: Date = new Date(),
  functions: readonly FunctionSpec[] = FUNCTIONS,
): FunctionSettings[] {
  const problems = catalogueProblems(functions, today);
  for (const [name, override] of Object.entries(config.functions)) {
    if (!isFunctionName(name) || !functions.some((fn) => fn.name === name)) {
      problems.push(`${fieldLocation(config, ['functions', name])}: is not a function of the catalogue; use one of ${FUNCTION_NAMES.join(', ')}`);
      continue;
    }
    const spec = functions.find((fn) => fn.name === name) as FunctionSpec;
    if (spec.trigger.kind === 'http' && override.timeoutSeconds !== undefined && override.timeoutSeconds > API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS) {
      problems.push(`${fieldLocation(config, ['functions', name, 'timeoutSeconds'])}: ${override.timeoutSeconds} ${httpTimeoutProblem()}; ${name} is called through the API`);
    }
    if (override.runtime !== undefined) {
      const problem = runtimeProblem(override.runtime, today);
      if (problem) problems.push(`${fieldLocation(config, ['functions', name, 'runtime'])}: ${problem}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return functions.map((fn) => {
    const override = config.functions[fn.name] ?? {};
    return {
      ...fn,
      runtime: override.runtime ?? fn.runtime,
      memoryMiB: override.memoryMiB ?? fn.memoryMiB,
      timeoutSeconds: override.timeoutSeconds ?? fn.timeoutSeconds,
      reservedConcurrency: override.reservedConcurrency ?? catalogueReservation(fn, functions.length),
      deploymentStrategy: override.deploymentStrategy ?? (config.delivery ?? defaults.delivery).strategy,
    };
  });
}
