import { Aspects, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ApiPayloadPattern } from './patterns/api-payload.ts';
import { CqrsPattern } from './patterns/cqrs.ts';
import { FileDropPattern } from './patterns/file-drop.ts';
import { MessageQueuePattern } from './patterns/message-queue.ts';
import { MessageStreamPattern } from './patterns/message-stream.ts';
import { PubSubPattern } from './patterns/pub-sub.ts';
import { SharedDatabasePattern } from './patterns/shared-database.ts';
import { StatusPushPattern } from './patterns/status-push.ts';
import { AccessLogsBucket } from './platform/document-bucket.ts';
import { AlarmsNotify, OperationsAlerts } from './platform/operations-alerts.ts';
import { PlatformRestApi } from './platform/rest-api.ts';

export interface DataSharingStackProps extends StackProps {
  /**
   * The browser origin allowed to call the REST API across origins (the console of `npm run console`); the CDK
   * context value `consoleOrigin` sets it. @default none
   */
  readonly consoleOrigin?: string;
  /**
   * An e-mail address subscribed to the operations alerts topic, which every alarm notifies; the CDK context value
   * `opsEmail` sets it. @default none: subscribe what pages you to the topic (`OperationsAlertsTopicArn`)
   */
  readonly opsEmail?: string;
}

/** The whole system: the shared platform and one construct per integration pattern. */
export class DataSharingStack extends Stack {
  constructor(scope: Construct, id: string, props: DataSharingStackProps = {}) {
    super(scope, id, props);
    const alerts = new OperationsAlerts(this, 'OperationsAlerts', { email: props.opsEmail });
    Aspects.of(this).add(new AlarmsNotify(alerts.topic));
    const api = new PlatformRestApi(this, 'RestApi', { allowedOrigin: props.consoleOrigin });
    const accessLogs = new AccessLogsBucket(this, 'AccessLogs');
    new ApiPayloadPattern(this, 'ApiPayload', { api });
    const messageQueue = new MessageQueuePattern(this, 'MessageQueue', {
      api,
      accessLogs: accessLogs.bucket,
    });

    const messageStream = new MessageStreamPattern(this, 'MessageStream', { api });
    const fileDrop = new FileDropPattern(this, 'FileDrop', { api, accessLogs: accessLogs.bucket });
    const sharedDatabase = new SharedDatabasePattern(this, 'SharedDatabase', { api });
    const cqrs = new CqrsPattern(this, 'Cqrs', { api });
    const pubSub = new PubSubPattern(this, 'PubSub', { api });
    const statusPush = new StatusPushPattern(this, 'StatusPush', {
      api,
      sources: { queue: messageQueue.statuses, file: fileDrop.records, cqrs: cqrs.orderViews.table },
    });

    new CfnOutput(this, 'OperationsAlertsTopicArn', {
      description:
        'Every alarm notifies this topic, when it fires and when it clears: subscribe your pager to it.',
      value: alerts.topic.topicArn,
    });
    // Every target (local cloud, LocalStack, AWS) is found through these names in its outputs file.
    new CfnOutput(this, 'ApiUrl', {
      value: api.url,
      description: 'Base URL of the REST API (stage included).',
    });
    new CfnOutput(this, 'ApiKeyId', {
      value: api.apiKey.keyId,
      description:
        'Id of the API key; read its value with `aws apigateway get-api-key --api-key <id> --include-value`.',
    });
    new CfnOutput(this, 'OrderQueueUrl', {
      value: messageQueue.queue.queueUrl,
      description: 'The order queue.',
    });
    new CfnOutput(this, 'OrderDeadLetterQueueUrl', {
      value: messageQueue.deadLetterQueue.queueUrl,
      description: 'Orders that failed every retry; `npm run queue:redrive` sends them back.',
    });
    new CfnOutput(this, 'EventStreamName', {
      value: messageStream.stream.streamName,
      description: 'The product event stream.',
    });
    new CfnOutput(this, 'EventConsumerFailuresQueueUrl', {
      value: messageStream.failures.queueUrl,
      description: 'Batches the stream consumer gave up on (shard and sequence range).',
    });
    new CfnOutput(this, 'FilesBucketName', {
      value: fileDrop.bucket.bucketName,
      description: 'The file drop bucket: incoming/, processed/ and quarantine/.',
    });
    new CfnOutput(this, 'FileRecordsTableName', {
      value: fileDrop.records.tableName,
      description: 'What the file drop knows of each announced file (status, size, SHA-256), by file id.',
    });
    new CfnOutput(this, 'FileProcessorFailuresQueueUrl', {
      value: fileDrop.failures.queueUrl,
      description: 'S3 events the file processor failed on after Lambda’s retries.',
    });
    new CfnOutput(this, 'SharedOrdersTableName', {
      value: sharedDatabase.orders.table.tableName,
      description: 'The table the orders and accounting applications share.',
    });
    new CfnOutput(this, 'ChangeFeedFailuresQueueUrl', {
      value: sharedDatabase.failures.queueUrl,
      description: 'Change-feed batches the history or inbox consumer gave up on (shard and sequence range).',
    });
    new CfnOutput(this, 'CqrsEventLogTableName', {
      value: cqrs.eventLog.table.tableName,
      description: 'The CQRS event log (orderId, version): the write model, append-only.',
    });
    new CfnOutput(this, 'CqrsOrderViewsTableName', {
      value: cqrs.orderViews.table.tableName,
      description: 'The CQRS order views; `npm run cqrs:rebuild` rebuilds them from the log.',
    });
    new CfnOutput(this, 'CqrsCustomerOrdersTableName', {
      value: cqrs.customerOrders.table.tableName,
      description: 'The CQRS customer summaries, one row per order; rebuilt with the views.',
    });
    new CfnOutput(this, 'CqrsProjectorFailuresQueueUrl', {
      value: cqrs.failures.queueUrl,
      description: 'Event-log batches the CQRS projector gave up on (shard and sequence range).',
    });
    new CfnOutput(this, 'WebSocketUrl', {
      value: statusPush.stage.url,
      description: 'The status push WebSocket URL; connect with ?ticket= from POST /push/tickets.',
    });
    new CfnOutput(this, 'StatusPushFailuresQueueUrl', {
      value: statusPush.failures.queueUrl,
      description: 'Status-table stream batches the pusher gave up on (shard and sequence range).',
    });
    new CfnOutput(this, 'OrderEventsTopicArn', {
      value: pubSub.topic.topicArn,
      description: 'The topic OrderPlaced events are published to.',
    });
    for (const [name, subscriber] of Object.entries(pubSub.subscribers)) {
      const title = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
      new CfnOutput(this, `${title}DeadLetterQueueUrl`, {
        value: subscriber.deadLetterQueue.queueUrl,
        description: `OrderPlaced events the ${name} subscriber failed on after every retry.`,
      });
    }
  }
}
