import { FUNCTIONS } from '../../catalogue';
import { REPO_ROOT } from '../../build/build-manifest';
import { boto3Calls, CONFIGURATION_GUARDS, handlerConstant } from '../../iam/function-calls';
import type { RoleModel, StackModel } from '../../iam/model';
import { decide, type Decision } from '../../iam/simulate';
import type { AccountUnderTest } from '../helpers/iam';

/**
 * Every call the workload makes is allowed and the same call one resource over is denied,
 * simulated against the synthesized roles (identity policy + permissions boundary) and the
 * resource's own policy (bucket, queue, topic, key, function). Calls come from the handler code
 * (iam/function-calls.ts) and from what Lambda and other AWS services do with our
 * resources, each with the documentation it follows.
 */

type Context = Readonly<Record<string, string | string[]>>;
interface Probe {
  readonly label: string;
  readonly principal: RoleModel | string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Context;
}
interface Pair {
  readonly allowed: Probe;
  readonly denied: readonly Probe[];
}

type Resources = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;

/** A key of the account that is not ours (its key policy, unknown here, is not simulated: only our roles' side). */
const OTHER_KEY = (region: string, accountId: string) => `arn:aws:kms:${region}:${accountId}:key/00000000-0000-4000-8000-000000000000`;

const REFERENCE = /^\$\{(aws_[a-z0-9_]+)\.([\w-]+)\.[\w[\].]+\}$/;

async function run(model: StackModel, probes: readonly Probe[]): Promise<Array<[string, Decision]>> {
  return Promise.all(
    probes.map(async (p) => [p.label, await decide(model, { principal: p.principal, action: p.action, resource: p.resource, context: p.context })] as [string, Decision]),
  );
}

/** Checks every pair: the first probe allowed, each sibling not. Returns the labels that came out wrong. */
export async function wrongDecisions(model: StackModel, pairs: readonly Pair[]): Promise<string[]> {
  const allowed = await run(model, pairs.map((p) => p.allowed));
  const denied = await run(model, pairs.flatMap((p) => p.denied));
  return [
    ...allowed.filter(([, d]) => d !== 'Allowed').map(([label, d]) => `${label}: expected Allowed, got ${d}`),
    ...denied.filter(([, d]) => d === 'Allowed').map(([label]) => `${label}: expected denied, got Allowed`),
  ];
}

/** The other ARNs of the same Terraform type in the stack (real siblings), else a made-up one. */
function siblingArn(model: StackModel, type: string, arn: string, madeUp: string): string {
  const resources = (model.json.resource ?? {}) as Resources;
  const others = Object.keys(resources[type] ?? {})
    .map((name) => model.values.value(`\${${type}.${name}.arn}`))
    .filter((other): other is string => other !== undefined && other !== arn);
  return others[0] ?? madeUp;
}

function referenced(value: unknown): { type: string; name: string } | undefined {
  const match = typeof value === 'string' ? REFERENCE.exec(value) : null;
  return match ? { type: match[1], name: match[2] } : undefined;
}

