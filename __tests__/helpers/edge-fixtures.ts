import { Testing, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { EncryptionKey } from '../../constructs/encryption-key';
import type { ApiRouteTarget } from '../../constructs/rest-api';

/** Stand-in alias of a function, shaped like PythonFunction's outputs. */
export function standInTarget(functionName: string, timeoutSeconds = 10): ApiRouteTarget & { timeoutSeconds: number } {
  return {
    functionName,
    aliasName: 'live',
    aliasInvokeArn: `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:111122223333:function:${functionName}:live/invocations`,
    timeoutSeconds,
  };
}

/**
 * Synthesizes what `build` adds to a stack that has a provider and a platform key, and returns
 * the parsed Terraform JSON.
 */
export function synthWith(build: (stack: TerraformStack, key: EncryptionKey) => void): Record<string, any> {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  const key = new EncryptionKey(stack, 'Key', { alias: 'test', description: 'test key', accountId: '111122223333', region: 'eu-west-1' });
  build(stack, key);
  return JSON.parse(Testing.synth(stack));
}

/** Resources of one type from synthesized JSON, as [id, properties] pairs. */
export function resourcesOf(synthesized: Record<string, any>, type: string): [string, Record<string, any>][] {
  return Object.entries(synthesized.resource?.[type] ?? {}) as [string, Record<string, any>][];
}
