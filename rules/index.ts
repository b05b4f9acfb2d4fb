import { apiMethodAuthorization } from './apigateway/method-authorization';
import { apiStageExecutionLogging } from './apigateway/execution-logging';
import { apiStageAccessLogs } from './apigateway/stage-access-logs';
import { apiStageTracing } from './apigateway/stage-tracing';
import { apiStageWaf } from './apigateway/stage-waf';
import { dynamodbCustomerManagedKey } from './dynamodb/customer-managed-key';
import { dynamodbPointInTimeRecovery } from './dynamodb/point-in-time-recovery';
import { iamGithubOidcSubject } from './iam/github-oidc-subject';
import { iamNoAccountWideRead } from './iam/no-account-wide-read';
import { iamNoAdminPolicies } from './iam/no-admin-policies';
import { iamNoServiceWidePolicies } from './iam/no-service-wide-policies';
import { iamNoUnscopedWrite } from './iam/no-unscoped-write';
import { iamNoWildcardActions } from './iam/no-wildcard-actions';
import { iamValidPolicies } from './iam/valid-policies';
import { kmsExplicitPolicy } from './kms/explicit-policy';
import { kmsKeyRotation } from './kms/key-rotation';
import { lambdaAsyncDeadLetter } from './lambda/async-dead-letter';
import { lambdaDatabaseInVpc } from './lambda/database-in-vpc';
import { lambdaEnvironmentEncryption } from './lambda/environment-encryption';
import { lambdaNoSecretsInEnvironment } from './lambda/no-secrets-in-environment';
import { lambdaNoPublicInvoke } from './lambda/no-public-invoke';
import { lambdaPermissionSourceArn } from './lambda/permission-source-arn';
import { lambdaReservedConcurrency } from './lambda/reserved-concurrency';
import { lambdaSupportedRuntime } from './lambda/supported-runtime';
import { lambdaTracingActive } from './lambda/tracing-active';
import { logGroupKmsEncryption } from './logs/kms-encryption';
import { logGroupRetention } from './logs/retention';
import { snsPolicyNotPublic } from './messaging/sns-policy-not-public';
import { snsTopicCustomerManagedKey } from './messaging/sns-topic-cmk';
import { sqsPolicyNotPublic } from './messaging/sqs-policy-not-public';
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
import { rdsManagedMasterSecret } from './rds/managed-master-secret';
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
  lambdaNoPublicInvoke,
  lambdaDatabaseInVpc,
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
  rdsManagedMasterSecret,
  securityGroupNoWorldIngress,
  securityGroupDescriptions,
  securityGroupNarrowEgress,
  vpcFlowLogs,
  vpcDefaultSecurityGroupLocked,
  apiStageAccessLogs,
  apiStageTracing,
  apiMethodAuthorization,
  apiStageWaf,
  apiStageExecutionLogging,
  wafKnownBadInputsBlocking,
  wafLogging,
  logGroupRetention,
  logGroupKmsEncryption,
  snsTopicCustomerManagedKey,
  snsPolicyNotPublic,
  sqsQueueCustomerManagedKey,
  sqsPolicyNotPublic,
  dynamodbCustomerManagedKey,
  dynamodbPointInTimeRecovery,
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
  iamValidPolicies,
  kmsKeyRotation,
  kmsExplicitPolicy,
  secretCustomerManagedKey,
  secretRotation,
];
