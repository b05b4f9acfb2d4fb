import * as fs from 'node:fs';
import * as path from 'node:path';
import { actionReference } from './iam-reference';
import type { FunctionSpec } from '../catalogue';

/**
 * The AWS calls a function's code makes, read from its handler and the shared modules in its zip
 * the way boto3 is written there: a client is created with boto3.client("<service>") and its
 * operations are called as snake_case methods. Each operation is mapped to the IAM action that
 * authorizes it: by default the operation's name (put_item -> dynamodb:PutItem, checked against
 * iam-data), otherwise the documented exception below.
 */

export interface CodeCall {
  readonly file: string;
  readonly line: number;
  readonly service: string;
  readonly operation: string;
  readonly action: string;
  /** When the call is made only for some configurations (environment variable -> value). */
  readonly onlyWhen?: { readonly variable: string; readonly equals?: string; readonly notEquals?: string };
}

/**
 * Operations authorized by an action of another name.
 * - HeadObject needs s3:GetObject: https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
 * - HeadBucket needs s3:ListBucket: https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html
 * - a presigned URL or POST is used later with the signer's permissions (s3:GetObject / s3:PutObject):
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html
 * - an RDS IAM authentication token is checked against rds-db:connect:
 *   https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html
 */
const OPERATION_ACTIONS: Readonly<Record<string, string>> = {
  's3.head_object': 's3:GetObject',
  's3.head_bucket': 's3:ListBucket',
  's3.generate_presigned_post': 's3:PutObject',
  'rds.generate_db_auth_token': 'rds-db:connect',
};

/**
 * Calls made only in one configuration, by the code's own branch (platform_migrations.secret_passwords:
 * the roles' proxy secrets are read and written only when they log in with passwords, behind
 * RDS Proxy, and only by database-admin, whose environment alone sets DB_ROLE_LOGIN; lambda-test-runner
 * packages the module for its list of migrations and never calls it). A test checks each entry still
 * names a call the code makes.
 */
export const CONFIGURATION_GUARDS: Readonly<Record<string, CodeCall['onlyWhen']>> = {
  'platform_migrations.py secretsmanager.get_secret_value': { variable: 'DB_ROLE_LOGIN', equals: 'password' },
  'platform_migrations.py secretsmanager.put_secret_value': { variable: 'DB_ROLE_LOGIN', equals: 'password' },
};

const snakeToPascal = (name: string) => name.replace(/(^|_)([a-z0-9])/g, (_m, _u, c: string) => c.toUpperCase());

function actionFor(service: string, operation: string, text: string, index: number): string | undefined {
  if (service === 's3' && operation === 'generate_presigned_url') {
    const method = /generate_presigned_url\(\s*["'](\w+)["']/.exec(text.slice(index))?.[1];
    return method ? `s3:${snakeToPascal(method)}` : undefined;
  }
  const mapped = OPERATION_ACTIONS[`${service}.${operation}`];
  if (mapped) return mapped;
  const action = `${service}:${snakeToPascal(operation)}`;
  return actionReference(action) ? action : undefined;
}

/** The files in a function's zip that hold code: its handler and the shared modules it lists. */
export function functionSourceFiles(root: string, fn: Pick<FunctionSpec, 'name' | 'sharedModules'>): string[] {
  return [path.join(root, 'lambda-functions', fn.name, 'handler.py'), ...fn.sharedModules.map((m) => path.join(root, 'lambda-functions', 'shared', `${m}.py`))];
}

/** Every boto3 call in the function's code, in file order. */
export function boto3Calls(root: string, fn: Pick<FunctionSpec, 'name' | 'sharedModules'>): CodeCall[] {
  const calls: CodeCall[] = [];
  for (const file of functionSourceFiles(root, fn)) {
    const text = fs.readFileSync(file, 'utf8');
    const services = [...new Set([...text.matchAll(/boto3\.client\(\s*["']([a-z0-9-]+)["']/g)].map((m) => m[1]))];
    if (services.length === 0) continue;
    for (const match of text.matchAll(/\.([a-z][a-z0-9_]*)\(/g)) {
      const operation = match[1];
      // A method of a client of this file: the service whose operations include it (a chained call names its client on the same line).
      const lineStart = text.lastIndexOf('\n', match.index) + 1;
      const onLine = /boto3\.client\(\s*["']([a-z0-9-]+)["']/.exec(text.slice(lineStart, match.index))?.[1];
      const candidates = onLine ? [onLine] : services;
      for (const service of candidates) {
        const action = actionFor(service, operation, text, match.index);
        if (!action) continue;
        const base = path.basename(file);
        calls.push({
          file: path.relative(root, file),
          line: text.slice(0, match.index).split('\n').length,
          service,
          operation,
          action,
          ...(CONFIGURATION_GUARDS[`${base} ${service}.${operation}`] ? { onlyWhen: CONFIGURATION_GUARDS[`${base} ${service}.${operation}`] } : {}),
        });
        break;
      }
    }
  }
  return calls;
}

/** A string constant of the handler (e.g. DOWNLOAD_PREFIX = "downloads/"), if it defines one. */
export function handlerConstant(root: string, fn: Pick<FunctionSpec, 'name'>, pattern: RegExp): string | undefined {
  const text = fs.readFileSync(path.join(root, 'lambda-functions', fn.name, 'handler.py'), 'utf8');
  for (const match of text.matchAll(/^([A-Z_]+)\s*=\s*"([^"]*)"\s*$/gm)) if (pattern.test(match[1])) return match[2];
  return undefined;
}
