import { z } from 'zod';
import { UNIT_DEPENDENCIES, WORKLOAD_UNITS, type WorkloadUnit } from './units';
// The one import of environments/ from above aws/, type-only (erased at compile time): the alarms
// construct owns its thresholds' type and the schema below satisfies it (__tests__/quality/layering.test.ts).
import type { AlarmThresholds } from '../constructs/alarms';
import { DB_INSTANCE_FAMILIES, dbInstanceMemoryGiB, KNOWN_REGIONS, REGION_AZ_LETTERS } from '../aws/aws-facts';
import { isIpv4Cidr, isPrivateIpv4Cidr, PRIVATE_IPV4_RANGES } from '../aws/cidr';
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
    repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: "must be 'owner/repo'" }).describe('GitHub owner/repository whose workflows may assume the CI roles; written into tags and every trust policy.'),
    subjectFormat: z
      .enum(['immutable', 'legacy'], { error: "use 'immutable' (repositories created after GitHub's 2026 cut-over) or 'legacy' (older repositories that did not opt in)" })
      .describe(
        "How GitHub writes the repository into the OIDC `sub` claim: 'immutable' (owner@ownerId/repo@repositoryId: every repository created, renamed or transferred after GitHub's 2026 cut-over, or opted in) or 'legacy' (owner/repo: an older repository that never opted in). The OIDC subjects workflow prints the real one (stacks/github-oidc.ts).",
      ),
    ownerId: githubId.optional().describe("Numeric id of the repository owner (user or organisation); required with subjectFormat 'immutable'. `gh api repos/<owner>/<repo> --jq .owner.id`."),
    repositoryId: githubId.optional().describe("Numeric id of the repository; required with subjectFormat 'immutable'. `gh api repos/<owner>/<repo> --jq .id`."),
    // deploy.yml runs on pushes to main only, so no other branch is accepted: it would deploy
    // nothing through the workflows and only widen the apply role's trust.
    applyBranch: z
      .literal('main', {
        error: "must be 'main' (deploy.yml runs on pushes to main only); to apply after a review instead, remove applyBranch and set applyEnvironment",
      })
      .optional()
      .describe("'main': every merge to main applies the account through deploy.yml (like dev). Set this or applyEnvironment, never both."),
    applyEnvironment: z
      .string()
      .min(1)
      .optional()
      .describe('GitHub environment whose required reviewers approve each apply through apply.yml (like staging). An account with one is applied only through it: it cannot also set applyBranch.'),
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
  planRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/).describe('Name of the read-only plan role the drift check and the approval plan (apply.yml) assume from main; writes nothing, not even a state lock.'),
  prPlanRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/).describe("Name of the role pull-request plans (plan.yml) assume: trusts pull_request only, reads without data, writes nothing."),
  applyRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/).describe('Name of the apply role deploy.yml, apply.yml and rollback.yml assume; it can change the workload but never the CI roles.'),
  oidcThumbprints: z.array(z.string().regex(/^[0-9a-f]{40}$/)).min(1).describe('SHA-1 thumbprints (40 hex digits) of token.actions.githubusercontent.com; AWS no longer checks them but the API requires one.'),
  // IAM holds one provider per URL per account, so where another repository already created
  // token.actions.githubusercontent.com, creating it again fails with EntityAlreadyExists.
  oidcProvider: z
    .enum(['create', 'existing', 'import'], {
      error:
        "use 'create' (no GitHub OIDC provider in the account yet), 'existing' (another repository owns it: the roles trust it by ARN) or 'import' (adopt it into the bootstrap stack); `aws iam list-open-id-connect-providers` shows whether one exists",
    })
    .describe(
      "Who owns the account's GitHub OIDC provider: 'create' (the bootstrap stack creates and owns it), 'existing' (another repository keeps it; the roles trust it by ARN) or 'import' (the bootstrap stack adopts the existing one with an import block). See docs/accounts.md, first apply.",
    ),
});

