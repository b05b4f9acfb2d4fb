import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Testing } from 'cdktf';
import { ConfigError, loadEnvironments } from '../../environments/load';
import type { AccountConfig } from '../../environments/schema';
import { BootstrapStack } from '../../stacks/bootstrap-stack';
import { unitStackName } from '../../environments/units';
import { githubOidcProviderArn } from '../../stacks/github-oidc';
import { checkovCopy, checkovUnparsable } from '../../tools/ci/export-checkov';
import { terraformEnv } from '../../tools/lib/terraform-env';
import { tempDir } from '../helpers/temp';
import { readStack, sharedSynth } from '../helpers/terraform';

const run = promisify(execFile);

/**
 * IAM keeps one OIDC provider per URL per account: "You cannot register the same provider multiple
 * times in a single Amazon Web Services account" (Url, and the EntityAlreadyExists error of
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html). Where
 * another repository already set up token.actions.githubusercontent.com, the bootstrap must not
 * create it again: ci.oidcProvider 'existing' trusts that provider by its ARN
 * (arn:aws:iam::<account>:oidc-provider/<host>, fixed by the URL) and creates nothing, 'import'
 * adopts it with a Terraform import block (aws_iam_openid_connect_provider imports by ARN:
 * https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/resources/iam_openid_connect_provider#import).
 */
const accounts = loadEnvironments({ overrides: {} });

function synthBootstrap(config: AccountConfig, oidcProvider: AccountConfig['ci']['oidcProvider']): Record<string, any> {
  const [loaded] = loadEnvironments({ overrides: { [config.name]: { ci: { oidcProvider } } } }).filter((a) => a.name === config.name);
  return JSON.parse(Testing.synth(new BootstrapStack(Testing.app(), unitStackName(loaded.name, 'bootstrap'), { config: loaded })));
}

const federatedPrincipals = (json: Record<string, any>) =>
  Object.values(json.resource.aws_iam_role as Record<string, { assume_role_policy: string }>).flatMap((role) =>
    (JSON.parse(role.assume_role_policy).Statement as { Principal: { Federated: string } }[]).map((s) => s.Principal.Federated),
  );

describe.each(accounts.map((a) => [a.name, a] as const))('the GitHub OIDC provider of %s (ci.oidcProvider)', (_name, config) => {
  test(`the synthesized bootstrap stack does what the account file's setting (${config.ci.oidcProvider}) says`, () => {
    const json = readStack(sharedSynth(), unitStackName(config.name, 'bootstrap'));
    const providers = Object.keys(json.resource.aws_iam_openid_connect_provider ?? {});
    expect([providers.length, (json.import ?? []).length]).toEqual(
      { create: [1, 0], existing: [0, 0], import: [1, 1] }[config.ci.oidcProvider],
    );
  });

  test("'create': the bootstrap stack creates the provider for the STS audience, and every role trusts it", () => {
    const json = synthBootstrap(config, 'create');
    expect(Object.values(json.resource.aws_iam_openid_connect_provider)).toEqual([
      expect.objectContaining({ url: 'https://token.actions.githubusercontent.com', client_id_list: ['sts.amazonaws.com'] }),
    ]);
    expect(json.import).toBeUndefined();
    expect(new Set(federatedPrincipals(json))).toEqual(new Set([githubOidcProviderArn(config.accountId)]));
  });

  test("'existing': nothing is created (CreateOpenIDConnectProvider would fail with EntityAlreadyExists); the roles trust the existing provider by its ARN", () => {
    const json = synthBootstrap(config, 'existing');
    expect(json.resource.aws_iam_openid_connect_provider).toBeUndefined();
    expect(json.import).toBeUndefined();
    expect(new Set(federatedPrincipals(json))).toEqual(new Set([`arn:aws:iam::${config.accountId}:oidc-provider/token.actions.githubusercontent.com`]));
  });

  test("'import': the provider is adopted into the bootstrap state by its ARN, and the copy CI's checkov scans leaves the import block out", () => {
    const json = synthBootstrap(config, 'import');
    const [name] = Object.keys(json.resource.aws_iam_openid_connect_provider);
    expect(json.import).toEqual([{ to: `aws_iam_openid_connect_provider.${name}`, id: githubOidcProviderArn(config.accountId) }]);
    expect(new Set(federatedPrincipals(json))).toEqual(new Set([githubOidcProviderArn(config.accountId)]));
    // checkov's terraform_json parser reads every top-level block as an object (tools/ci/export-checkov.ts).
    expect(checkovUnparsable(json)).toEqual(expect.arrayContaining(['import']));
    expect(checkovUnparsable(checkovCopy(json, 'bootstrap'))).toEqual([]);
  });
});

test('an unknown ci.oidcProvider is refused naming the file, the field, the choices and how to look', () => {
  const [config] = accounts;
  let problems: readonly string[] = [];
  try {
    loadEnvironments({ overrides: { [config.name]: { ci: { oidcProvider: 'reuse' as never } } } });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    problems = (error as ConfigError).problems;
  }
  expect(problems).toEqual([
    expect.stringMatching(/: ci\.oidcProvider: use 'create' .* 'existing' .* or 'import' .*`aws iam list-open-id-connect-providers` shows whether one exists$/),
  ]);
});

// Terraform itself accepts the adopting stack: the import block's address and id form validate
// against the provider schema (offline: the provider comes from TF_PROVIDER_MIRROR, no backend).
test("terraform validates the 'import' bootstrap stack", async () => {
  const [config] = accounts;
  const json = synthBootstrap(config, 'import');
  delete json.terraform.backend;
  const dir = tempDir('oidc-import-');
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(json));
  const env = terraformEnv();
  await run('terraform', ['init', '-backend=false', '-input=false', '-no-color'], { cwd: dir, env });
  const { stdout } = await run('terraform', ['validate', '-json', '-no-color'], { cwd: dir, env });
  expect(JSON.parse(stdout)).toMatchObject({ valid: true, error_count: 0 });
}, 120_000);
