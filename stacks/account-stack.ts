import { Construct } from 'constructs';
import { S3Backend, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { AccountConfig } from '../environments/schema';
import { stateBucketName } from '../environments/load';
import { stateKey } from '../environments/units';
import { applyRules } from '../rules/engine';

/** The AWS provider version the @cdktf/provider-aws bindings were generated for. */
export const AWS_PROVIDER_VERSION = '5.100.0';

/**
 * The Terraform versions every stack accepts: the S3 backend's use_lockfile needs 1.10 or newer
 * (https://developer.hashicorp.com/terraform/language/v1.10.x/upgrade-guides, "S3 Native State
 * Locking"), and 2.0 may break the 1.x compatibility promises. An older Terraform then stops with
 * its own "Unsupported Terraform Core version" before reading the backend. The version CI and
 * laptops install is pinned in .terraform-version.
 */
export const TERRAFORM_REQUIRED_VERSION = '>= 1.10.0, < 2.0.0';

export interface AccountStackProps {
  readonly config: AccountConfig;
  /** The unit of state inside the account (main, bootstrap ...); third part of the state key. */
  readonly unit: string;
  /**
   * The account file whose `suppressions` may accept this stack's rule findings, named in each
   * finding. Default: none (the stack's exceptions are written in code).
   */
  readonly acceptSuppressionsIn?: string;
  /** The unit those suppressions name to reach this stack (named in each finding). Default: none. */
  readonly suppressionUnit?: string;
}

export { stateKey } from '../environments/units';

/**
 * The one place where backend and provider are wired. Every stack of an account extends it, so
 * state lives in that account's bucket under a key derived from the stack's place, and the
 * provider refuses credentials of any other account (allowed_account_ids).
 * Credentials come from the environment (CI assumes the account's plan or apply role first).
 */
export abstract class AccountStack extends TerraformStack {
  readonly config: AccountConfig;

  constructor(scope: Construct, id: string, props: AccountStackProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;

    new S3Backend(this, {
      bucket: stateBucketName(config),
      key: stateKey(config, props.unit),
      region: config.region,
      encrypt: true,
    });
    // Native S3 locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no field for it.
    this.addOverride('terraform.backend.s3.use_lockfile', true);
    this.addOverride('terraform.required_version', TERRAFORM_REQUIRED_VERSION);
    // Pin the provider exactly: CI, laptops and tests must run the version the bindings match.
    this.addOverride('terraform.required_providers.aws.version', AWS_PROVIDER_VERSION);

    new AwsProvider(this, 'aws', {
      region: config.region,
      allowedAccountIds: [config.accountId],
      defaultTags: [{ tags: config.tags }],
    });
    // Secure by default, checked by code: synthesis fails on any unsuppressed rule finding.
    applyRules(this, { acceptIn: props.acceptSuppressionsIn, acceptUnit: props.suppressionUnit });
  }
}
