import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for AWS STS (query/XML protocol) answering GetCallerIdentity and AssumeRole
 * as a configurable account. Terraform's provider asks it who the caller is before checking
 * allowed_account_ids, so answering as another account simulates foreign credentials.
 */
export interface StsServer {
  readonly url: string;
  /** Every Action received, in order (for tests). */
  readonly actions: readonly string[];
  close(): Promise<void>;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function xmlEscape(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function callerIdentity(accountId: string): string {
  return `<GetCallerIdentityResponse xmlns="${XMLNS}"><GetCallerIdentityResult>` +
    `<Arn>arn:aws:iam::${accountId}:user/local-plan</Arn><UserId>AIDALOCALPLAN</UserId><Account>${accountId}</Account>` +
    `</GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
}

function assumeRole(accountId: string, params: URLSearchParams): string {
  const session = xmlEscape(params.get('RoleSessionName') ?? 'local');
  const roleName = xmlEscape((params.get('RoleArn') ?? 'role/local').split('/').pop() ?? 'local');
  const expiration = new Date(Date.now() + 3600_000).toISOString();
  return `<AssumeRoleResponse xmlns="${XMLNS}"><AssumeRoleResult>` +
    `<Credentials><AccessKeyId>ASIALOCALSTANDIN</AccessKeyId><SecretAccessKey>local-stand-in-secret</SecretAccessKey>` +
    `<SessionToken>local-stand-in-token</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
    `<AssumedRoleUser><AssumedRoleId>AROALOCAL:${session}</AssumedRoleId><Arn>arn:aws:sts::${accountId}:assumed-role/${roleName}/${session}</Arn></AssumedRoleUser>` +
    `</AssumeRoleResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000001</RequestId></ResponseMetadata></AssumeRoleResponse>`;
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>` +
    `<RequestId>00000000-0000-0000-0000-000000000002</RequestId></ErrorResponse>`;
}

export async function startStsServer(options: { accountId: string; port?: number }): Promise<StsServer> {
  const actions: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const action = params.get('Action') ?? query.get('Action') ?? '';
      actions.push(action);
      let status = 200;
      let body: string;
      if (action === 'GetCallerIdentity') body = callerIdentity(options.accountId);
      else if (action === 'AssumeRole') body = assumeRole(options.accountId, params);
      else {
        status = 400;
        body = errorXml('InvalidAction', `The local STS stand-in does not implement '${action}'`);
      }
      response.writeHead(status, { 'Content-Type': 'text/xml' });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    actions,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
