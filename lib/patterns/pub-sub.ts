import { Duration, Validations } from 'aws-cdk-lib';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { FilterOrPolicy, type ITopicSubscription, SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { publishedOrderJsonSchema, type Subscriber } from '../../lambda/domain/order-event.ts';
import { AppFunction } from '../platform/app-function.ts';
import { DataTable } from '../platform/data-table.ts';
import { FailureQueue, SOURCE_QUEUE_RETENTION } from '../platform/failure-queue.ts';
import { executeApiWildcardFinding, nagRef } from '../platform/nag-findings.ts';
import { oldestMessageAlarm } from '../platform/operations-alerts.ts';
import type { PlatformRestApi } from '../platform/rest-api.ts';

export interface PubSubPatternProps {
  /** The REST API the pattern's routes attach to. */
  readonly api: PlatformRestApi;
  /** Deliveries of a message to a subscriber before its queue dead-letters it. @default 3 */
  readonly maxReceiveCount?: number;
}

/** A subscriber's time limit per batch: recording a delivery, or fetching an order first, takes well under a second. */
const SUBSCRIBER_TIMEOUT = Duration.seconds(10);

/** One subscribing application: its queue, dead-letter queue and consumer. */
export interface SubscriberResources {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly function: AppFunction;
}

/**
 * Pattern 6, publish/subscribe: `POST /events/orders` records the order and publishes its `OrderPlaced` event to an
 * encrypted SNS topic, fat (the order inside) or thin (`?style=thin`, the id only). Each subscriber has its own SQS
 * queue, dead-letter queue and function, so one failing never holds up another: accounting takes every event,
 * shipping only those that need shipping (a filter on message attributes), analytics `OrderPlaced` events (a filter
 * on the message body). Thin events are completed through `GET /events/orders/{orderId}`, which only the
 * subscribers' roles may call (IAM authorization). `GET /events/orders/{orderId}/deliveries` lists who processed it.
 */
export class PubSubPattern extends Construct {
  readonly topic: Topic;
  readonly subscribers: Readonly<Record<Subscriber, SubscriberResources>>;

  constructor(scope: Construct, id: string, props: PubSubPatternProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 3;
    const orders = new DataTable(this, 'PublishedOrders', { partitionKey: 'orderId' });
    const deliveries = new DataTable(this, 'Deliveries', { partitionKey: 'orderId', sortKey: 'subscriber' });

    this.topic = new Topic(this, 'OrderEvents', {
      displayName: 'Purchase order events',
      // The AWS managed key: its key policy lets this account's principals use it through SNS, so publishers need
      // no KMS permissions. A customer managed key would allow key policies and cross-account subscribers.
      masterKey: Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
      enforceSSL: true,
    });

    const publish = new AppFunction(this, 'PublishOrder', {
      entry: 'pub-sub/publish-order.ts',
      serviceName: 'pub-sub',
      description:
        'POST /events/orders: records the order once and publishes its OrderPlaced event (fat or thin) to SNS.',
      environment: { ORDER_EVENTS_TOPIC_ARN: this.topic.topicArn },
    }).bindTable(orders.table, { access: 'readWrite', env: 'PUBLISHED_ORDERS_TABLE_NAME' });
    this.topic.grantPublish(publish.function);

    const getOrder = new AppFunction(this, 'GetOrder', {
      entry: 'pub-sub/get-order.ts',
      serviceName: 'pub-sub',
      description: 'GET /events/orders/{orderId} (IAM): the published order, for subscribers of thin events.',
    }).bindTable(orders.table, { access: 'read', env: 'PUBLISHED_ORDERS_TABLE_NAME' });

    const listDeliveries = new AppFunction(this, 'ListDeliveries', {
      entry: 'pub-sub/list-deliveries.ts',
      serviceName: 'pub-sub',
      description: 'GET /events/orders/{orderId}/deliveries: which subscribers processed the order’s event.',
    })
      .bindTable(orders.table, { access: 'read', env: 'PUBLISHED_ORDERS_TABLE_NAME' })
      .bindTable(deliveries.table, { access: 'read', env: 'DELIVERIES_TABLE_NAME' });

    const orderModel = props.api.addModel('PublishedOrderModel', 'PublishedOrder', publishedOrderJsonSchema);
    props.api.addLambdaRoute('POST', '/events/orders', publish.function, { requestModel: orderModel });
    const getOrderMethod = props.api.addIamRoute('GET', '/events/orders/{orderId}', getOrder.function);
    props.api.addLambdaRoute('GET', '/events/orders/{orderId}/deliveries', listDeliveries.function);

    const subscriber = (
      name: Subscriber,
      description: string,
      subscription: (queue: Queue, deadLetterQueue: Queue) => ITopicSubscription,
      rawMessageDelivery: boolean,
    ): SubscriberResources => {
      const dead = new FailureQueue(this, `${capitalized(name)}DeadLetters`, {
        failuresOf: `the ${name} subscriber’s queue and subscription`,
        lastStop: 'dead-letter queue',
        alarmDescription: `OrderPlaced events the ${name} subscriber failed on after every retry, or SNS could not deliver: inspect, fix, redrive.`,
      });
      const queue = new Queue(this, `${capitalized(name)}Queue`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        // AWS's guidance for Lambda event sources: at least six times the function timeout.
        visibilityTimeout: Duration.seconds(6 * SUBSCRIBER_TIMEOUT.toSeconds()),
        deadLetterQueue: { queue: dead.queue, maxReceiveCount },
        retentionPeriod: SOURCE_QUEUE_RETENTION,
      });
      oldestMessageAlarm(this, `${capitalized(name)}OldestEventAlarm`, queue, `the ${name} subscriber`);
      const consumer = new AppFunction(this, `${capitalized(name)}Subscriber`, {
        entry: `pub-sub/${name}-subscriber.ts`,
        serviceName: `pub-sub-${name}`,
        description,
        timeout: SUBSCRIBER_TIMEOUT,
        environment: {
          SUBSCRIBER_QUEUE_URL: queue.queueUrl,
          MAX_RECEIVE_COUNT: String(maxReceiveCount),
          RAW_MESSAGE_DELIVERY: String(rawMessageDelivery),
          ORDERS_API_URL: props.api.url,
        },
      }).bindTable(deliveries.table, { access: 'append', env: 'DELIVERIES_TABLE_NAME' });
      getOrderMethod.grantExecute(consumer.function);
      Validations.of(consumer).acknowledge({
        id: executeApiWildcardFinding(
          this,
          `${nagRef(props.api.api)}/${nagRef(props.api.api.deploymentStage)}/GET/events/orders/*`,
        ),
        reason: 'One method, GET /events/orders/{orderId}: the wildcard is the order id path parameter.',
      });
      consumer
        .acknowledgeQueueSourceFailures()
        .function.addEventSource(
          new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 2 }),
        );
      this.topic.addSubscription(subscription(queue, dead.queue));
      return { queue, deadLetterQueue: dead.queue, function: consumer };
    };

    this.subscribers = {
      // Every event, in the SNS notification envelope (no raw delivery): the message attributes travel inside it.
      accounting: subscriber(
        'accounting',
        'Accounting subscriber: books a receivable for every OrderPlaced event, once per order.',
        (queue, deadLetterQueue) =>
          new SqsSubscription(queue, { rawMessageDelivery: false, deadLetterQueue }),
        false,
      ),
      // Only orders that need shipping: a filter on the needsShipping message attribute.
      shipping: subscriber(
        'shipping',
        'Shipping subscriber: prepares a shipment for orders that need shipping, once per order.',
        (queue, deadLetterQueue) =>
          new SqsSubscription(queue, {
            rawMessageDelivery: true,
            deadLetterQueue,
            filterPolicy: { needsShipping: SubscriptionFilter.stringFilter({ allowlist: ['true'] }) },
          }),
        true,
      ),
      // OrderPlaced events: a filter on the message body (FilterPolicyScope MessageBody).
      analytics: subscriber(
        'analytics',
        'Analytics subscriber: counts OrderPlaced events by total band, once per order.',
        (queue, deadLetterQueue) =>
          new SqsSubscription(queue, {
            rawMessageDelivery: true,
            deadLetterQueue,
            filterPolicyWithMessageBody: {
              eventType: FilterOrPolicy.filter(
                SubscriptionFilter.stringFilter({ allowlist: ['OrderPlaced'] }),
              ),
            },
          }),
        true,
      ),
    };
  }
}

function capitalized(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}