const networkSchema = z.strictObject({
  cidr: cidr.refine(isPrivateIpv4Cidr, {
    error: `is not a private (RFC 1918) block; use one inside ${PRIVATE_IPV4_RANGES.join(', ')}, e.g. 10.30.0.0/16 (and carve the subnets from it)`,
  }).describe('The VPC\'s IPv4 block, private (RFC 1918), e.g. 10.30.0.0/16; no two accounts may overlap.'),
  publicSubnetCidrs: z.array(cidr).length(2, { error: 'give one public subnet per availability zone (2)' }).describe('One public subnet per availability zone, in the order of availabilityZones, inside the VPC block and not overlapping.'),
  privateSubnetCidrs: z.array(cidr).length(2, { error: 'give one private subnet per availability zone (2)' }).describe('One private subnet per availability zone (the database and the VPC functions), inside the VPC block and not overlapping.'),
  natGateways: z.enum(['none', 'single', 'per-az']).describe("NAT gateways, paid by the hour, only when something needs internet egress: 'none', 'single' (one) or 'per-az' (one per zone, survives a zone outage)."),
  lambdaHttpsToInternet: z.boolean().describe("Let the VPC functions open HTTPS to the internet through NAT (for an API without an endpoint in the VPC); needs natGateways other than 'none'."),
  interfaceEndpoints: z
    .array(z.enum(['secretsmanager', 'logs', 'sts', 'monitoring', 'sqs', 'kms', 'rds']))
    .describe('Interface endpoints in both private subnets (each billed per hour and zone): exactly the AWS APIs the VPC functions call. S3 and DynamoDB always get free gateway endpoints.'),
  flowLogRetentionDays: positiveInt.describe('How long the VPC flow logs are kept in CloudWatch Logs.'),
});

const databaseSchema = z.strictObject({
  engineVersion: z
    .string()
    .regex(/^1[5-9](\.\d+)?$/, { error: 'use a current PostgreSQL major version (15 or newer), e.g. 16.4' })
    .describe('PostgreSQL version, 15 or newer; minor upgrades are applied automatically, so only the major version is held.'),
  instanceClass: z.string().refine((value) => dbInstanceMemoryGiB(value) !== undefined, {
    error: `is not a known RDS instance class; use <family>.<size> with family one of ${Object.keys(DB_INSTANCE_FAMILIES).join(', ')}`,
  }).describe(`RDS instance class, <family>.<size> with family one of ${Object.keys(DB_INSTANCE_FAMILIES).join(', ')}; its memory sets max_connections.`),
  allocatedStorageGiB: z.number().int().min(20).max(65536).describe('Storage the instance starts with.'),
  maxAllocatedStorageGiB: z.number().int().min(20).max(65536).describe('Ceiling up to which RDS grows the storage by itself; at least allocatedStorageGiB.'),
  backupRetentionDays: z
    .number()
    .int()
    .min(1, { error: 'backup retention must be 1-35 days' })
    .max(35, { error: 'backup retention must be 1-35 days' })
    .describe('How long automated backups are kept (point-in-time restore window); below 7 needs a PLAT-RDS-4 suppression.'),
  multiAz: z.boolean().describe('A standby instance in the second zone that RDS fails over to; doubles the instance cost.'),
  deletionProtection: z.boolean().describe('Refuse to delete the database and the events table; off needs a PLAT-RDS-5 suppression in the account file.'),
  finalSnapshot: z.boolean().describe('Take a final snapshot when the instance is destroyed.'),
  proxy: z.boolean().describe('Put an RDS Proxy in front of the instance so Lambda bursts share a connection pool; each function role then logs in with its own secret.'),
  performanceInsightsRetentionDays: z
    .union([z.literal(7), z.literal(31), z.literal(93), z.literal(731)])
    .describe('How long Performance Insights keeps its data; 7 days is free.'),
  monitoringIntervalSeconds: z
    .union([z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)])
    .describe('Enhanced Monitoring interval for the OS metrics (PLAT-RDS-8 asks for 60 or finer).'),
  databaseName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/).describe('Name of the database RDS creates and the functions use.'),
  masterUsername: z.string().regex(/^[a-z][a-z0-9_]{0,15}$/).describe('The master user; RDS keeps its password in Secrets Manager and only database-admin\'s bootstrap logs in as it.'),
  slowStatementMs: positiveInt.describe('Statements slower than this are logged (log_min_duration_statement); faster ones are not, so payloads stay out of the logs.'),
});

