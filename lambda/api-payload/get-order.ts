import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { OrderNotFoundError } from '../domain/errors.ts';
import { requireOrderId, toPublicOrder } from '../domain/order.ts';
import type { OrderStore } from '../domain/order-store.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbOrderStore } from '../shared/dynamodb-order-store.ts';
import { ok } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';

/** What the handler needs from the outside world. */
export interface GetOrderDependencies {
  /** Where orders are recorded. */
  readonly store: OrderStore;
}

/** `GET /sync/orders/{orderId}`: the recorded order, 404 when there is none, 400 for an id no order can have. */
export const makeHandler = ({ store }: GetOrderDependencies) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const orderId = requireOrderId(event.pathParameters?.orderId);
    const order = await store.find(orderId);
    if (!order) {
      throw new OrderNotFoundError(orderId);
    }
    return ok(toPublicOrder(order));
  });

// Read once at init: a function without its table fails before its first request, naming the variable.
const ordersTableName = requireEnv('ORDERS_TABLE_NAME');
// Module scope: one client, and its connections, reused by every invocation of this execution environment.
const dynamodb = new DynamoDBClient({});

/** The Lambda entry point, wired to DynamoDB. */
export const handler = makeHandler({ store: new DynamoDbOrderStore(ordersTableName, dynamodb) });
