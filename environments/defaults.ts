import type { AccountConfig } from './schema';

/**
 * The GitHub repository whose workflows may assume the CI roles, written once here (tags and trust
 * policies read it). Step 1 of the one-time setup in GitHub (docs/github-setup.md): run the `OIDC subjects` workflow
 * (.github/workflows/oidc-subjects.yml), which prints the `sub` GitHub really sends and fails when it
 * differs from what these values make the trust policies expect. The ids come from
 * `gh api repos/<owner>/<repo> --jq '.owner.id, .id'`; they never change, even on a rename.
 */
const GITHUB: AccountConfig['github'] = {
  repository: 'ppu-platform/aws-infrastructure',
  // Repository created after GitHub's 2026 cut-over: its `sub` carries the immutable ids.
  subjectFormat: 'immutable',
  ownerId: 201839475,
  repositoryId: 1048276391,
};

/**
 * Organisation-wide defaults: the root.hcl of this repository. Every account file inherits these
 * and lists only what differs. Sizes here are the production-like (staging) values from
 * shared/DESIGN.md; smaller accounts turn them down.
 */
export const defaults: Omit<AccountConfig, 'name' | 'accountId' | 'environment' | 'availabilityZones' | 'network'> & {
  readonly network: Omit<AccountConfig['network'], 'cidr' | 'publicSubnetCidrs' | 'privateSubnetCidrs'>;
} = {
  region: 'eu-west-1',
  organisation: 'ppu-platform',
  stateBucketPattern: '{organisation}-tfstate-{accountId}-{region}',
  tags: {
    'managed-by': 'cdktf',
    repository: GITHUB.repository,
  },
  github: GITHUB,
  ci: {
    planRoleName: 'github-actions-plan',
    prPlanRoleName: 'github-actions-pr-plan',
    applyRoleName: 'github-actions-apply',
    oidcThumbprints: ['6938fd4d98bab03faadb97b34396831e3780aea1'],
    // An account where another repository already set up GitHub's provider sets 'existing' or 'import'.
    oidcProvider: 'create',
  },
  logRetentionDays: 90,
  network: {
    // No VPC function reaches the internet, so no NAT is paid for; an account that turns
    // lambdaHttpsToInternet on also sets natGateways ('per-az' for zone-outage tolerance).
    natGateways: 'none',
    lambdaHttpsToInternet: false,
    // Exactly the interface endpoints the VPC functions' code calls (secretsmanager: the database
    // secret, also read by the RDS Proxy; monitoring: sync-clock's metrics; sqs: the test runner's
    // queue check); S3 and DynamoDB use free gateway endpoints. A stack test checks both ways.
    interfaceEndpoints: ['secretsmanager', 'monitoring', 'sqs'],
    flowLogRetentionDays: 90,
  },
  database: {
    engineVersion: '16.4',
    instanceClass: 'db.t4g.medium',
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 100,
    backupRetentionDays: 7,
    multiAz: true,
    deletionProtection: true,
    finalSnapshot: true,
    proxy: false,
    performanceInsightsRetentionDays: 7,
    monitoringIntervalSeconds: 60,
    databaseName: 'ppu',
    masterUsername: 'ppu_admin',
    slowStatementMs: 1000,
  },
  storage: {
    corsAllowedOrigins: [],
    presignedUrlExpirySeconds: 900,
    maxUploadBytes: 104857600,
  },
  queue: {
    messageRetentionSeconds: 345600,
    maxReceiveCount: 5,
  },
  functions: {},
  // Production-like accounts judge a new version on a tenth of the traffic before it gets the rest.
  delivery: { strategy: 'canary-10-percent-5-minutes' },
  api: {
    auth: 'IAM',
    throttleRateLimit: 100,
    throttleBurstLimit: 200,
    loggingLevel: 'ERROR',
  },
  waf: {
    rateLimitPer5Minutes: 2000,
    // The API is IAM-authenticated: its callers are backends and CI runners on cloud networks.
    hostingProviderIps: 'count',
  },
  alarms: {
    apiErrorRatePercent: 5,
    apiP95LatencyMs: 10000,
    apiEvaluationMinutes: 5,
    dbConnectionsPercentOfMax: 80,
    dbCpuPercent: 80,
    dbFreeStorageGiB: 5,
    functionErrorRatePercent: 5,
    functionDurationPercentOfTimeout: 80,
    wafBlockedRequestsPer5Minutes: 500,
  },
  notifications: {
    emails: [],
  },
  // Exceptions to the security rules are written per account, each with its reason.
  suppressions: [],
  // Every unit on; the data unit (the database and stored data) is applied only with an approval,
  // even in an account whose merges auto-apply.
  units: {
    foundation: { enabled: true, requireApproval: false },
    network: { enabled: true, requireApproval: false },
    data: { enabled: true, requireApproval: true },
    app: { enabled: true, requireApproval: false },
    edge: { enabled: true, requireApproval: false },
    observability: { enabled: true, requireApproval: false },
  },
};
