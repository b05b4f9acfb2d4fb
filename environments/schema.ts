import { z } from 'zod';
import { UNIT_DEPENDENCIES, WORKLOAD_UNITS, type WorkloadUnit } from './units';
import type { AlarmThresholds } from '../constructs/alarms';
import { DB_INSTANCE_FAMILIES, dbInstanceMemoryGiB, KNOWN_REGIONS, REGION_AZ_LETTERS } from './aws-facts';
import { isIpv4Cidr, isPrivateIpv4Cidr, PRIVATE_IPV4_RANGES } from './cidr';
import { DEPLOYMENT_STRATEGY_NAMES } from './deployment-strategies';

/**
 * The schema of one account's merged configuration (defaults -> account file -> overrides).
 * Every object is strict, so a misspelt field is an error rather than a silently ignored knob.
 * Messages say what is allowed, because they reach people editing an account file.
 */

const cidr = z.string().refine(isIpv4Cidr, {
  error: 'is not an IPv4 CIDR block; write it like 10.10.0.0/16',
});

const positiveInt = z.number().int().positive();

const tags = z.record(
  z.string().regex(/^[\w.:/=+@ -]{1,128}$/, { error: 'tag keys are 1-128 characters of letters, digits and _.:/=+-@' }),
  z.string().max(256),
);

const GITHUB_ID_ERROR = "is GitHub's numeric id; read it with: gh api repos/OWNER/REPO --jq '.owner.id, .id'";
const githubId = z.number({ error: GITHUB_ID_ERROR }).int({ error: GITHUB_ID_ERROR }).positive({ error: GITHUB_ID_ERROR });

const githubSchema = z
  .strictObject({
    /** GitHub owner/repository whose workflows may assume the CI roles. */
    repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: "must be 'owner/repo'" }),
    /**
     * How GitHub writes the repository into the OIDC `sub` claim: 'immutable' (owner@ownerId/repo@repositoryId,
     * every repository created, renamed or transferred after GitHub's 2026 cut-over, or opted in) or 'legacy'
     * (owner/repo, an older repository that never opted in). See stacks/github-oidc.ts.
     */
    subjectFormat: z.enum(['immutable', 'legacy'], { error: "use 'immutable' (repositories created after GitHub's 2026 cut-over) or 'legacy' (older repositories that did not opt in)" }),
    /** Numeric id of the repository owner (user or organisation); required for the immutable subject. */
    ownerId: githubId.optional(),
    /** Numeric id of the repository; required for the immutable subject. */
    repositoryId: githubId.optional(),
    /**
     * 'main': every merge to main applies the account through deploy.yml (dev). deploy.yml runs on
     * pushes to main only, so no other branch is accepted: it would deploy nothing through the
     * workflows and only widen the apply role's trust.
     */
    applyBranch: z
      .literal('main', {
        error: "must be 'main' (deploy.yml runs on pushes to main only); to apply after a review instead, remove applyBranch and set applyEnvironment",
      })
      .optional(),
    /**
     * GitHub environment whose jobs may apply (staging), gated by required reviewers. An account
     * with one is applied only through it: it cannot also set applyBranch.
     */
    applyEnvironment: z.string().min(1).optional(),
  })
  .superRefine((github, ctx) => {
    if (github.subjectFormat !== 'immutable') return;
    for (const field of ['ownerId', 'repositoryId'] as const) {
      if (github[field] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `is required with subjectFormat 'immutable' (GitHub puts it in every OIDC subject); set it in environments/defaults.ts from: gh api repos/${github.repository} --jq '.owner.id, .id'`,
        });
      }
    }
  });

const ciSchema = z.strictObject({
  planRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/),
  /** The role pull-request plans assume: trusts pull_request only, reads without data, writes nothing. */
  prPlanRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/),
  applyRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/),
  /** Thumbprint list of token.actions.githubusercontent.com; AWS no longer checks it but the API requires one. */
  oidcThumbprints: z.array(z.string().regex(/^[0-9a-f]{40}$/)).min(1),
  /**
   * Who owns the account's GitHub OIDC provider. IAM holds one provider per URL per account, so
   * where another repository already created token.actions.githubusercontent.com, creating it again
   * fails with EntityAlreadyExists (README, "Adding an account", bootstrap step):
   * - 'create': the bootstrap stack creates and owns it (no provider exists yet);
   * - 'existing': another owner keeps it; the roles trust it by its ARN and the bootstrap creates nothing;
   * - 'import': the bootstrap stack adopts the existing one (Terraform import block) and owns it from then on.
   */
  oidcProvider: z.enum(['create', 'existing', 'import'], {
    error:
      "use 'create' (no GitHub OIDC provider in the account yet), 'existing' (another repository owns it: the roles trust it by ARN) or 'import' (adopt it into the bootstrap stack); `aws iam list-open-id-connect-providers` shows whether one exists",
  }),
});

