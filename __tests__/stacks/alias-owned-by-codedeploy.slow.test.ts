import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadEnvironments } from '../../environments/load';
import { FUNCTIONS } from '../../catalogue';
import { DATABASE_ADMIN } from '../../catalogue/database-admin';
import { POST_TRAFFIC_HOOK, PRE_TRAFFIC_HOOK } from '../../catalogue/deployment-hooks';
import { terraformEnv } from '../../tools/lib/terraform-env';
import { startStsServer, type StsServer } from '../../tools/local-aws/sts-server';
import { unitStackName } from '../../environments/units';
import { synthesizeAtomically } from '../../stacks/synthesize';
import { LegacyWorkloadStack } from '../../stacks/workload';
import { readStack, sharedSynth } from '../helpers/terraform';

/**
 * Terraform must not fight CodeDeploy over the live alias. After a release CodeDeploy has moved
 * the alias (UpdateAlias), during a canary the alias routes part of the traffic to the new version
 * (routing_config), and after a rollback it points below the newest version Terraform published.
 * A real `terraform plan` of the synthesized stack against a state holding exactly those aliases
 * must plan nothing for them (lifecycle ignore_changes on function_version and routing_config:
 * https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle#ignore_changes).
 * The plan runs with -refresh=false on a local state; the provider reaches only the STS stand-in.
 * The aliases live in the app unit, which reads other units' outputs from their remote states; the
 * plan runs on the account's whole workload built as one stack by the same builder
 * (LegacyWorkloadStack), after checking that its aliases are the app unit's (all but the metadata).
 */

const run = promisify(execFile);
const [account] = loadEnvironments({ overrides: {} });
let outdir: string;
let workDir: string;
let sts: StsServer;

beforeAll(async () => {
  outdir = sharedSynth();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alias-plan-'));
  sts = await startStsServer({ accountId: account.accountId });
}, 300_000);
afterAll(async () => {
  await sts?.close();
  fs.rmSync(workDir, { recursive: true, force: true });
});

interface ResourceChange {
  readonly type: string;
  readonly name: string;
  readonly change: { readonly actions: readonly string[] };
}

test("a plan after a release, during a canary and after a rollback leaves every catalogue function's live alias alone", async () => {
  const legacyOut = path.join(workDir, 'legacy');
  synthesizeAtomically(legacyOut, (app) => new LegacyWorkloadStack(app, { config: account }));
  const stackDir = path.join(workDir, account.name);
  fs.cpSync(path.join(legacyOut, 'stacks', account.name), stackDir, { recursive: true });
  const stack = readStack(legacyOut, account.name);
  const appUnit = readStack(outdir, unitStackName(account.name, 'app'));
  const withoutMetadata = (aliases: Record<string, Record<string, unknown>>) => Object.fromEntries(Object.entries(aliases).map(([key, { '//': _metadata, ...alias }]) => [key, alias]));
  expect(withoutMetadata(stack.resource.aws_lambda_alias)).toEqual(withoutMetadata(appUnit.resource.aws_lambda_alias));
  const functionNames = new Map(Object.entries(stack.resource.aws_lambda_function).map(([key, fn]: [string, any]) => [`\${aws_lambda_function.${key}.function_name}`, fn.function_name as string]));
  const aliases = Object.entries(stack.resource.aws_lambda_alias as Record<string, any>)
    .map(([key, alias]) => ({ key, functionName: functionNames.get(alias.function_name) as string }))
    .filter((alias) => FUNCTIONS.some((fn) => fn.name === alias.functionName));
  expect(aliases.map((a) => a.functionName).sort()).toEqual(FUNCTIONS.map((fn) => fn.name).sort());

  // The aliases as CodeDeploy left them: the first mid-canary (10% on version 4), the rest on version 2
  // while Terraform's configuration would point them at the newest published version.
  const arn = (name: string) => `arn:aws:lambda:${account.region}:${account.accountId}:function:${name}`;
  const state = {
    version: 4,
    terraform_version: '1.11.0',
    serial: 1,
    lineage: randomUUID(),
    outputs: {},
    resources: aliases.map((alias, index) => ({
      mode: 'managed',
      type: 'aws_lambda_alias',
      name: alias.key,
      provider: 'provider["registry.terraform.io/hashicorp/aws"]',
      instances: [
        {
          schema_version: 0,
          attributes: {
            arn: `${arn(alias.functionName)}:live`,
            description: 'The version triggers invoke; move it to roll back',
            function_name: alias.functionName,
            function_version: index === 0 ? '3' : '2',
            id: `${arn(alias.functionName)}:live`,
            invoke_arn: `arn:aws:apigateway:${account.region}:lambda:path/2015-03-31/functions/${arn(alias.functionName)}:live/invocations`,
            name: 'live',
            routing_config: index === 0 ? [{ additional_version_weights: { '4': 0.1 } }] : [],
          },
          sensitive_attributes: [],
        },
      ],
    })),
  };
  fs.writeFileSync(path.join(stackDir, 'terraform.tfstate'), JSON.stringify(state));
  // A local backend (this state) and the STS stand-in; cdk.tf.json stays as synthesized.
  fs.writeFileSync(
    path.join(stackDir, 'alias_plan_override.tf.json'),
    JSON.stringify({ terraform: { backend: { local: { path: 'terraform.tfstate' } } }, provider: { aws: [{ endpoints: [{ sts: sts.url }], skip_metadata_api_check: true }] } }),
  );
  const env = {
    ...terraformEnv(),
    AWS_ACCESS_KEY_ID: 'ASIALOCALSTANDIN',
    AWS_SECRET_ACCESS_KEY: 'local-stand-in-secret',
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const options = { cwd: stackDir, env, maxBuffer: 256 * 1024 * 1024 };
  try {
    await run('terraform', ['init', '-input=false', '-no-color', '-reconfigure'], options);
    await run('terraform', ['plan', '-refresh=false', '-input=false', '-no-color', '-lock=false', '-out=plan.bin'], options);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`terraform failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
  const { stdout } = await run('terraform', ['show', '-json', 'plan.bin'], options);
  const changes = (JSON.parse(stdout).resource_changes as ResourceChange[]).filter((change) => change.type === 'aws_lambda_alias');
  for (const alias of aliases) {
    const change = changes.find((c) => c.name === alias.key) as ResourceChange;
    expect([alias.functionName, change.change.actions]).toEqual([alias.functionName, ['no-op']]);
  }
  // The hooks' and database-admin's aliases are Terraform's: not in this state, so planned as new.
  const terraformAliases = changes.filter((change) => !aliases.some((alias) => alias.key === change.name));
  expect(terraformAliases.map((change) => change.change.actions)).toEqual([['create'], ['create'], ['create']]);
  expect(changes).toHaveLength(FUNCTIONS.length + [PRE_TRAFFIC_HOOK, POST_TRAFFIC_HOOK].length + [DATABASE_ADMIN].length);
}, 600_000);
