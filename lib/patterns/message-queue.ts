import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { StreamViewType, type Table } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { orderJsonSchema } from '../../lambda/domain/order.ts';
import { AppFunction } from '../platform/app-function.ts';
import { DataTable } from '../platform/data-table.ts';
import { DocumentBucket } from '../platform/document-bucket.ts';
import { acknowledgeLastStopQueue, SOURCE_QUEUE_RETENTION } from '../platform/failure-queue.ts';
import { oldestMessageAlarm } from '../platform/operations-alerts.ts';
import type { PlatformRestApi } from '../platform/rest-api.ts';

export interface MessageQueuePatternProps {
  /** The REST API the pattern's routes attach to. */
  readonly api: PlatformRestApi;
  /** Where the buckets' access logs go. */
  readonly accessLogs: IBucket;
  /** Deliveries of a message before it moves to the dead-letter queue. @default 3 */
  readonly maxReceiveCount?: number;
}

/** The worker's time limit: rendering one batch of ten receipts takes well under a second. */
const WORKER_TIMEOUT = Duration.seconds(30);
/** How long the event source gathers messages before invoking with fewer than a full batch. */
const BATCHING_WINDOW = Duration.seconds(1);

/**
 * Pattern 2, message queue with a status URL: `POST /queue/orders` answers 202 at once and queues the order;
 * a worker renders its receipt PDF into S3; `GET /queue/orders/{orderId}` reports QUEUED, PROCESSING, DONE (with
 * a download link) or FAILED (with the reason). Failed messages are retried with backoff, then dead-lettered.
 */
export class MessageQueuePattern extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** Order statuses; its stream (old and new images) tells others when a status changes. */
  readonly statuses: Table;

  constructor(scope: Construct, id: string, props: MessageQueuePatternProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 3;
    const statuses = new DataTable(this, 'OrderStatuses', {
      partitionKey: 'orderId',
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    this.statuses = statuses.table;
    const receipts = new DocumentBucket(this, 'Receipts', { accessLogs: props.accessLogs });
    // Claim-check copies are needed until the worker has read them, at most the DLQ's retention.
    const claims = new DocumentBucket(this, 'ClaimChecks', {
      accessLogs: props.accessLogs,
      expireAfter: Duration.days(14),
    });

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeLastStopQueue(this.deadLetterQueue, 'dead-letter queue', 'the order queue');
    this.queue = new Queue(this, 'OrderQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's guidance for Lambda event sources: at least six times the function timeout, plus the batching window.
      visibilityTimeout: Duration.seconds(6 * WORKER_TIMEOUT.toSeconds() + BATCHING_WINDOW.toSeconds()),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      retentionPeriod: SOURCE_QUEUE_RETENTION,
    });
    oldestMessageAlarm(this, 'OldestOrderAlarm', this.queue, 'the order worker');
    new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'Orders in the dead-letter queue: they failed every retry; inspect, fix, then redrive.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const submit = new AppFunction(this, 'SubmitOrder', {
      entry: 'message-queue/submit-order.ts',
      serviceName: 'message-queue',
      description:
        'POST /queue/orders: records the order as QUEUED, queues it (claim check when large), answers 202.',
    })
      .bindTable(statuses.table, { access: 'readWrite', env: 'ORDER_STATUS_TABLE_NAME' })
      .bindQueue(this.queue, { access: 'send', env: 'ORDER_QUEUE_URL' })
      .bindBucket(claims.bucket, { access: 'write', env: 'CLAIM_CHECK_BUCKET_NAME' });

    const status = new AppFunction(this, 'GetStatus', {
      entry: 'message-queue/get-status.ts',
      serviceName: 'message-queue',
      description: 'GET /queue/orders/{orderId}: the order status, with receipt download links when DONE.',
    })
      .bindTable(statuses.table, { access: 'read', env: 'ORDER_STATUS_TABLE_NAME' })
      .bindBucket(receipts.bucket, { access: 'read', env: 'RECEIPTS_BUCKET_NAME' });

    const worker = new AppFunction(this, 'ProcessOrders', {
      entry: 'message-queue/process-orders.ts',
      serviceName: 'message-queue',
      description:
        'SQS worker: renders each order’s receipt PDF into S3 and marks it DONE; partial batch responses.',
      memorySizeMb: 512,
      timeout: WORKER_TIMEOUT,
      environment: { ORDER_QUEUE_URL: this.queue.queueUrl, MAX_RECEIVE_COUNT: String(maxReceiveCount) },
    })
      .bindTable(statuses.table, { access: 'readWrite', env: 'ORDER_STATUS_TABLE_NAME' })
      .bindBucket(receipts.bucket, { access: 'write', env: 'RECEIPTS_BUCKET_NAME' })
      .bindBucket(claims.bucket, { access: 'read', env: 'CLAIM_CHECK_BUCKET_NAME' });
    // Ten orders a batch, gathered for at most a second: fewer invocations under load, little added latency.
    worker.acknowledgeQueueSourceFailures().function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: BATCHING_WINDOW,
        reportBatchItemFailures: true,
        maxConcurrency: 5,
      }),
    );

    const orderModel = props.api.addModel('QueuedOrderModel', 'QueuedPurchaseOrder', orderJsonSchema);
    props.api.addLambdaRoute('POST', '/queue/orders', submit.function, { requestModel: orderModel });
    props.api.addLambdaRoute('GET', '/queue/orders/{orderId}', status.function);
  }
}