const networkSchema = z.strictObject({
  cidr: cidr.refine(isPrivateIpv4Cidr, {
    error: `is not a private (RFC 1918) block; use one inside ${PRIVATE_IPV4_RANGES.join(', ')}, e.g. 10.30.0.0/16 (and carve the subnets from it)`,
  }),
  publicSubnetCidrs: z.array(cidr).length(2, { error: 'give one public subnet per availability zone (2)' }),
  privateSubnetCidrs: z.array(cidr).length(2, { error: 'give one private subnet per availability zone (2)' }),
  /** NAT gateways, only when something needs internet egress: 'none', 'single' (one) or 'per-az' (one per AZ, high availability). */
  natGateways: z.enum(['none', 'single', 'per-az']),
  /** Let the VPC functions open HTTPS to the internet through NAT (for an AWS API without an endpoint here). */
  lambdaHttpsToInternet: z.boolean(),
  interfaceEndpoints: z.array(z.enum(['secretsmanager', 'logs', 'sts', 'monitoring', 'sqs', 'kms', 'rds'])),
  flowLogRetentionDays: positiveInt,
});

const databaseSchema = z.strictObject({
  engineVersion: z.string().regex(/^1[5-9](\.\d+)?$/, { error: 'use a current PostgreSQL major version (15 or newer), e.g. 16.4' }),
  instanceClass: z.string().refine((value) => dbInstanceMemoryGiB(value) !== undefined, {
    error: `is not a known RDS instance class; use <family>.<size> with family one of ${Object.keys(DB_INSTANCE_FAMILIES).join(', ')}`,
  }),
  allocatedStorageGiB: z.number().int().min(20).max(65536),
  maxAllocatedStorageGiB: z.number().int().min(20).max(65536),
  backupRetentionDays: z.number().int().min(1, { error: 'backup retention must be 1-35 days' }).max(35, { error: 'backup retention must be 1-35 days' }),
  multiAz: z.boolean(),
  deletionProtection: z.boolean(),
  /** Take a final snapshot when the instance is destroyed. */
  finalSnapshot: z.boolean(),
  /** Put an RDS Proxy in front of the instance so Lambda bursts share a connection pool. */
  proxy: z.boolean(),
  performanceInsightsRetentionDays: z.union([z.literal(7), z.literal(31), z.literal(93), z.literal(731)]),
  monitoringIntervalSeconds: z.union([z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)]),
  databaseName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
  masterUsername: z.string().regex(/^[a-z][a-z0-9_]{0,15}$/),
  slowStatementMs: positiveInt,
});

const storageSchema = z.strictObject({
  corsAllowedOrigins: z.array(z.string().regex(/^https:\/\/[\w.-]+(:\d+)?$|^http:\/\/localhost(:\d+)?$/, { error: 'CORS origins are https://host[:port] (or http://localhost[:port])' })),
  presignedUrlExpirySeconds: z.number().int().min(60).max(604800),
  maxUploadBytes: positiveInt,
});

const queueSchema = z.strictObject({
  messageRetentionSeconds: z.number().int().min(60).max(1209600),
  maxReceiveCount: z.number().int().min(1).max(1000),
});

const STRATEGY_ERROR = `is not a deployment strategy; use one of ${DEPLOYMENT_STRATEGY_NAMES.join(', ')} (environments/deployment-strategies.ts)`;
/** How CodeDeploy shifts the live alias to a new version (environments/deployment-strategies.ts). */
const deploymentStrategy = z.enum(DEPLOYMENT_STRATEGY_NAMES, { error: STRATEGY_ERROR });

const functionSizeSchema = z.strictObject({
  memoryMiB: z.number().int().min(128).max(10240).optional(),
  timeoutSeconds: z.number().int().min(1).max(900).optional(),
  /**
   * Executions reserved for (and capping) the function, or 'off' to leave it in the account's
   * unreserved pool (e.g. while the account's Lambda concurrency quota is below 100 + the reservations).
   */
  reservedConcurrency: z.union([z.number().int().min(1), z.literal('off')]).optional(),
  /** Lambda runtime, e.g. python3.13; checked against the allowed runtimes with the catalogue. */
  runtime: z.string().optional(),
  /** Overrides delivery.strategy for this function. */
  deploymentStrategy: deploymentStrategy.optional(),
});