/** The function's calls (from its code and from Lambda acting with its role), each with a denied sibling. */
export function functionPairs(account: AccountUnderTest): Pair[] {
  const { model, main } = account;
  const { region, accountId } = model.placement;
  const resources = (main.json.resource ?? {}) as Resources;
  const pairs: Pair[] = [];
  for (const fn of FUNCTIONS) {
    const [name, config] = Object.entries(resources.aws_lambda_function ?? {}).find(([, c]) => c.function_name === fn.name) ?? [];
    if (!name || !config) throw new Error(`function ${fn.name} is not in stack ${main.stack}`);
    const roleArn = main.values.value(config.role);
    const role = model.roles.find((r) => r.arn === roleArn);
    if (!role) throw new Error(`${fn.name}: role ${String(roleArn)} not found`);
    const env = ((config.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {}) as Record<string, string>;
    const value = (variable: string): string => {
      const resolved = main.values.value(env[variable]);
      if (resolved === undefined) throw new Error(`${fn.name}: ${variable} is not set or cannot be resolved`);
      return resolved;
    };
    const arnOf = (variable: string): string => {
      const ref = referenced(env[variable]);
      const arn = ref ? main.values.value(`\${${ref.type}.${ref.name}.arn}`) : undefined;
      if (!arn) throw new Error(`${fn.name}: ${variable} does not reference a resource with an ARN`);
      return arn;
    };
    const probe = (label: string, action: string, resource: string, context?: Context): Probe => ({ label: `${fn.name} ${label}`, principal: role, action, resource, context });
    const keyArn = (keyReference: unknown) => main.values.value(keyReference);

    for (const call of boto3Calls(REPO_ROOT, fn)) {
      const guard = call.onlyWhen;
      if (guard && (guard.equals !== undefined ? env[guard.variable] !== guard.equals : env[guard.variable] === guard.notEquals)) continue;
      const where = `${call.file}:${call.line} ${call.service}.${call.operation} (${call.action})`;
      switch (call.action) {
        case 's3:GetObject':
        case 's3:PutObject': {
          const bucket = `arn:aws:s3:::${value('BUCKET_NAME')}`;
          const prefix = handlerConstant(REPO_ROOT, fn, /_PREFIX$/) ?? '';
          const key = `${prefix}probe/file.csv`;
          const kms = call.action === 's3:GetObject' ? 'kms:Decrypt' : 'kms:GenerateDataKey';
          const bucketKey = Object.values(resources.aws_s3_bucket_server_side_encryption_configuration ?? {})[0] as { rule?: Array<{ apply_server_side_encryption_by_default?: { kms_master_key_id?: string } }> } | undefined;
          const bucketKeyArn = keyArn(bucketKey?.rule?.[0]?.apply_server_side_encryption_by_default?.kms_master_key_id);
          pairs.push({
            allowed: probe(`${where} on ${key}`, call.action, `${bucket}/${key}`),
            denied: [
              probe(`${where} under another prefix`, call.action, `${bucket}/other-prefix/file.csv`),
              probe(`${where} in another bucket`, call.action, `arn:aws:s3:::${value('BUCKET_NAME')}-sibling/${key}`),
            ],
          });
          // SSE-KMS: S3 uses the caller's permission on the key (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#aws-managed-customer-managed-keys).
          if (bucketKeyArn) {
            pairs.push({
              allowed: probe(`${where}: ${kms} via S3`, kms, bucketKeyArn, { 'kms:ViaService': `s3.${region}.amazonaws.com` }),
              denied: [probe(`${where}: ${kms} via S3 with another key`, kms, OTHER_KEY(region, accountId), { 'kms:ViaService': `s3.${region}.amazonaws.com` })],
            });
          }
          // HeadObject on a missing key answers 404 only with s3:ListBucket, else 403 (API_HeadObject).
          if (call.operation === 'head_object') {
            pairs.push({
              allowed: probe(`${where}: s3:ListBucket under ${prefix}`, 's3:ListBucket', bucket, { 's3:prefix': key }),
              denied: [probe(`${where}: s3:ListBucket under another prefix`, 's3:ListBucket', bucket, { 's3:prefix': 'other-prefix/file.csv' })],
            });
          }
          break;
        }
        case 's3:ListBucket': {
          const bucket = `arn:aws:s3:::${value('BUCKET_NAME')}`;
          pairs.push({ allowed: probe(where, call.action, bucket), denied: [probe(`${where} on another bucket`, call.action, `${bucket}-sibling`)] });
          break;
        }
        case 'dynamodb:DescribeTable':
        case 'dynamodb:PutItem':
        case 'dynamodb:GetItem':
        case 'dynamodb:UpdateItem':
        case 'dynamodb:Query': {
          const table = arnOf('TABLE_NAME');
          pairs.push({ allowed: probe(where, call.action, table), denied: [probe(`${where} on another table`, call.action, siblingArn(main, 'aws_dynamodb_table', table, `${table}-sibling`))] });
          break;
        }
        case 'sqs:GetQueueAttributes': {
          const queue = arnOf('QUEUE_URL');
          pairs.push({ allowed: probe(where, call.action, queue), denied: [probe(`${where} on another queue`, call.action, siblingArn(main, 'aws_sqs_queue', queue, `${queue}-sibling`))] });
          break;
        }
        case 'cloudwatch:PutMetricData': {
          const namespace = value('METRIC_NAMESPACE');
          pairs.push({
            allowed: probe(`${where} in ${namespace}`, call.action, '*', { 'cloudwatch:namespace': namespace }),
            denied: [probe(`${where} in AWS/Lambda`, call.action, '*', { 'cloudwatch:namespace': 'AWS/Lambda' })],
          });
          break;
        }
        case 'rds-db:connect': {
          const host = referenced(env.DB_HOST);
          if (!host) throw new Error(`${fn.name}: DB_HOST does not reference the database or its proxy`);
          const resourceId =
            host.type === 'aws_db_proxy'
              ? main.values.value(`\${aws_db_proxy.${host.name}.arn}`)?.split(':')[6]
              : main.values.value(`\${aws_db_instance.${host.name}.resource_id}`);
          const dbUser = (u: string) => `arn:aws:rds-db:${region}:${accountId}:dbuser:${resourceId}/${u}`;
          const master = Object.values(resources.aws_db_instance ?? {}).map((db) => db.username).find((u) => typeof u === 'string') as string | undefined;
          // Its own role, and the migration role where the function runs the migrations.
          const users = [value('DB_USER'), ...(env.DB_MIGRATION_USER ? [value('DB_MIGRATION_USER')] : [])];
          for (const user of users) {
            pairs.push({
              allowed: probe(`${where} as ${user}`, call.action, dbUser(user)),
              denied: [
                probe(`${where} as the master user`, call.action, dbUser(master ?? `${user}_other`)),
                probe(`${where} as another user`, call.action, dbUser(`${user}_other`)),
                probe(`${where} to another database`, call.action, `arn:aws:rds-db:${region}:${accountId}:dbuser:db-OTHER/${user}`),
              ],
            });
          }
          break;
        }
        case 'secretsmanager:GetSecretValue':
        case 'secretsmanager:PutSecretValue': {
          // The proxy user secrets of the functions' roles (DB_PROXY_USER_ARNS), never the master secret.
          const secrets = [...env.DB_PROXY_USER_ARNS.matchAll(/\$\{[^}]+\}/g)].map((m) => main.values.value(m[0]));
          const master = Object.keys(resources.aws_db_instance ?? {}).map((name) => main.values.value(`\${aws_db_instance.${name}.master_user_secret[0].secret_arn}`))[0];
          for (const secret of secrets) {
            if (!secret) throw new Error(`${fn.name}: DB_PROXY_USER_ARNS holds a reference that does not resolve`);
            pairs.push({
              allowed: probe(`${where} of ${secret}`, call.action, secret),
              denied: [
                probe(`${where} of another secret`, call.action, `arn:aws:secretsmanager:${region}:${accountId}:secret:another-secret-AbCdEf`),
                ...(master ? [probe(`${where} of the master secret`, call.action, master)] : []),
              ],
            });
          }
          break;
        }
        default:
          throw new Error(`${fn.name}: ${where} has no resource mapping in __tests__/iam/workload-roles.ts; add how to find the resource it touches`);
      }
    }

    // What Lambda itself does with the execution role.
    const logGroup = referenced((config.logging_config as { log_group?: string } | undefined)?.log_group);
    const groupArn = logGroup ? main.values.value(`\${${logGroup.type}.${logGroup.name}.arn}`) : `arn:aws:logs:${region}:${accountId}:log-group:/aws/lambda/${fn.name}`;
    const otherGroup = siblingArn(main, 'aws_cloudwatch_log_group', groupArn!, `${groupArn}-sibling`);
    // Function logs: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html#monitoring-cloudwatchlogs-prereqs
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      pairs.push({
        allowed: probe(`Lambda ${action} to its log group`, action, `${groupArn}:log-stream:2026/01/01/[$LATEST]probe`),
        denied: [probe(`Lambda ${action} to another log group`, action, `${otherGroup}:log-stream:2026/01/01/[$LATEST]probe`)],
      });
    }
    // Customer-key environment: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html
    const envKey = keyArn(config.kms_key_arn);
    if (envKey) {
      pairs.push({
        allowed: probe('Lambda decrypts its environment', 'kms:Decrypt', envKey, { 'kms:ViaService': `lambda.${region}.amazonaws.com` }),
        denied: [probe('Lambda decrypts with another key', 'kms:Decrypt', OTHER_KEY(region, accountId), { 'kms:ViaService': `lambda.${region}.amazonaws.com` })],
      });
    }
    // VPC functions: Lambda creates their network interfaces with the execution role
    // (https://docs.aws.amazon.com/lambda/latest/dg/configuring-vpc.html#configuring-vpc-permissions).
    const vpc = config.vpc_config as { subnet_ids?: string[] } | Array<{ subnet_ids?: string[] }> | undefined;
    const subnets = (Array.isArray(vpc) ? vpc[0]?.subnet_ids : vpc?.subnet_ids) ?? [];
    for (const subnet of subnets) {
      const id = main.values.value(subnet);
      const others = Object.keys(resources.aws_subnet ?? {})
        .map((n) => main.values.value(`\${aws_subnet.${n}.id}`))
        .filter((other) => other && !subnets.map((s) => main.values.value(s)).includes(other));
      pairs.push({
        allowed: probe(`Lambda creates a network interface in subnet ${id}`, 'ec2:CreateNetworkInterface', `arn:aws:ec2:${region}:${accountId}:subnet/${id}`),
        denied: [probe('Lambda creates a network interface in another subnet', 'ec2:CreateNetworkInterface', `arn:aws:ec2:${region}:${accountId}:subnet/${others[0] ?? 'subnet-other'}`)],
      });
    }
    // Asynchronous invocations that fail go to the dead-letter queue, sent with the execution role
    // (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq).
    const dlq = main.values.value((config.dead_letter_config as { target_arn?: string } | undefined)?.target_arn);
    if (dlq) {
      pairs.push({
        allowed: probe('Lambda sends a failed event to its dead-letter queue', 'sqs:SendMessage', dlq),
        denied: [probe('Lambda sends to another queue', 'sqs:SendMessage', siblingArn(main, 'aws_sqs_queue', dlq, `${dlq}-sibling`))],
      });
    }
    // SQS event source mapping: Lambda polls with the execution role
    // (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions).
    for (const mapping of Object.values(resources.aws_lambda_event_source_mapping ?? {})) {
      const target = referenced(mapping.function_name);
      const mapped = target && target.type === 'aws_lambda_alias' ? (resources.aws_lambda_alias?.[target.name]?.function_name as string | undefined) : undefined;
      if (!mapped || referenced(mapped)?.name !== name) continue;
      const queue = main.values.value(mapping.event_source_arn)!;
      const other = siblingArn(main, 'aws_sqs_queue', queue, `${queue}-sibling`);
      for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility']) {
        pairs.push({ allowed: probe(`event source mapping ${action}`, action, queue), denied: [probe(`event source mapping ${action} on another queue`, action, other)] });
      }
      const queueConfig = Object.values(resources.aws_sqs_queue ?? {}).find((q) => main.values.value(`arn:aws:sqs:${region}:${accountId}:${String(q.name)}`) === queue);
      const queueKey = keyArn(queueConfig?.kms_master_key_id);
      if (queueKey) {
        pairs.push({
          allowed: probe('event source mapping decrypts messages via SQS', 'kms:Decrypt', queueKey, { 'kms:ViaService': `sqs.${region}.amazonaws.com` }),
          denied: [probe('event source mapping decrypts via SQS with another key', 'kms:Decrypt', OTHER_KEY(region, accountId), { 'kms:ViaService': `sqs.${region}.amazonaws.com` })],
        });
      }
    }
  }
  return pairs;
}

