import * as fs from 'node:fs';
import * as path from 'node:path';
import { actionReference, expandAction, resourceMatchesType, resourceTypes } from '../../iam/iam-reference';
import { WORKLOAD_ROLE_PATH, workloadBoundaryArn } from '../../stacks/bootstrap-stack';
import { awsManagedPolicy, type RoleModel, type StackModel } from '../../iam/model';
import { escalationChecks } from '../../iam/escalations';
import { decide, type Decision } from '../../iam/simulate';
import { sampleArn, TERRAFORM_ACTIONS } from '../../iam/terraform-actions';
import type { AccountUnderTest } from '../helpers/iam';

/**
 * The CI roles, simulated with @cloud-copilot/iam-simulate against the roles the bootstrap stacks
 * really synthesize (trust, inline and AWS managed policies; the workload stack's key and bucket
 * policies take part where the request touches them). AWS's evaluation logic:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */


type Context = Readonly<Record<string, string | string[]>>;
interface Case {
  readonly label: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Context;
}

async function decisions(model: StackModel, principal: RoleModel, cases: readonly Case[]): Promise<Array<[string, Decision]>> {
  return Promise.all(cases.map(async (c) => [c.label, await decide(model, { principal, action: c.action, resource: c.resource, context: c.context })] as [string, Decision]));
}

const allowedOnly = (results: Array<[string, Decision]>) => results.filter(([, d]) => d === 'Allowed').map(([label]) => label);
const notAllowed = (results: Array<[string, Decision]>) => results.filter(([, d]) => d !== 'Allowed').map(([label]) => label);

/** Every resource of a stack, each provider call on the resource's own ARN where the action takes it. */
function terraformCases(model: StackModel, stacks: readonly StackModel[], kind: 'read' | 'write', context: (action: string) => Context = () => ({})): Case[] {
  const cases = new Map<string, Case>();
  for (const stack of stacks) {
    for (const [type, resources] of Object.entries(stack.json.resource ?? {})) {
      const actions = TERRAFORM_ACTIONS[type];
      if (!actions) throw new Error(`${type} (stack ${stack.stack}) has no entry in iam/terraform-actions.ts: add the API calls the provider makes for it`);
      for (const [name, config] of Object.entries(resources)) {
        // A role's policies are changed on the role.
        const role = typeof config.role === 'string' ? /^\$\{(aws_iam_role\.[\w-]+)\.(?:id|name)\}$/.exec(config.role) : null;
        const own = stack.values.value(role ? `\${${role[1]}.arn}` : `\${${type}.${name}.arn}`);
        for (const action of actions[kind]) {
          const reference = actionReference(action)!;
          const types = resourceTypes(reference.service);
          const fits = own !== undefined && reference.resourceTypes.some((t) => { const found = types.get(t.name.toLowerCase()); return found !== undefined && resourceMatchesType(own, found); });
          const resource = fits ? own : sampleArn(action, model.placement);
          cases.set(`${action} ${resource}`, { label: `${type}: ${action} on ${resource}`, action, resource, context: context(action) });
        }
      }
    }
  }
  return [...cases.values()];
}

/**
 * Data reads ReadOnlyAccess grants (its vendored document, checked against iam-data's action
 * list): item, record, object, message, secret, parameter, log event and query-result reads. The
 * classification follows each action's description in the Service Authorization Reference.
 */
const DATA_READ = /^(BatchGetItem|GetItem|Query|Scan|PartiQLSelect|GetRecords|GetObject|GetObjectVersion|GetObjectTorrent|GetObjectVersionTorrent|GetObjectVersionForReplication|ReceiveMessage|GetSecretValue|BatchGetSecretValue|GetParameter|GetParameters|GetParametersByPath|GetParameterHistory|GetLogEvents|FilterLogEvents|GetLogRecord|GetQueryResults|GetQueryResultsStream|StartQuery|StartLiveTail|Unmask|DownloadDBLogFilePortion|DownloadCompleteDBLogFile|Select|GetAttributes|SubscribeToShard)$/;
const DATA_SERVICES = ['athena', 'cassandra', 'dax', 'dynamodb', 'kinesis', 'logs', 'rds', 's3', 'sdb', 'secretsmanager', 'sqs', 'ssm'];