const storageSchema = z.strictObject({
  corsAllowedOrigins: z
    .array(z.string().regex(/^https:\/\/[\w.-]+(:\d+)?$|^http:\/\/localhost(:\d+)?$/, { error: 'CORS origins are https://host[:port] (or http://localhost[:port])' }))
    .describe('Browser origins allowed to use the presigned URLs of the uploads bucket (CORS); empty: none.'),
  presignedUrlExpirySeconds: z.number().int().min(60).max(604800).describe('How long a presigned upload or download URL stays valid.'),
  maxUploadBytes: positiveInt.describe('Largest object a presigned upload URL accepts.'),
});

const queueSchema = z.strictObject({
  messageRetentionSeconds: z.number().int().min(60).max(1209600).describe('How long the event queue keeps an unconsumed message.'),
  maxReceiveCount: z.number().int().min(1).max(1000).describe('Receives after which a message that keeps failing moves to the dead-letter queue.'),
});

const STRATEGY_ERROR = `is not a deployment strategy; use one of ${DEPLOYMENT_STRATEGY_NAMES.join(', ')} (environments/deployment-strategies.ts)`;
/** How CodeDeploy shifts the live alias to a new version (environments/deployment-strategies.ts). */
const deploymentStrategy = z.enum(DEPLOYMENT_STRATEGY_NAMES, { error: STRATEGY_ERROR });

const functionSizeSchema = z.strictObject({
  memoryMiB: z.number().int().min(128).max(10240).optional().describe("The function's memory (CPU grows with it); not set: the catalogue's size."),
  timeoutSeconds: z.number().int().min(1).max(900).optional().describe("The function's timeout; not set: the catalogue's."),
  reservedConcurrency: z
    .union([z.number().int().min(1), z.literal('off')])
    .optional()
    .describe(
      "Executions reserved for (and capping) the function, or 'off' to leave it in the account's unreserved pool (e.g. while the Lambda concurrency quota is below 100 + the reservations; needs a PLAT-LAMBDA-2 suppression). Not set: the catalogue's.",
    ),
  runtime: z.string().optional().describe("Lambda runtime, e.g. python3.13; refused when AWS has deprecated it. Not set: the catalogue's."),
  deploymentStrategy: deploymentStrategy.optional().describe('Overrides delivery.strategy for this function.'),
});

const deliverySchema = z.strictObject({
  strategy: deploymentStrategy.describe("How CodeDeploy shifts every function's live alias to a new version, unless functions.<name>.deploymentStrategy says otherwise (environments/deployment-strategies.ts)."),
});

const apiSchema = z.strictObject({
  auth: z.enum(['IAM', 'API_KEY']).describe("How callers authenticate: 'IAM' (SigV4-signed requests) or 'API_KEY' (x-api-key header, with a usage plan and one generated key)."),
  throttleRateLimit: positiveInt.describe("The stage's steady request rate limit, requests per second."),
  throttleBurstLimit: positiveInt.describe("The stage's burst limit, requests at once; at least a tenth of throttleRateLimit."),
  loggingLevel: z.enum(['ERROR', 'INFO']).describe('Execution log level of the stage (request and response bodies are never logged).'),
});

const wafSchema = z.strictObject({
  rateLimitPer5Minutes: z.number().int().min(10).max(2000000000).describe("Requests one IP address may send in 5 minutes before the WAF blocks it."),
  hostingProviderIps: z
    .enum(['count', 'block'])
    .describe("What the Anonymous IP list's HostingProviderIPList rule does with requests from cloud and hosting networks, where the IAM-signing callers run: 'count' or 'block'."),
});

