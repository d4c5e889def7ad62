import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface FailureQueueProps {
  /** Whose failures land here, for the SQS3 acknowledgement (e.g. 'the projector’s event source'). */
  readonly failuresOf: string;
  /** What the alarm tells the person on call: what failed and what to do. */
  readonly alarmDescription: string;
}

/**
 * Where a consumer's failures wait after every retry (an on-failure destination): encrypted, TLS only, kept
 * 14 days, with an alarm on the first message. It is itself the dead-letter queue, so it has none.
 */
export class FailureQueue extends Construct {
  readonly queue: Queue;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: FailureQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeLastStopQueue(
      this.queue,
      `This queue is the on-failure destination of ${props.failuresOf}; a DLQ of its own would only move the problem.`,
    );
    this.alarm = new Alarm(this, 'Alarm', {
      alarmDescription: props.alarmDescription,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}

/**
 * Acknowledges, with one reason, the findings (AwsSolutions-SQS3, Serverless-SQSRedrivePolicy) on a queue that is
 * itself where failures end: a dead-letter queue or an on-failure destination.
 */
export function acknowledgeLastStopQueue(queue: IQueue, reason: string): void {
  const acknowledge = Validations.of(queue);
  acknowledge.acknowledge({ id: 'AwsSolutions-SQS3', reason });
  acknowledge.acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason });
}
