import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { OrderNotFoundError } from '../domain/errors.ts';
import { requireOrderId } from '../domain/order.ts';
import { entityTag, ifNoneMatchHits } from '../domain/shared-order.ts';
import { requireEnv } from '../shared/config.ts';
import { OrdersAppTable } from '../shared/dynamodb-shared-orders.ts';
import { header, ok, withHeaders } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';

export interface GetSharedOrderDependencies {
  readonly table: Pick<OrdersAppTable, 'find'>;
}

/**
 * `GET /shared/orders/{orderId}`: the order and its invoice, with the version as `ETag` (what `If-Match` must
 * name to change it). `If-None-Match` with the current ETag gets `304` and no body.
 */
export const makeHandler = ({ table }: GetSharedOrderDependencies) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const orderId = requireOrderId(event.pathParameters?.orderId);
    const order = await table.find(orderId);
    if (!order) {
      throw new OrderNotFoundError(orderId);
    }
    const etag = { ETag: entityTag(order.version) };
    if (ifNoneMatchHits(header(event, 'If-None-Match'), order.version)) {
      return { statusCode: 304, headers: etag, body: '' };
    }
    return withHeaders(ok(order), etag);
  });

export const handler = makeHandler({
  table: new OrdersAppTable(requireEnv('SHARED_ORDERS_TABLE_NAME'), new DynamoDBClient({})),
});
