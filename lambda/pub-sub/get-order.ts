import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { OrderNotFoundError } from '../domain/errors.ts';
import { requireOrderId } from '../domain/order.ts';
import { toPublishedOrder } from '../domain/order-event.ts';
import { requireEnv } from '../shared/config.ts';
import { PublishedOrdersTable } from '../shared/dynamodb-published-orders.ts';
import { ok } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';

/**
 * `GET /events/orders/{orderId}` (IAM authorization): the published order, for subscribers of thin events.
 * Only roles granted `execute-api:Invoke` on this method may call it.
 */
export const makeHandler = (orders: Pick<PublishedOrdersTable, 'find'>) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const orderId = requireOrderId(event.pathParameters?.orderId);
    const order = await orders.find(orderId);
    if (!order) {
      throw new OrderNotFoundError(orderId);
    }
    return ok(toPublishedOrder(order));
  });

export const handler = makeHandler(
  new PublishedOrdersTable(requireEnv('PUBLISHED_ORDERS_TABLE_NAME'), new DynamoDBClient({})),
);