const deliverySchema = z.strictObject({
  /** The strategy of every function of the account unless functions.<name>.deploymentStrategy says otherwise. */
  strategy: deploymentStrategy,
});

const apiSchema = z.strictObject({
  /** How callers authenticate: SigV4 (IAM) or API keys with a usage plan. */
  auth: z.enum(['IAM', 'API_KEY']),
  throttleRateLimit: positiveInt,
  throttleBurstLimit: positiveInt,
  loggingLevel: z.enum(['ERROR', 'INFO']),
});

const wafSchema = z.strictObject({
  rateLimitPer5Minutes: z.number().int().min(10).max(2000000000),
  /** AnonymousIpList's HostingProviderIPList (cloud and hosting networks, where IAM-signing backends run): 'count' or 'block'. */
  hostingProviderIps: z.enum(['count', 'block']),
});

const PERCENT_ERROR = 'is a percentage: use a number above 0 and at most 100';
const percent = z.number().gt(0, { error: PERCENT_ERROR }).max(100, { error: PERCENT_ERROR });

const alarmsSchema = z.strictObject({
  apiErrorRatePercent: percent,
  apiP95LatencyMs: positiveInt,
  apiEvaluationMinutes: positiveInt,
  dbConnectionsPercentOfMax: percent,
  dbCpuPercent: percent,
  dbFreeStorageGiB: z.number().positive(),
  functionErrorRatePercent: percent,
  /** p95 duration alarm fires at this share of the function's timeout. */
  functionDurationPercentOfTimeout: percent,
  wafBlockedRequestsPer5Minutes: positiveInt,
}) satisfies z.ZodType<AlarmThresholds>;

/**
 * An exception to one security rule for this account, written by a person with its reason
 * (README "Security rules"). Configuration never switches a rule off by itself.
 */
const suppressionSchema = z.strictObject({
  /** The rule id, e.g. PLAT-RDS-5 (constructs/rules/index.ts). */
  rule: z.string().regex(/^PLAT-[A-Z0-9]+-\d+$/, { error: "is a rule id such as 'PLAT-RDS-5' (see constructs/rules/index.ts)" }),
  /** The workload unit whose stack holds the construct (environments/units.ts; stacks/workload.ts UNIT_CONSTRUCTS), e.g. data. */
  unit: z.enum(WORKLOAD_UNITS, { error: `is a workload unit: one of ${WORKLOAD_UNITS.join(', ')}` }),
  /** Construct path below the unit's stack, e.g. Database (unit data) or Functions/SyncClock (unit app). */
  construct: z.string().regex(/^[\w-]+(\/[\w-]+)*$/, { error: "is a construct path below the unit's stack, such as 'Database' or 'Functions/SyncClock'" }),
  reason: z.string().trim().min(20, { error: 'say in at least 20 characters why the exception is safe for this account' }),
});

/** How CI treats one unit of the account (environments/units.ts). */
const unitPolicySchema = z.strictObject({
  /** Off: the unit's stack is not synthesized, planned or applied. A unit another enabled unit depends on must stay on. */
  enabled: z.boolean(),
  /** On: the merge deploy never applies this unit; it is applied only after a person approves (the data unit by default). */
  requireApproval: z.boolean(),
});

const unitsSchema = z.strictObject(
  Object.fromEntries(WORKLOAD_UNITS.map((unit) => [unit, unitPolicySchema])) as Record<WorkloadUnit, typeof unitPolicySchema>,
);

const notificationsSchema = z.strictObject({
  emails: z.array(z.email({ error: 'is not a valid email address' })),
  /** AWS Chatbot Slack channel; leave out to send email only. */
  slack: z
    .strictObject({
      workspaceId: z.string().regex(/^[A-Z0-9]{9,11}$/, { error: 'is the Slack workspace (team) id, like T01234567' }),
      channelId: z.string().regex(/^[A-Z0-9]{9,11}$/, { error: 'is the Slack channel id, like C01234567' }),
    })
    .optional(),
});