/** AWS services acting on our resources: each documented call allowed, the same service for another account denied. */
export function servicePairs(account: AccountUnderTest): Pair[] {
  const { model, main } = account;
  const { region, accountId } = model.placement;
  const foreign = accountId === '111111111111' ? '222222222222' : '111111111111';
  const resources = (main.json.resource ?? {}) as Resources;
  const v = (text: unknown) => main.values.value(text);
  const pairs: Pair[] = [];
  const service = (label: string, principal: string, action: string, resource: string, context: Context): Probe => ({ label, principal, action, resource, context });
  const withAccount = (context: Context, account: string): Context =>
    Object.fromEntries(Object.entries(context).map(([k, value]) => [k, [value].flat().map((x) => x.split(accountId).join(account))])) as Context;

  // CloudWatch alarms publish to their topic (SNS: https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html;
  // encrypted topics: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
  for (const alarm of Object.values(resources.aws_cloudwatch_metric_alarm ?? {})) {
    for (const topicRef of [alarm.alarm_actions ?? []].flat() as string[]) {
      const topic = v(topicRef);
      if (!topic) continue;
      const context = { 'aws:SourceAccount': accountId, 'aws:SourceArn': `arn:aws:cloudwatch:${region}:${accountId}:alarm:${String(alarm.alarm_name)}` };
      pairs.push({
        allowed: service(`alarm ${String(alarm.alarm_name)} publishes to ${topic}`, 'cloudwatch.amazonaws.com', 'sns:Publish', topic, context),
        denied: [service(`an alarm of another account publishes to ${topic}`, 'cloudwatch.amazonaws.com', 'sns:Publish', topic, withAccount(context, foreign))],
      });
    }
  }
  for (const topic of Object.entries(resources.aws_sns_topic ?? {})) {
    const key = v(topic[1].kms_master_key_id);
    if (!key) continue;
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      // The key admits CloudWatch without an account condition (it sends none); the topic policy above is the account fence.
      pairs.push({ allowed: service(`CloudWatch ${action} for the encrypted topic`, 'cloudwatch.amazonaws.com', action, key, { 'aws:SourceAccount': accountId }), denied: [] });
    }
  }
  // CloudWatch Logs encrypts each log group with its key (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
  for (const [name, group] of Object.entries(resources.aws_cloudwatch_log_group ?? {})) {
    const key = v(group.kms_key_id);
    if (!key) continue;
    const groupArn = v(`\${aws_cloudwatch_log_group.${name}.arn}`)!;
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      const context = { 'kms:EncryptionContext:aws:logs:arn': groupArn };
      pairs.push({
        allowed: service(`CloudWatch Logs ${action} for ${String(group.name)}`, `logs.${region}.amazonaws.com`, action, key, context),
        denied: [service(`CloudWatch Logs ${action} for a log group of another account`, `logs.${region}.amazonaws.com`, action, key, withAccount(context, foreign))],
      });
    }
  }
  // Flow logs assume their role (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html), then write to their group.
  for (const flow of Object.values(resources.aws_flow_log ?? {})) {
    const roleArn = v(flow.iam_role_arn);
    const role = model.roles.find((r) => r.arn === roleArn);
    if (!role) continue;
    const context = { 'aws:SourceAccount': accountId, 'aws:SourceArn': `arn:aws:ec2:${region}:${accountId}:vpc-flow-log/fl-probe` };
    pairs.push({
      allowed: service('VPC flow logs assume their role', 'vpc-flow-logs.amazonaws.com', 'sts:AssumeRole', role.arn, context),
      denied: [service('VPC flow logs of another account assume the role', 'vpc-flow-logs.amazonaws.com', 'sts:AssumeRole', role.arn, withAccount(context, foreign))],
    });
    const group = v(flow.log_destination);
    if (group) {
      for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
        pairs.push({
          allowed: { label: `flow log role ${action}`, principal: role, action, resource: `${group}:log-stream:eni-probe-all` },
          denied: [{ label: `flow log role ${action} to another group`, principal: role, action, resource: `${siblingArn(main, 'aws_cloudwatch_log_group', group, `${group}-sibling`)}:log-stream:eni-probe-all` }],
        });
      }
    }
  }
  // EventBridge invokes a function target (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions).
  for (const target of Object.values(resources.aws_cloudwatch_event_target ?? {})) {
    const arn = v(target.arn);
    const rule = referenced(target.rule);
    if (!arn?.includes(':function:') || !rule) continue;
    const context = { 'aws:SourceAccount': accountId, 'aws:SourceArn': v(`\${aws_cloudwatch_event_rule.${rule.name}.arn}`)! };
    pairs.push({
      allowed: service(`EventBridge rule invokes ${arn}`, 'events.amazonaws.com', 'lambda:InvokeFunction', arn, context),
      denied: [service(`an EventBridge rule of another account invokes ${arn}`, 'events.amazonaws.com', 'lambda:InvokeFunction', arn, withAccount(context, foreign))],
    });
  }
  // API Gateway invokes the live alias of each integration (https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html#api-gateway-control-access-using-iam-policies-to-invoke-api).
  const resourcePath = (reference: unknown): string => {
    const ref = referenced(reference);
    if (ref?.type === 'aws_api_gateway_method') return resourcePath(resources.aws_api_gateway_method[ref.name].resource_id);
    if (!ref || ref.type !== 'aws_api_gateway_resource') return '';
    const node = resources.aws_api_gateway_resource[ref.name];
    return `${resourcePath(node.parent_id)}/${String(node.path_part)}`;
  };
  const stages = Object.values(resources.aws_api_gateway_stage ?? {}).map((s) => String(s.stage_name));
  for (const integration of Object.values(resources.aws_api_gateway_integration ?? {})) {
    const alias = referenced(integration.uri);
    const api = referenced(integration.rest_api_id);
    const method = referenced(integration.http_method);
    if (!alias || alias.type !== 'aws_lambda_alias' || !api || !method) continue;
    const aliasArn = v(`\${aws_lambda_alias.${alias.name}.arn}`)!;
    const verb = String(resources.aws_api_gateway_method[method.name].http_method);
    for (const stage of stages) {
      const context = { 'aws:SourceAccount': accountId, 'aws:SourceArn': `${v(`\${aws_api_gateway_rest_api.${api.name}.execution_arn}`)}/${stage}/${verb}${resourcePath(integration.resource_id)}` };
      pairs.push({
        allowed: service(`API Gateway ${verb} ${resourcePath(integration.resource_id)} invokes the live alias`, 'apigateway.amazonaws.com', 'lambda:InvokeFunction', aliasArn, context),
        denied: [service(`an API of another account invokes the live alias`, 'apigateway.amazonaws.com', 'lambda:InvokeFunction', aliasArn, withAccount(context, foreign))],
      });
    }
  }
  // CodeDeploy's service role moves this application's live aliases, invokes its hooks and reads its
  // deployment alarms, and nothing of the account beyond them (constructs/function-delivery.ts).
  for (const app of Object.values(resources.aws_codedeploy_app ?? {})) {
    const role = model.roles.find((r) => r.name === `${String(app.name)}-codedeploy`);
    if (!role) continue;
    const lambdaArn = (name: string) => `arn:aws:lambda:${region}:${accountId}:function:${name}`;
    const groups = Object.values(resources.aws_codedeploy_deployment_group ?? {});
    for (const group of groups) {
      const name = String(group.deployment_group_name);
      pairs.push({
        allowed: { label: `CodeDeploy moves ${name}:live`, principal: role, action: 'lambda:UpdateAlias', resource: `${lambdaArn(name)}:live` },
        denied: [{ label: 'CodeDeploy moves an alias of a function outside the application', principal: role, action: 'lambda:UpdateAlias', resource: `${lambdaArn('not-this-application')}:live` }],
      });
      for (const alarm of [group.alarm_configuration ?? []].flat().flatMap((c) => (c as { alarms?: string[] }).alarms ?? [])) {
        pairs.push({
          allowed: { label: `CodeDeploy reads alarm ${alarm}`, principal: role, action: 'cloudwatch:DescribeAlarms', resource: `arn:aws:cloudwatch:${region}:${accountId}:alarm:${alarm}` },
          denied: [{ label: 'CodeDeploy reads another alarm', principal: role, action: 'cloudwatch:DescribeAlarms', resource: `arn:aws:cloudwatch:${region}:${accountId}:alarm:not-a-deployment-alarm` }],
        });
      }
    }
    for (const hook of Object.values(resources.aws_lambda_function ?? {}).filter((fn) => String(fn.function_name).startsWith('CodeDeployHook_'))) {
      pairs.push({
        allowed: { label: `CodeDeploy invokes ${String(hook.function_name)}`, principal: role, action: 'lambda:InvokeFunction', resource: lambdaArn(String(hook.function_name)) },
        denied: [
          { label: 'CodeDeploy invokes a hook of another application', principal: role, action: 'lambda:InvokeFunction', resource: lambdaArn('CodeDeployHook_other') },
          { label: 'CodeDeploy invokes a deployed function', principal: role, action: 'lambda:InvokeFunction', resource: `${lambdaArn(String(groups[0]?.deployment_group_name))}:live` },
        ],
      });
    }
  }
  // RDS Proxy reads its secret with its role (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-secrets-arns.html).
  for (const proxy of Object.values(resources.aws_db_proxy ?? {})) {
    const role = model.roles.find((r) => r.arn === v(proxy.role_arn));
    if (!role) continue;
    pairs.push({ allowed: service('RDS assumes the proxy role', 'rds.amazonaws.com', 'sts:AssumeRole', role.arn, {}), denied: [] });
    for (const auth of [proxy.auth ?? []].flat() as Array<{ secret_arn?: string }>) {
      const secret = v(auth.secret_arn);
      if (!secret) continue;
      pairs.push({
        allowed: { label: 'the proxy role reads its secret', principal: role, action: 'secretsmanager:GetSecretValue', resource: secret },
        denied: [{ label: 'the proxy role reads another secret', principal: role, action: 'secretsmanager:GetSecretValue', resource: `arn:aws:secretsmanager:${region}:${accountId}:secret:another-secret-AbCdEf` }],
      });
    }
  }
  return pairs;
}

/** Every configuration guard names a call the code makes (the table cannot outlive the code). */
export function staleGuards(): string[] {
  const seen = new Set(FUNCTIONS.flatMap((fn) => boto3Calls(REPO_ROOT, fn)).map((c) => `${c.file.split('/').pop()} ${c.service}.${c.operation}`));
  return Object.keys(CONFIGURATION_GUARDS).filter((key) => !seen.has(key));
}
