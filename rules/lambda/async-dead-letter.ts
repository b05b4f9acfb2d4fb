import { block, blocks, isSet } from '../attributes';
import type { ResourceView, Rule, RuleContext } from '../rule';

/** Service principals that invoke Lambda asynchronously (the invocation can be lost on error). */
const ASYNC_PRINCIPALS = ['events.amazonaws.com', 'sns.amazonaws.com', 's3.amazonaws.com', 'scheduler.amazonaws.com', 'iot.amazonaws.com', 'ses.amazonaws.com'];
/** Resource types whose reference to a function means an asynchronous invocation. */
const ASYNC_SOURCES = ['aws_cloudwatch_event_target', 'aws_scheduler_schedule', 'aws_sns_topic_subscription', 'aws_s3_bucket_notification'];

/** The function and its aliases: any of them may be the target of an invocation. */
function targets(fn: ResourceView, context: RuleContext): ResourceView[] {
  return [fn, ...context.referencing('aws_lambda_alias', fn)];
}

function asyncInvokers(fn: ResourceView, context: RuleContext): string[] {
  const found: string[] = [];
  for (const target of targets(fn, context)) {
    for (const permission of context.referencing('aws_lambda_permission', target)) {
      if (ASYNC_PRINCIPALS.includes(String(permission.config.principal))) found.push(permission.address);
    }
    for (const type of ASYNC_SOURCES) found.push(...context.referencing(type, target).map((source) => source.address));
  }
  return [...new Set(found)];
}

function hasFailureDestination(fn: ResourceView, context: RuleContext): boolean {
  if (isSet(block(fn.config.dead_letter_config)?.target_arn)) return true;
  return targets(fn, context).some((target) =>
    context
      .referencing('aws_lambda_function_event_invoke_config', target)
      .some((config) => blocks(config.config.destination_config).some((destination) => isSet(block(destination.on_failure)?.destination))),
  );
}

export const lambdaAsyncDeadLetter: Rule = {
  id: 'PLAT-LAMBDA-3',
  checkov: ['CKV_AWS_116'],
  resourceTypes: ['aws_lambda_function'],
  description: 'Lambda functions invoked asynchronously (EventBridge, SNS, S3, Scheduler) keep failed events in a dead-letter queue or on-failure destination.',
  fix: 'set deadLetterConfig.targetArn to an encrypted SQS queue (or add an event invoke config with an on-failure destination)',
  replacesCheckov: {
    CKV_AWS_116:
      'checkov asks every function for a DLQ; synchronous functions (API Gateway, SQS event source mappings, whose queue has its own redrive DLQ) have no asynchronous event to keep. PLAT-LAMBDA-3 requires it exactly where asynchronous invocation exists.',
  },
  check: (resource, context) => {
    const invokers = asyncInvokers(resource, context);
    if (invokers.length === 0 || hasFailureDestination(resource, context)) return undefined;
    return `invoked asynchronously by ${invokers.join(', ')} but has no dead_letter_config or on-failure destination`;
  },
};