export const accountSchema = z
  .strictObject({
    /** Short account name; names the main stack and the first part of every state key. */
    name: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/, { error: 'use lower-case letters, digits and dashes' }),
    accountId: z.string().regex(/^\d{12}$/, { error: 'an AWS account id is exactly 12 digits' }),
    /** Value of the `environment` tag. */
    environment: z.string().min(1),
    region: z.enum(KNOWN_REGIONS as [string, ...string[]], {
      error: `is not a known region; use one of ${KNOWN_REGIONS.join(', ')} (or add it to environments/aws-facts.ts)`,
    }),
    availabilityZones: z.array(z.string()).length(2, { error: 'give exactly two availability zones' }),
    /** Organisation prefix used in global names (state bucket). */
    organisation: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/),
    /** State bucket name pattern; {organisation}, {accountId} and {region} are substituted. */
    stateBucketPattern: z.string().includes('{accountId}', { error: 'must contain {accountId} so every account has its own bucket' }),
    tags,
    github: githubSchema,
    ci: ciSchema,
    logRetentionDays: z.union(
      [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653].map((d) => z.literal(d)) as unknown as [z.ZodLiteral<number>, z.ZodLiteral<number>],
      { error: 'use a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, ...)' },
    ),
    network: networkSchema,
    database: databaseSchema,
    storage: storageSchema,
    queue: queueSchema,
    functions: z.record(z.string(), functionSizeSchema),
    delivery: deliverySchema,
    api: apiSchema,
    waf: wafSchema,
    alarms: alarmsSchema,
    notifications: notificationsSchema,
    suppressions: z.array(suppressionSchema),
    units: unitsSchema,
  })
  .superRefine((account, ctx) => {
    const letters = REGION_AZ_LETTERS[account.region] ?? [];
    account.availabilityZones.forEach((az, index) => {
      const letter = az.startsWith(account.region) ? az.slice(account.region.length) : undefined;
      if (letter === undefined || !letters.includes(letter)) {
        ctx.addIssue({
          code: 'custom',
          path: ['availabilityZones', index],
          message: `'${az}' is not an availability zone of ${account.region}; use one of ${letters.map((l) => account.region + l).join(', ')}`,
        });
      }
    });
    if (new Set(account.availabilityZones).size !== account.availabilityZones.length) {
      ctx.addIssue({ code: 'custom', path: ['availabilityZones'], message: 'the two availability zones must differ' });
    }
    if (account.network.lambdaHttpsToInternet && account.network.natGateways === 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'natGateways'],
        message: "is 'none' but network.lambdaHttpsToInternet is on, and internet egress needs a NAT gateway; set natGateways to 'single' or 'per-az', or turn lambdaHttpsToInternet off",
      });
    }
    if (account.database.maxAllocatedStorageGiB < account.database.allocatedStorageGiB) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'maxAllocatedStorageGiB'],
        message: `must be at least allocatedStorageGiB (${account.database.allocatedStorageGiB})`,
      });
    }
    if (account.api.throttleBurstLimit < account.api.throttleRateLimit / 10) {
      ctx.addIssue({ code: 'custom', path: ['api', 'throttleBurstLimit'], message: 'burst below a tenth of the rate limit throttles normal traffic; raise it' });
    }
    // One apply path per account: with both, the apply role would also trust deploy.yml on main and
    // every merge would apply the account without its environment's reviewers.
    if (account.github.applyBranch && account.github.applyEnvironment) {
      ctx.addIssue({
        code: 'custom',
        path: ['github', 'applyBranch'],
        message: `is set next to applyEnvironment '${account.github.applyEnvironment}', which would let every merge to main apply this account without the environment's reviewers; an account with an approval environment is applied only through it: remove applyBranch (or remove applyEnvironment if this account should really deploy on every merge, like dev)`,
      });
    }
    for (const unit of WORKLOAD_UNITS) {
      if (!account.units[unit].enabled) continue;
      for (const dependency of UNIT_DEPENDENCIES[unit].filter((dep) => !account.units[dep].enabled)) {
        ctx.addIssue({
          code: 'custom',
          path: ['units', dependency, 'enabled'],
          message: `is false, but the ${unit} unit depends on the ${dependency} unit (environments/units.ts); turn ${dependency} back on, or turn ${unit} off too`,
        });
      }
    }
    if (!account.github.applyBranch && !account.github.applyEnvironment) {
      ctx.addIssue({
        code: 'custom',
        path: ['github'],
        message: 'set applyBranch (e.g. main) or applyEnvironment (e.g. staging): something must be allowed to apply',
      });
    }
  });

export type AccountConfig = z.infer<typeof accountSchema>;

/** Deep partial: what an account file or an override may set. */
export type DeepPartial<T> = T extends readonly (infer _U)[]
  ? T
  : T extends object
    ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export type AccountFile = DeepPartial<AccountConfig> & { readonly name: string; readonly accountId: string };
