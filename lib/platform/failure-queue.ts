import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * How long a source queue keeps a message its consumer has not taken: 10 days, well past the 4-day default, so an
 * outage of a week loses nothing. Less than its dead-letter queue's 14 days (SQS's longest), as AWS advises: a
 * standard queue's message keeps its first enqueue time when it moves to the dead-letter queue, so with equal
 * periods a message that waited long in the source would expire almost at once there.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html
 */
export const SOURCE_QUEUE_RETENTION = Duration.days(10);

/**
 * How failures reach a queue: as the dead-letter queue of other queues (their redrive policy), or as the on-failure
 * destination of an event source mapping or of asynchronous invocations.
 */
export type LastStop = 'dead-letter queue' | 'on-failure destination';

export interface FailureQueueProps {
  /** Whose failures land here, for the acknowledgements' reason (e.g. 'the projector’s event source'). */
  readonly failuresOf: string;
  /** How they land here. @default 'on-failure destination' */
  readonly lastStop?: LastStop;
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
    acknowledgeLastStopQueue(this.queue, props.lastStop ?? 'on-failure destination', props.failuresOf);
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
 * Acknowledges that a queue where failures end has no dead-letter queue of its own (Serverless-SQSRedrivePolicy and,
 * for an on-failure destination, AwsSolutions-SQS3, which counts a queue as a DLQ only when another queue's redrive
 * policy names it).
 */
export function acknowledgeLastStopQueue(queue: IQueue, lastStop: LastStop, failuresOf: string): void {
  const acknowledge = Validations.of(queue);
  const reason =
    lastStop === 'dead-letter queue'
      ? `This is the dead-letter queue of ${failuresOf}: failures end here, and a DLQ of its own would only move them.`
      : `This queue is the on-failure destination of ${failuresOf}: failures end here, and a DLQ of its own would only move them.`;
  acknowledge.acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason });
  if (lastStop === 'on-failure destination') {
    acknowledge.acknowledge({ id: 'AwsSolutions-SQS3', reason });
  }
}
