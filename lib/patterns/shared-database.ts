import { Duration } from 'aws-cdk-lib';
import { StreamViewType } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ACCOUNTING_APP_ATTRIBUTES,
  invoiceJsonSchema,
  ORDERS_APP_ATTRIBUTES,
  SHARED_ATTRIBUTES,
  sharedOrderJsonSchema,
} from '../../lambda/domain/shared-order.ts';
import { AppFunction } from '../platform/app-function.ts';
import { DataTable } from '../platform/data-table.ts';
import { FailureQueue } from '../platform/failure-queue.ts';
import type { PlatformRestApi } from '../platform/rest-api.ts';
import { streamConsumerSettings } from '../platform/stream-consumer.ts';

export interface SharedDatabasePatternProps {
  /** The REST API the pattern's routes attach to. */
  readonly api: PlatformRestApi;
}

/**
 * Pattern 5, shared database: the orders application and the accounting application write the same DynamoDB
 * table, each only its own attributes (IAM conditions on `dynamodb:Attributes`), every update conditional on
 * the version the writer read (`If-Match`/`ETag`, so no update is ever lost). The table's stream (old and new
 * images) feeds accounting's inbox and a change history.
 */
export class SharedDatabasePattern extends Construct {
  readonly orders: DataTable;
  readonly changes: DataTable;
  readonly inbox: DataTable;
  readonly failures: Queue;
  /** Each function, by what it is, for tests and readers. */
  readonly functions: Readonly<Record<'putOrder' | 'getOrder' | 'patchInvoice', IFunction>>;

  constructor(scope: Construct, id: string, props: SharedDatabasePatternProps) {
    super(scope, id);
    this.orders = new DataTable(this, 'SharedOrders', {
      partitionKey: 'orderId',
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    this.changes = new DataTable(this, 'OrderChanges', {
      partitionKey: 'orderId',
      sortKey: 'version',
      sortKeyType: 'number',
    });
    this.inbox = new DataTable(this, 'AccountingInbox', {
      partitionKey: 'orderId',
      sortKey: 'version',
      sortKeyType: 'number',
    });
    this.failures = new FailureQueue(this, 'ChangeFeedFailures', {
      failuresOf: 'the change feed’s consumers',
      alarmDescription:
        'A change-feed consumer gave up on a batch (its shard and sequence range are in the message): history or accounting inbox entries are missing.',
    }).queue;

    // The orders application: writes the order's attributes, reads whole items.
    const ordersWriter = [...SHARED_ATTRIBUTES, ...ORDERS_APP_ATTRIBUTES];
    const putOrder = new AppFunction(this, 'PutOrder', {
      entry: 'shared-database/put-order.ts',
      serviceName: 'shared-database-orders',
      description:
        'PUT /shared/orders/{orderId} (orders app): creates an order or changes it under If-Match.',
    }).bindSharedTable(this.orders.table, {
      env: 'SHARED_ORDERS_TABLE_NAME',
      writableAttributes: ordersWriter,
    });
    const getOrder = new AppFunction(this, 'GetOrder', {
      entry: 'shared-database/get-order.ts',
      serviceName: 'shared-database-orders',
      description:
        'GET /shared/orders/{orderId}: the shared order and its invoice, with its version as ETag.',
    }).bindSharedTable(this.orders.table, { env: 'SHARED_ORDERS_TABLE_NAME', writableAttributes: [] });

    // The accounting application: writes the invoice's attributes, keeps its own inbox.
    const patchInvoice = new AppFunction(this, 'PatchInvoice', {
      entry: 'shared-database/patch-invoice.ts',
      serviceName: 'shared-database-accounting',
      description:
        'PATCH /shared/orders/{orderId}/invoice (accounting app): sets the invoice under If-Match.',
    }).bindSharedTable(this.orders.table, {
      env: 'SHARED_ORDERS_TABLE_NAME',
      writableAttributes: [...SHARED_ATTRIBUTES, ...ACCOUNTING_APP_ATTRIBUTES],
    });
    const fillInbox = new AppFunction(this, 'FillInbox', {
      entry: 'shared-database/accounting-inbox.ts',
      serviceName: 'shared-database-accounting',
      description: 'Change feed consumer (accounting app): turns the orders app’s writes into inbox tasks.',
      timeout: Duration.seconds(30),
    }).bindTable(this.inbox.table, { access: 'append', env: 'ACCOUNTING_INBOX_TABLE_NAME' });
    const getInbox = new AppFunction(this, 'GetInbox', {
      entry: 'shared-database/list-entries.ts',
      serviceName: 'shared-database-accounting',
      description: 'GET /shared/accounting/inbox/{orderId}: accounting’s inbox tasks for one order.',
    }).bindTable(this.inbox.table, { access: 'read', env: 'ENTRIES_TABLE_NAME' });

    // The history belongs to neither application: it only reads the change feed.
    const recordChanges = new AppFunction(this, 'RecordChanges', {
      entry: 'shared-database/record-change.ts',
      serviceName: 'shared-database-history',
      description: 'Change feed consumer: records which application changed which attributes, and when.',
      timeout: Duration.seconds(30),
    }).bindTable(this.changes.table, { access: 'append', env: 'ORDER_CHANGES_TABLE_NAME' });
    const getChanges = new AppFunction(this, 'GetChanges', {
      entry: 'shared-database/list-entries.ts',
      serviceName: 'shared-database-history',
      description: 'GET /shared/orders/{orderId}/changes: the history of one shared order.',
    }).bindTable(this.changes.table, { access: 'read', env: 'ENTRIES_TABLE_NAME' });

    // Both consumers read the same stream: DynamoDB Streams serves two readers per shard.
    for (const consumer of [fillInbox, recordChanges]) {
      consumer.function.addEventSource(
        new DynamoEventSource(this.orders.table, streamConsumerSettings(this.failures)),
      );
    }

    const orderModel = props.api.addModel('SharedOrderModel', 'SharedOrder', sharedOrderJsonSchema);
    const invoiceModel = props.api.addModel('InvoiceModel', 'Invoice', invoiceJsonSchema);
    props.api.addLambdaRoute('PUT', '/shared/orders/{orderId}', putOrder.function, {
      requestModel: orderModel,
    });
    props.api.addLambdaRoute('GET', '/shared/orders/{orderId}', getOrder.function);
    props.api.addLambdaRoute('PATCH', '/shared/orders/{orderId}/invoice', patchInvoice.function, {
      requestModel: invoiceModel,
    });
    props.api.addLambdaRoute('GET', '/shared/orders/{orderId}/changes', getChanges.function);
    props.api.addLambdaRoute('GET', '/shared/accounting/inbox/{orderId}', getInbox.function);
    this.functions = {
      putOrder: putOrder.function,
      getOrder: getOrder.function,
      patchInvoice: patchInvoice.function,
    };
  }
}