function readOnlyAccessDataReads(): string[] {
  const document = awsManagedPolicy('arn:aws:iam::aws:policy/ReadOnlyAccess').document;
  const granted = document.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action as string | string[]].flat());
  const actions = granted.filter((a) => DATA_SERVICES.includes(a.split(':')[0])).flatMap((pattern) => expandAction(pattern));
  return [...new Set(actions.filter((a) => DATA_READ.test(a.name)).map((a) => `${a.service}:${a.name}`))].sort();
}

/** The CI role tests for every account. */
export function ciRoleTests(accounts: readonly AccountUnderTest[]): void {
describe.each(accounts.map((a) => [a.config.name, a] as const))('%s CI roles', (_name, { config, model, main, bootstrap }) => {
  const role = (name: string) => {
    const found = bootstrap.roles.find((r) => r.name === name);
    if (!found) throw new Error(`no role ${name} in ${bootstrap.stack}`);
    return found;
  };
  const apply = role(config.ci.applyRoleName);
  const plan = role(config.ci.planRoleName);
  /** Every role the bootstrap stack makes but the apply role: all of them only plan. */
  const readOnlyRoles = bootstrap.roles.filter((r) => r !== apply);
  const account = config.accountId;
  const backend = (main.json as { terraform: { backend: { s3: { bucket: string; key: string } } } }).terraform.backend.s3;
  const stateBucket = `arn:aws:s3:::${backend.bucket}`;
  const stateKey = backend.key;
  const keyArn = main.values.value(`\${aws_kms_key.${Object.keys(main.json.resource?.aws_kms_key ?? {})[0]}.arn}`)!;
  const boundaryArn = workloadBoundaryArn(account);
  const boundary = { 'iam:PermissionsBoundary': boundaryArn };
  const adminRole = `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`;
  const oidcProvider = `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;

  describe('the plan role', () => {
    test('can refresh every resource type of both stacks (the provider\'s read calls)', async () => {
      const results = await decisions(model, plan, terraformCases(model, [main, bootstrap], 'read'));
      expect(notAllowed(results)).toEqual([]);
    });

    // Lambda returns a function's environment, encrypted with a customer key, only to a caller
    // that may decrypt it through Lambda:
    // https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html
    test('can decrypt the platform key only through Lambda (function environments on refresh)', async () => {
      const aliases = ['alias/platform'];
      const results = await decisions(model, plan, [
        { label: 'via lambda', action: 'kms:Decrypt', resource: keyArn, context: { 'kms:ViaService': `lambda.${config.region}.amazonaws.com`, 'kms:ResourceAliases': aliases } },
        { label: 'directly', action: 'kms:Decrypt', resource: keyArn, context: { 'kms:ResourceAliases': aliases } },
        { label: 'via s3', action: 'kms:Decrypt', resource: keyArn, context: { 'kms:ViaService': `s3.${config.region}.amazonaws.com`, 'kms:ResourceAliases': aliases } },
        { label: 'via secretsmanager', action: 'kms:Decrypt', resource: keyArn, context: { 'kms:ViaService': `secretsmanager.${config.region}.amazonaws.com`, 'kms:ResourceAliases': aliases } },
      ]);
      expect(allowedOnly(results)).toEqual(['via lambda']);
    });

    // The S3 backend reads the state object; with -lock=false it writes no lock file (use_lockfile)
    // either, and Terraform refuses a saved plan whose state changed, so a plan needs no lock:
    // https://developer.hashicorp.com/terraform/language/backend/s3#permissions-required
    // https://developer.hashicorp.com/terraform/cli/commands/plan#lock-false
    test('reads the state and writes nothing in the state bucket, not even a lock file', async () => {
      const results = await decisions(model, plan, [
        { label: 'list the bucket', action: 's3:ListBucket', resource: stateBucket },
        { label: 'read the state', action: 's3:GetObject', resource: `${stateBucket}/${stateKey}` },
        { label: 'write the lock', action: 's3:PutObject', resource: `${stateBucket}/${stateKey}.tflock` },
        { label: 'delete the lock', action: 's3:DeleteObject', resource: `${stateBucket}/${stateKey}.tflock` },
        { label: 'overwrite the state', action: 's3:PutObject', resource: `${stateBucket}/${stateKey}` },
        { label: 'delete the state', action: 's3:DeleteObject', resource: `${stateBucket}/${stateKey}` },
        { label: 'read an old state version', action: 's3:GetObjectVersion', resource: `${stateBucket}/${stateKey}` },
        { label: 'change the bucket policy', action: 's3:PutBucketPolicy', resource: stateBucket },
      ]);
      expect(allowedOnly(results)).toEqual(['list the bucket', 'read the state']);
    });

    test('the data-read list covers the reads ReadOnlyAccess grants (and the ones the issue names)', () => {
      const reads = readOnlyAccessDataReads();
      expect(reads).toEqual(
        expect.arrayContaining([
          'dynamodb:PartiQLSelect', 'dynamodb:GetRecords', 's3:GetObjectVersion', 'ssm:GetParameter', 'ssm:GetParametersByPath', 'logs:GetLogRecord',
          'logs:GetQueryResults', 'rds:DownloadDBLogFilePortion', 'kinesis:GetRecords', 'athena:GetQueryResults',
        ]),
      );
    });

    test.each(readOnlyRoles.map((r) => [r.name, r] as const))('%s reads no data: every data read ReadOnlyAccess grants is denied', async (_role, principal) => {
      const cases = readOnlyAccessDataReads().map((action) => ({ label: action, action, resource: sampleArn(action, model.placement) }));
      // The real data of this account: an upload, the database secret, the event queue, a function's log events.
      const secret = main.values.value(`\${aws_db_instance.${Object.keys(main.json.resource?.aws_db_instance ?? {})[0]}.master_user_secret[0].secret_arn}`)!;
      const bucket = main.values.value(`\${aws_s3_bucket.${Object.keys(main.json.resource?.aws_s3_bucket ?? {})[0]}.arn}`)!;
      cases.push(
        { label: 'an uploaded object', action: 's3:GetObject', resource: `${bucket}/uploads/some-file.csv` },
        { label: 'the database secret', action: 'secretsmanager:GetSecretValue', resource: secret },
        { label: 'a Lambda environment via Lambda but not the platform key', action: 'kms:Decrypt', resource: `arn:aws:kms:${config.region}:${account}:key/other` },
      );
      const results = await decisions(model, principal, cases);
      expect(allowedOnly(results)).toEqual([]);
    });
  });

  describe('the apply role', () => {
    test('can create and change every resource type of the workload stack', async () => {
      const context = (action: string): Context => (action.startsWith('iam:') ? boundary : {});
      const cases = terraformCases(model, [main], 'write', context);
      const results = await decisions(model, apply, cases);
      expect(notAllowed(results)).toEqual([]);
    });

    test('can hand every workload role to the service that assumes it, and to no other', async () => {
      const cases = main.roles.flatMap((workload) => {
        const services = workload.trust.Statement.flatMap((s) => [(s.Principal as { Service?: string | string[] })?.Service ?? []].flat());
        return [
          ...services.map((service) => ({ label: `${workload.name} to ${service}`, action: 'iam:PassRole', resource: workload.arn, context: { 'iam:PassedToService': service } })),
          { label: `${workload.name} to ec2`, action: 'iam:PassRole', resource: workload.arn, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
        ];
      });
      const results = await decisions(model, apply, cases);
      expect(notAllowed(results)).toEqual(cases.filter((c) => c.label.endsWith('to ec2')).map((c) => c.label));
    });

    test('cannot create or change a workload role without the workload boundary', async () => {
      const target = `arn:aws:iam::${account}:role${WORKLOAD_ROLE_PATH}sample`;
      const actions = ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary'];
      const cases = actions.flatMap((action) => [
        { label: `${action} without a boundary`, action, resource: target },
        { label: `${action} with AdministratorAccess as boundary`, action, resource: target, context: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess' } },
      ]);
      cases.push({ label: 'iam:DeleteRolePermissionsBoundary with the boundary', action: 'iam:DeleteRolePermissionsBoundary', resource: target, context: boundary });
      const results = await decisions(model, apply, cases);
      expect(allowedOnly(results)).toEqual([]);
    });

    /** Every action that changes, deletes, re-trusts or hands out a role, or puts it in an instance profile. */
    const ROLE_CHANGES = [
      'iam:AttachRolePolicy', 'iam:CreateRole', 'iam:DeleteRole', 'iam:DeleteRolePermissionsBoundary', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy',
      'iam:PassRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:UpdateAssumeRolePolicy',
      'iam:UpdateRole', 'iam:UpdateRoleDescription',
    ];
    test.each([
      ...bootstrap.roles.map((r) => [`the CI role ${r.name}`, r.arn] as const),
      ['an organisation admin role', adminRole] as const,
      ['a role on another path', `arn:aws:iam::${account}:role/break-glass/admin`] as const,
      ['a service-linked role', `arn:aws:iam::${account}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS`] as const,
    ])('cannot change, delete, re-trust or pass %s (even with the boundary)', async (_label, target) => {
      const cases = ROLE_CHANGES.map((action) => ({ label: action, action, resource: target, context: { ...boundary, 'iam:PassedToService': 'lambda.amazonaws.com' } }));
      const results = await decisions(model, apply, cases);
      expect(allowedOnly(results)).toEqual([]);
    });

    test('cannot touch the GitHub OIDC provider', async () => {
      const actions = ['iam:DeleteOpenIDConnectProvider', 'iam:UpdateOpenIDConnectProviderThumbprint', 'iam:AddClientIDToOpenIDConnectProvider', 'iam:RemoveClientIDFromOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider'];
      const results = await decisions(model, apply, [
        ...actions.map((action) => ({ label: action, action, resource: oidcProvider })),
        { label: 'iam:CreateOpenIDConnectProvider', action: 'iam:CreateOpenIDConnectProvider', resource: `arn:aws:iam::${account}:oidc-provider/attacker.example` },
      ]);
      expect(allowedOnly(results)).toEqual([]);
    });

    const ESCALATIONS = escalationChecks({ accountId: account, applyRole: apply, planRole: plan, boundaryArn, workloadRolePath: WORKLOAD_ROLE_PATH });
    test.each(ESCALATIONS.map((e) => [e.method, e] as const))('escalation %s is denied', async (_method, escalation) => {
      expect(await decide(model, { principal: apply, action: escalation.action, resource: escalation.resource, context: escalation.context })).not.toBe('Allowed');
    });

    test('every workload role it can pass is capped by the boundary: none can change IAM or assume roles', async () => {
      const cases = ['iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:CreateAccessKey', 'iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'].map((action) => ({
        label: action,
        action,
        resource: action.startsWith('sts') ? adminRole : sampleArn(action, model.placement),
      }));
      // The strongest identity policy a workload role could be given: everything.
      for (const workload of main.roles) {
        expect(workload.boundary?.arn).toBe(boundaryArn);
        const unbounded: RoleModel = { ...workload, identityPolicies: [{ name: 'everything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }] };
        const results = await decisions(model, unbounded, cases);
        expect([workload.name, allowedOnly(results)]).toEqual([workload.name, []]);
      }
    });
  });
});

}

test('the vendored AWS managed policies name their source and version', () => {
  const dir = path.join(__dirname, '..', '..', 'iam', 'aws-managed-policies');
  for (const file of fs.readdirSync(dir)) {
    const policy = awsManagedPolicy(`arn:aws:iam::aws:policy/${file.replace(/\.json$/, '')}`);
    expect(policy.source).toMatch(/ @ [0-9a-f]{40}$/);
    expect(policy.versionId).toMatch(/^v\d+$/);
  }
});
