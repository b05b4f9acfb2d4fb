/**
 * A CloudWatch metric as a construct's metricXxx() methods describe it, after the CDK's design
 * guidelines (the construct that owns a resource says which of its metrics mean what); alarms and
 * dashboards consume these instead of spelling out namespaces and dimensions.
 * https://github.com/aws/aws-cdk/blob/main/docs/DESIGN_GUIDELINES.md
 * https://docs.aws.amazon.com/cdk/api/v1/docs/@aws-cdk_aws-cloudwatch.Metric.html (fn.metricErrors())
 */
export interface Metric {
  readonly namespace: string;
  readonly metricName: string;
  /** In the order a dashboard line lists them. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Sum, Average, Minimum, Maximum, or a percentile such as p95. */
  readonly statistic: string;
}

export interface MetricOptions {
  /** Default: the one each metricXxx() method names (Sum for counts). */
  readonly statistic?: string;
}

/**
 * Messages waiting in an SQS queue (Maximum: the peak over the period); the queues' owners
 * (EventQueue, PythonFunction's dead-letter queue) answer their metricXxx() with it.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 */
export function queueMessagesVisible(queueName: string, options: MetricOptions = {}): Metric {
  return { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queueName }, statistic: options.statistic ?? 'Maximum' };
}