const PERCENT_ERROR = 'is a percentage: use a number above 0 and at most 100';
const percent = z.number().gt(0, { error: PERCENT_ERROR }).max(100, { error: PERCENT_ERROR });

const alarmsSchema = z.strictObject({
  apiErrorRatePercent: percent.describe("The API's 5XX responses as a share of its requests, each minute, above which its alarm fires."),
  apiP95LatencyMs: positiveInt.describe("The API's p95 latency above which its alarm fires (API Gateway gives up at 29 s)."),
  apiEvaluationMinutes: positiveInt.describe('For how many consecutive minutes the API alarms must breach before they fire.'),
  dbConnectionsPercentOfMax: percent.describe("Database connections as a share of the parameter group's max_connections above which the alarm fires."),
  dbCpuPercent: percent.describe("The database's average CPU over 15 minutes above which the alarm fires."),
  dbFreeStorageGiB: z.number().positive().describe('Free database storage below which the alarm fires.'),
  functionErrorRatePercent: percent.describe("A function's errors as a share of its invocations over 5 minutes above which its alarm fires."),
  functionDurationPercentOfTimeout: percent.describe("A function's p95 duration, as a share of its timeout, above which its alarm fires."),
  wafBlockedRequestsPer5Minutes: positiveInt.describe('Requests the WAF blocks in 5 minutes above which the alarm fires (an attack, or a rule blocking real callers).'),
}) satisfies z.ZodType<AlarmThresholds>;

/**
 * An exception to one security rule for this account, written by a person with its reason
 * (docs/security-rules.md). Configuration never switches a rule off by itself.
 */
const suppressionSchema = z.strictObject({
  rule: z.string().regex(/^PLAT-[A-Z0-9]+-\d+$/, { error: "is a rule id such as 'PLAT-RDS-5' (see rules/index.ts)" }).describe('The rule excepted, e.g. PLAT-RDS-5 (docs/security-rules.md lists them).'),
  unit: z
    .enum(WORKLOAD_UNITS, { error: `is a workload unit: one of ${WORKLOAD_UNITS.join(', ')}` })
    .describe('The workload unit whose stack holds the construct (environments/units.ts; stacks/workload.ts UNIT_CONSTRUCTS), e.g. data.'),
  construct: z
    .string()
    .regex(/^[\w-]+(\/[\w-]+)*$/, { error: "is a construct path below the unit's stack, such as 'Database' or 'Functions/SyncClock'" })
    .describe("Construct path below the unit's stack where the exception applies, e.g. Database (unit data) or Functions/SyncClock (unit app)."),
  reason: z.string().trim().min(20, { error: 'say in at least 20 characters why the exception is safe for this account' }).describe('Why the exception is safe in this account, in at least 20 characters; shown in the rules page and .checkov.yaml.'),
});

/** How CI treats one unit of the account (environments/units.ts). */
const unitPolicySchema = z.strictObject({
  enabled: z.boolean().describe("Off: the unit's stack is not synthesized, planned or applied. A unit another enabled unit depends on must stay on."),
  requireApproval: z.boolean().describe('On: the merge deploy never applies this unit; it is applied only after a person approves.'),
});

const unitsSchema = z.strictObject(
  Object.fromEntries(WORKLOAD_UNITS.map((unit) => [unit, unitPolicySchema])) as Record<WorkloadUnit, typeof unitPolicySchema>,
);

