import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { StreamViewType } from 'aws-cdk-lib/aws-dynamodb';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  cancelOrderJsonSchema,
  payOrderJsonSchema,
  placeOrderJsonSchema,
} from '../../lambda/domain/cqrs-order.ts';
import { AppFunction } from '../platform/app-function.ts';
import { DataTable, idempotencyTable } from '../platform/data-table.ts';
import { FailureQueue } from '../platform/failure-queue.ts';
import type { PlatformRestApi } from '../platform/rest-api.ts';
import { streamConsumerSettings } from '../platform/stream-consumer.ts';

export interface CqrsPatternProps {
  /** The REST API the pattern's routes attach to. */
  readonly api: PlatformRestApi;
}

/**
 * Pattern 7, CQRS: commands (`POST /cqrs/orders`, `.../{orderId}/pay`, `.../{orderId}/cancel`) append events to
 * an append-only log, conditional on the version; a projector on the log's DynamoDB stream keeps two read
 * models (an order view, a per-customer summary) that the queries (`GET /cqrs/orders/{orderId}`,
 * `GET /cqrs/customers/{customerId}/summary`) read. `npm run cqrs:rebuild` rebuilds the models from the log.
 */
export class CqrsPattern extends Construct {
  readonly eventLog: DataTable;
  readonly orderViews: DataTable;
  readonly customerOrders: DataTable;
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: CqrsPatternProps) {
    super(scope, id);
    // One partition per order, one item per event, sorted by version; the stream carries each new event only.
    this.eventLog = new DataTable(this, 'EventLog', {
      partitionKey: 'orderId',
      sortKey: 'version',
      sortKeyType: 'number',
      stream: StreamViewType.NEW_IMAGE,
    });
    // Its stream (old and new images) tells others when an order's status changes.
    this.orderViews = new DataTable(this, 'OrderViews', {
      partitionKey: 'orderId',
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // One partition per customer, one row per order: a summary is one Query, paid totals are summed per currency.
    this.customerOrders = new DataTable(this, 'CustomerOrders', {
      partitionKey: 'customerId',
      sortKey: 'orderId',
    });

    // Batches the projector gave up on (their shard and sequence range, not the records) wait here.
    this.failures = new FailureQueue(this, 'ProjectorFailures', {
      failuresOf: 'the CQRS projector’s event source',
      alarmDescription:
        'The projector gave up on a batch of events (shard and sequence range in the message): the read models lag the log; fix the cause, then run npm run cqrs:rebuild.',
    }).queue;

    const commands = new AppFunction(this, 'HandleCommand', {
      entry: 'cqrs/handle-command.ts',
      serviceName: 'cqrs',
      description:
        'POST /cqrs/orders and /cqrs/orders/{orderId}/pay|cancel: decides on the order’s events and appends the next one.',
    })
      .bindTable(this.eventLog.table, { access: 'append', env: 'EVENT_LOG_TABLE_NAME' })
      // Placing an order with an Idempotency-Key: the first answer, replayed to retries for 24 h.
      .bindTable(idempotencyTable(this, 'PlaceOrderIdempotency').table, {
        access: 'idempotency',
        env: 'IDEMPOTENCY_TABLE_NAME',
      });
    // The log is append-only: the command side may query an order's events and put new ones, nothing else
    // (no UpdateItem, DeleteItem or BatchWriteItem), so no bug in it can rewrite history.
    this.eventLog.table.grant(commands.function, 'dynamodb:Query');

    const projector = new AppFunction(this, 'ProjectEvents', {
      entry: 'cqrs/project-events.ts',
      serviceName: 'cqrs',
      description:
        'DynamoDB stream of the CQRS event log: projects each event into the order view and the customer summary.',
      timeout: Duration.seconds(60),
    })
      .bindTable(this.eventLog.table, { access: 'read', env: 'EVENT_LOG_TABLE_NAME' })
      .bindTable(this.orderViews.table, { access: 'readWrite', env: 'ORDER_VIEWS_TABLE_NAME' })
      .bindTable(this.customerOrders.table, { access: 'readWrite', env: 'CUSTOMER_ORDERS_TABLE_NAME' });
    projector.function.addEventSource(
      new DynamoEventSource(this.eventLog.table, streamConsumerSettings(this.failures)),
    );
    new Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription:
        'The projector is more than a minute behind the event log: it is failing or too slow, and the views lag.',
      metric: projector.function.metric('IteratorAge', {
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 60_000,
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const getOrderView = new AppFunction(this, 'GetOrderView', {
      entry: 'cqrs/get-order-view.ts',
      serviceName: 'cqrs',
      description:
        'GET /cqrs/orders/{orderId}: the order’s view (status, version, total), eventually consistent.',
    })
      .bindTable(this.orderViews.table, { access: 'read', env: 'ORDER_VIEWS_TABLE_NAME' })
      .bindTable(this.customerOrders.table, { access: 'read', env: 'CUSTOMER_ORDERS_TABLE_NAME' });
    const getSummary = new AppFunction(this, 'GetCustomerSummary', {
      entry: 'cqrs/get-customer-summary.ts',
      serviceName: 'cqrs',
      description:
        'GET /cqrs/customers/{customerId}/summary: open orders and paid totals per currency, eventually consistent.',
    })
      .bindTable(this.orderViews.table, { access: 'read', env: 'ORDER_VIEWS_TABLE_NAME' })
      .bindTable(this.customerOrders.table, { access: 'read', env: 'CUSTOMER_ORDERS_TABLE_NAME' });

    const api = props.api;
    const place = api.addModel('CqrsPlaceOrderModel', 'CqrsPlaceOrder', placeOrderJsonSchema);
    const pay = api.addModel('CqrsPayOrderModel', 'CqrsPayOrder', payOrderJsonSchema);
    const cancel = api.addModel('CqrsCancelOrderModel', 'CqrsCancelOrder', cancelOrderJsonSchema);
    api.addLambdaRoute('POST', '/cqrs/orders', commands.function, { requestModel: place });
    api.addLambdaRoute('POST', '/cqrs/orders/{orderId}/pay', commands.function, { requestModel: pay });
    api.addLambdaRoute('POST', '/cqrs/orders/{orderId}/cancel', commands.function, { requestModel: cancel });
    api.addLambdaRoute('GET', '/cqrs/orders/{orderId}', getOrderView.function);
    api.addLambdaRoute('GET', '/cqrs/customers/{customerId}/summary', getSummary.function);
  }
}
