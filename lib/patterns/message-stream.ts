import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Stream, StreamEncryption } from 'aws-cdk-lib/aws-kinesis';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { productEventEnvelopeJsonSchema } from '../../lambda/domain/product-event.ts';
import { AppFunction } from '../platform/app-function.ts';
import { DataTable } from '../platform/data-table.ts';
import { acknowledgeLastStopQueue } from '../platform/failure-queue.ts';
import type { PlatformRestApi } from '../platform/rest-api.ts';
import { streamConsumerSettings } from '../platform/stream-consumer.ts';

export interface MessageStreamPatternProps {
  /** The REST API the pattern's routes attach to. */
  readonly api: PlatformRestApi;
  /** Shards of the stream: each takes 1 MB/s and 1,000 records/s of writes. @default 2 */
  readonly shardCount?: number;
}

/**
 * Pattern 3, message stream: `POST /stream/events` writes batches of product events to Kinesis (the SKU as
 * partition key); a consumer aggregates them per SKU, exactly once in effect; `GET /stream/stats/{sku}` reads them.
 */
export class MessageStreamPattern extends Construct {
  readonly stream: Stream;
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: MessageStreamPatternProps) {
    super(scope, id);
    this.stream = new Stream(this, 'Events', {
      shardCount: props.shardCount ?? 2,
      retentionPeriod: Duration.hours(24),
      encryption: StreamEncryption.MANAGED,
    });
    const stats = new DataTable(this, 'ProductStats', { partitionKey: 'sku' });
    const appliedEvents = new DataTable(this, 'AppliedEvents', {
      partitionKey: 'eventId',
      timeToLiveAttribute: 'expiresAt',
    });
    // Batches the consumer gave up on (their shard and sequence range, not the records) wait here to be inspected,
    // with the records it set aside itself (a reused event id), whole and with the reason.
    this.failures = new Queue(this, 'ConsumerFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeLastStopQueue(this.failures, 'on-failure destination', 'the stream consumer’s event source');

    const publish = new AppFunction(this, 'PublishEvents', {
      entry: 'message-stream/publish-events.ts',
      serviceName: 'message-stream',
      description:
        'POST /stream/events: validates a batch of product events and writes it to Kinesis, retrying refused records.',
      // One PutRecords of up to 500 records, then retries of the refused ones while time allows; it answers a second
      // before its timeout, which ends before API Gateway's 29 s integration timeout, so the client gets the answer.
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
      timeout: Duration.seconds(25),
    }).bindStream(this.stream, { access: 'write', env: 'EVENT_STREAM_NAME' });

    const aggregate = new AppFunction(this, 'AggregateEvents', {
      entry: 'message-stream/aggregate-events.ts',
      serviceName: 'message-stream',
      description: 'Kinesis consumer: applies each product event to its SKU statistics exactly once.',
      timeout: Duration.seconds(60),
    })
      .bindTable(stats.table, { access: 'readWrite', env: 'STATS_TABLE_NAME' })
      .bindTable(appliedEvents.table, { access: 'readWrite', env: 'APPLIED_EVENTS_TABLE_NAME' })
      // Events whose id was applied for other content are set aside there, with the reason.
      .bindQueue(this.failures, { access: 'send', env: 'FAILURES_QUEUE_URL' });
    aggregate.function.addEventSource(
      new KinesisEventSource(this.stream, streamConsumerSettings(this.failures)),
    );

    const read = new AppFunction(this, 'GetStats', {
      entry: 'message-stream/get-stats.ts',
      serviceName: 'message-stream',
      description: 'GET /stream/stats/{sku}: the statistics of one SKU.',
    })
      .bindTable(stats.table, { access: 'read', env: 'STATS_TABLE_NAME' })
      .bindTable(appliedEvents.table, { access: 'read', env: 'APPLIED_EVENTS_TABLE_NAME' });

    new Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription: 'The consumer is more than a minute behind the stream: it is failing or too slow.',
      metric: this.stream.metricGetRecordsIteratorAgeMilliseconds({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 60_000,
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const envelope = props.api.addModel(
      'ProductEventBatchModel',
      'ProductEventBatch',
      productEventEnvelopeJsonSchema,
    );
    props.api.addLambdaRoute('POST', '/stream/events', publish.function, { requestModel: envelope });
    props.api.addLambdaRoute('GET', '/stream/stats/{sku}', read.function);
  }
}
