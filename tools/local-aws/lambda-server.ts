import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the AWS Lambda API answering GetAccountSettings
 * (GET /2016-08-19/account-settings/, REST-JSON protocol) with a configurable concurrency quota,
 * so the pre-flight's quota check can be run against a new account's default (10) or a raised one.
 * https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html
 */
export interface LambdaServer {
  readonly url: string;
  /** Every request received, as "METHOD path" (for tests). */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

export interface LambdaServerOptions {
  /** AccountLimit.ConcurrentExecutions: the account's Lambda concurrency quota in this region. */
  readonly concurrentExecutions: number;
  /** AccountLimit.UnreservedConcurrentExecutions. Default: concurrentExecutions (nothing reserved yet). */
  readonly unreservedConcurrentExecutions?: number;
  readonly port?: number;
}

const ACCOUNT_SETTINGS_PATH = '/2016-08-19/account-settings/';

export async function startLambdaServer(options: LambdaServerOptions): Promise<LambdaServer> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
      requests.push(`${request.method} ${pathname}`);
      if (request.method === 'GET' && (pathname === ACCOUNT_SETTINGS_PATH || pathname === ACCOUNT_SETTINGS_PATH.slice(0, -1))) {
        response.writeHead(200, { 'Content-Type': 'application/json', 'x-amzn-RequestId': '00000000-0000-0000-0000-000000000003' });
        response.end(
          JSON.stringify({
            AccountLimit: {
              TotalCodeSize: 80530636800,
              CodeSizeUnzipped: 262144000,
              CodeSizeZipped: 52428800,
              ConcurrentExecutions: options.concurrentExecutions,
              UnreservedConcurrentExecutions: options.unreservedConcurrentExecutions ?? options.concurrentExecutions,
            },
            AccountUsage: { TotalCodeSize: 0, FunctionCount: 0 },
          }),
        );
        return;
      }
      response.writeHead(404, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'ResourceNotFoundException' });
      response.end(JSON.stringify({ Type: 'User', Message: `The local Lambda stand-in does not implement ${request.method} ${pathname}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
