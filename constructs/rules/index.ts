import { apiMethodAuthorization } from './apigateway/method-authorization';
import { apiStageAccessLogs } from './apigateway/stage-access-logs';
import { apiStageTracing } from './apigateway/stage-tracing';
import { apiStageWaf } from './apigateway/stage-waf';
import { iamGithubOidcSubject } from './iam/github-oidc-subject';
import { iamNoAccountWideRead } from './iam/no-account-wide-read';
import { iamNoAdminPolicies } from './iam/no-admin-policies';
import { iamNoServiceWidePolicies } from './iam/no-service-wide-policies';
import { iamNoUnscopedWrite } from './iam/no-unscoped-write';
import { iamNoWildcardActions } from './iam/no-wildcard-actions';
import { kmsExplicitPolicy } from './kms/explicit-policy';
import { kmsKeyRotation } from './kms/key-rotation';
import { lambdaAsyncDeadLetter } from './lambda/async-dead-letter';
import { lambdaEnvironmentEncryption } from './lambda/environment-encryption';
import { lambdaNoSecretsInEnvironment } from './lambda/no-secrets-in-environment';
import { lambdaPermissionSourceArn } from './lambda/permission-source-arn';
import { lambdaReservedConcurrency } from './lambda/reserved-concurrency';
import { lambdaSupportedRuntime } from './lambda/supported-runtime';
import { lambdaTracingActive } from './lambda/tracing-active';
import { logGroupKmsEncryption } from './logs/kms-encryption';
import { logGroupRetention } from './logs/retention';
import { snsTopicCustomerManagedKey } from './messaging/sns-topic-cmk';
import { sqsQueueCustomerManagedKey } from './messaging/sqs-queue-cmk';
import { securityGroupDescriptions } from './network/descriptions';
import { securityGroupNarrowEgress } from './network/narrow-egress';
import { securityGroupNoWorldIngress } from './network/no-world-ingress';
import { vpcDefaultSecurityGroupLocked } from './network/default-security-group-locked';
import { vpcFlowLogs } from './network/vpc-flow-logs';
import { rdsBackupRetention } from './rds/backup-retention';
import { rdsCopyTagsToSnapshot } from './rds/copy-tags-to-snapshot';
import { rdsDeletionProtection } from './rds/deletion-protection';
import { rdsEnhancedMonitoring } from './rds/enhanced-monitoring';
import { rdsIamAuthentication } from './rds/iam-authentication';
import { rdsLogExports } from './rds/log-exports';
import { rdsMinorVersionUpgrade } from './rds/minor-version-upgrade';
import { rdsNotPublic } from './rds/not-public';
import { rdsPerformanceInsights } from './rds/performance-insights';
import { rdsStorageEncrypted } from './rds/storage-encrypted';
import { rdsTlsParameterGroup } from './rds/tls-parameter-group';
import type { Rule } from './rule';
import { s3KmsEncryption } from './s3/kms-encryption';
import { s3PublicAccessBlock } from './s3/public-access-block';
import { s3TlsOnly } from './s3/tls-only';
import { s3Versioning } from './s3/versioning';
import { secretCustomerManagedKey } from './secrets/customer-managed-key';
import { secretRotation } from './secrets/rotation';
import { wafKnownBadInputsBlocking } from './waf/known-bad-inputs-blocking';
import { wafLogging } from './waf/logging';

export type { ResourceView, Rule, RuleContext } from './rule';

/** Every rule the engine runs, in report order. Adding a rule: one file in an area folder, one line here, two fixtures. */
export const RULES: readonly Rule[] = [
  lambdaTracingActive,
  lambdaReservedConcurrency,
  lambdaAsyncDeadLetter,
  lambdaEnvironmentEncryption,
  lambdaSupportedRuntime,
  lambdaNoSecretsInEnvironment,
  lambdaPermissionSourceArn,
  rdsStorageEncrypted,
  rdsNotPublic,
  rdsIamAuthentication,
  rdsBackupRetention,
  rdsDeletionProtection,
  rdsTlsParameterGroup,
  rdsLogExports,
  rdsEnhancedMonitoring,
  rdsPerformanceInsights,
  rdsMinorVersionUpgrade,
  rdsCopyTagsToSnapshot,
  securityGroupNoWorldIngress,
  securityGroupDescriptions,
  securityGroupNarrowEgress,
  vpcFlowLogs,
  vpcDefaultSecurityGroupLocked,
  apiStageAccessLogs,
  apiStageTracing,
  apiMethodAuthorization,
  apiStageWaf,
  wafKnownBadInputsBlocking,
  wafLogging,
  logGroupRetention,
  logGroupKmsEncryption,
  snsTopicCustomerManagedKey,
  sqsQueueCustomerManagedKey,
  s3PublicAccessBlock,
  s3Versioning,
  s3KmsEncryption,
  s3TlsOnly,
  iamNoWildcardActions,
  iamNoUnscopedWrite,
  iamNoAdminPolicies,
  iamGithubOidcSubject,
  iamNoAccountWideRead,
  iamNoServiceWidePolicies,
  kmsKeyRotation,
  kmsExplicitPolicy,
  secretCustomerManagedKey,
  secretRotation,
];
