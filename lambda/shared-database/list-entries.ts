import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { requireOrderId } from '../domain/order.ts';
import { requireEnv } from '../shared/config.ts';
import { OrderEntriesTable } from '../shared/dynamodb-order-entries.ts';
import { ok } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';

/**
 * `GET /shared/orders/{orderId}/changes` and `GET /shared/accounting/inbox/{orderId}`: an order's entries in
 * version order, `{orderId, entries}`. Both are fed by the change feed, so they trail the table by a moment;
 * an order with no entries (yet) answers an empty list.
 */
export const makeHandler = (entries: Pick<OrderEntriesTable<{ orderId: string; version: number }>, 'list'>) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const orderId = requireOrderId(event.pathParameters?.orderId);
    const list = await entries.list(orderId);
    return ok({ orderId, entries: list.map(({ orderId: _, ...entry }) => entry) });
  });

export const handler = makeHandler(
  new OrderEntriesTable(requireEnv('ENTRIES_TABLE_NAME'), new DynamoDBClient({})),
);
