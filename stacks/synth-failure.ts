import { ConfigError } from '../environments/load';
import { SecurityRulesError } from '../rules/engine';
import { ConstructPropsError } from '../constructs/construct-props-error';
import { FunctionSourceError } from '../build/function-sources';
import { SOURCE_MAPS_REQUESTED } from './source-maps-off';

/**
 * What `npm run synth` prints when it fails. A mistake a person can fix (configuration, a security
 * rule finding, a function's sources, a construct given impossible properties) is printed as its
 * message, which names the file, the field and the fix, without a stack trace; anything else is a
 * bug and keeps its stack.
 */
export function describeSynthFailure(error: unknown): string {
  if (error instanceof ConfigError || error instanceof SecurityRulesError || error instanceof FunctionSourceError) {
    return `${error.message}\nNothing was written; the previous synthesized output is unchanged.`;
  }
  if (error instanceof ConstructPropsError) {
    const where = error.createdIn ? ` (a construct built by ${error.createdIn})` : '';
    return `Invalid construct properties${where}:\n  - ${error.message}\nNothing was written; the previous synthesized output is unchanged.`;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return SOURCE_MAPS_REQUESTED
    ? text
    : `${text}\n(Positions are in the JavaScript tsx compiled; for TypeScript lines run: node --enable-source-maps --import tsx main.ts)`;
}
