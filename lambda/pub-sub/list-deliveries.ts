import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { OrderNotFoundError } from '../domain/errors.ts';
import { requireOrderId } from '../domain/order.ts';
import type { Delivery } from '../domain/order-event.ts';
import { requireEnv } from '../shared/config.ts';
import { OrderEntriesTable } from '../shared/dynamodb-order-entries.ts';
import { PublishedOrdersTable } from '../shared/dynamodb-published-orders.ts';
import { ok } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';

/**
 * `GET /events/orders/{orderId}/deliveries`: which subscribers processed the order's event, one entry each.
 * Subscribers work on their own time: an empty list right after publishing means not yet, not never.
 */
export const makeHandler = (
  orders: Pick<PublishedOrdersTable, 'find'>,
  deliveries: Pick<OrderEntriesTable<Delivery>, 'list'>,
) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const orderId = requireOrderId(event.pathParameters?.orderId);
    if (!(await orders.find(orderId))) {
      throw new OrderNotFoundError(orderId);
    }
    return ok({ orderId, deliveries: await deliveries.list(orderId) });
  });

const dynamodb = new DynamoDBClient({});

export const handler = makeHandler(
  new PublishedOrdersTable(requireEnv('PUBLISHED_ORDERS_TABLE_NAME'), dynamodb),
  new OrderEntriesTable<Delivery>(requireEnv('DELIVERIES_TABLE_NAME'), dynamodb),
);
