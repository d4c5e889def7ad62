import { Construct } from 'constructs';
import { orderJsonSchema } from '../../lambda/domain/order.ts';
import { AppFunction } from '../platform/app-function.ts';
import { DataTable } from '../platform/data-table.ts';
import type { PlatformRestApi } from '../platform/rest-api.ts';

export interface ApiPayloadPatternProps {
  /** The REST API the pattern's routes attach to. */
  readonly api: PlatformRestApi;
}

/**
 * Pattern 1, API payload (synchronous): `POST /sync/orders` records the order in DynamoDB and answers with it
 * in the same call; `GET /sync/orders/{orderId}` reads it back.
 */
export class ApiPayloadPattern extends Construct {
  readonly orders: DataTable;

  constructor(scope: Construct, id: string, props: ApiPayloadPatternProps) {
    super(scope, id);
    // One partition per order: the order item, plus attachment chunks (an attachment may exceed the 400 KB item limit).
    this.orders = new DataTable(this, 'Orders', { partitionKey: 'orderId', sortKey: 'part' });

    const recordOrder = new AppFunction(this, 'RecordOrder', {
      entry: 'api-payload/record-order.ts',
      serviceName: 'api-payload',
      description:
        'POST /sync/orders: validates, prices and records a purchase order, idempotent on orderId.',
    }).bindTable(this.orders.table, { access: 'readWrite', env: 'ORDERS_TABLE_NAME' });

    const getOrder = new AppFunction(this, 'GetOrder', {
      entry: 'api-payload/get-order.ts',
      serviceName: 'api-payload',
      description: 'GET /sync/orders/{orderId}: reads a recorded purchase order.',
    }).bindTable(this.orders.table, { access: 'read', env: 'ORDERS_TABLE_NAME' });

    const orderModel = props.api.addModel('PurchaseOrderModel', 'PurchaseOrder', orderJsonSchema);
    props.api.addLambdaRoute('POST', '/sync/orders', recordOrder.function, { requestModel: orderModel });
    props.api.addLambdaRoute('GET', '/sync/orders/{orderId}', getOrder.function);
  }
}