const notificationsSchema = z.strictObject({
  emails: z
    .array(z.email({ error: 'is not a valid email address' }))
    .describe('Addresses subscribed to the alarm topic (each confirms once); none and no Slack, or a documentation domain such as example.com, is a synth warning.'),
  slack: z
    .strictObject({
      workspaceId: z.string().regex(/^[A-Z0-9]{9,11}$/, { error: 'is the Slack workspace (team) id, like T01234567' }).describe('The Slack workspace (team) id, like T01234567; authorise it once in the AWS Chatbot console first.'),
      channelId: z.string().regex(/^[A-Z0-9]{9,11}$/, { error: 'is the Slack channel id, like C01234567' }).describe('The Slack channel id the alarms go to, like C01234567.'),
    })
    .optional()
    .describe('An AWS Chatbot Slack channel for the alarms; not set: email only.'),
});

export const accountSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/, { error: 'use lower-case letters, digits and dashes' }).describe("Short account name, the account file's name; names the stacks and begins every state key."),
    accountId: z.string().regex(/^\d{12}$/, { error: 'an AWS account id is exactly 12 digits' }).describe('The AWS account id; the provider accepts credentials of this account only (allowed_account_ids).'),
    environment: z.string().min(1).describe('Value of the `environment` tag; unique across accounts.'),
    region: z.enum(KNOWN_REGIONS as [string, ...string[]], {
      error: `is not a known region; use one of ${KNOWN_REGIONS.join(', ')} (or add it to aws/aws-facts.ts)`,
    }).describe('The region of every resource of the account and of its state bucket.'),
    availabilityZones: z.array(z.string()).length(2, { error: 'give exactly two availability zones' }).describe('Two different zones of the region; each gets a public and a private subnet.'),
    organisation: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/).describe('Organisation prefix of globally unique names (the state bucket).'),
    stateBucketPattern: z
      .string()
      .includes('{accountId}', { error: 'must contain {accountId} so every account has its own bucket' })
      .describe('Name of the state bucket; {organisation}, {accountId} and {region} are substituted.'),
    tags: tags.describe('Tags on every resource; `account` and `environment` are added from the account itself.'),
    github: githubSchema.describe('The GitHub repository whose workflows may reach the account, and which of them may apply it.'),
    ci: ciSchema.describe("The account's CI roles and GitHub OIDC provider, created by its bootstrap stack."),
    logRetentionDays: z
      .union(
        [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653].map((d) => z.literal(d)) as unknown as [z.ZodLiteral<number>, z.ZodLiteral<number>],
        { error: 'use a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, ...)' },
      )
      .describe('How long the function, API, WAF and other log groups keep their logs.'),
    network: networkSchema.describe('The VPC: its address space, subnets, NAT and endpoints (docs/network-and-data.md).'),
    database: databaseSchema.describe('The RDS PostgreSQL instance and its optional proxy (docs/database.md).'),
    storage: storageSchema.describe('The uploads bucket behind the presigned URLs.'),
    queue: queueSchema.describe('The software-update event queue and its dead-letter queue.'),
    functions: z.record(z.string(), functionSizeSchema).describe('Per-function changes to the catalogue\'s settings, keyed by function name; a name not in the catalogue is refused.'),
    delivery: deliverySchema.describe('How releases reach the functions (docs/runbook.md).'),
    api: apiSchema.describe('The REST API in front of the HTTP functions.'),
    waf: wafSchema.describe("The WAF web ACL on the API's stage."),
    alarms: alarmsSchema.describe('Alarm thresholds (docs/api-and-monitoring.md, "What pages you").'),
    notifications: notificationsSchema.describe('Where alarms go.'),
    suppressions: z.array(suppressionSchema).describe('Exceptions to the security rules for this account, each written by a person with its reason; one that matches no finding fails synthesis.'),
    units: unitsSchema.describe("How CI treats each unit of the account's workload (environments/units.ts)."),
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
    // database-admin (every account) and the RDS Proxy read their secrets through this endpoint;
    // without it the stacks' constructs refuse the network, far from the account file.
    if (!account.network.interfaceEndpoints.includes('secretsmanager')) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'interfaceEndpoints'],
        message: `is [${account.network.interfaceEndpoints.join(', ')}] without 'secretsmanager', which database-admin (and the RDS Proxy) need to read the database secrets inside the VPC; add 'secretsmanager'`,
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
