import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { OrderNotFoundError } from '../domain/errors.ts';
import { requireOrderId, toPublicOrder } from '../domain/order.ts';
import type { OrderStore } from '../domain/order-store.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbOrderStore } from '../shared/dynamodb-order-store.ts';
import { ok } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';

export interface GetOrderDependencies {
  readonly store: OrderStore;
}

/** `GET /sync/orders/{orderId}`: the recorded order, or 404. */
export const makeHandler = ({ store }: GetOrderDependencies) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const orderId = requireOrderId(event.pathParameters?.orderId);
    const order = await store.find(orderId);
    if (!order) {
      throw new OrderNotFoundError(orderId);
    }
    return ok(toPublicOrder(order));
  });

const store = new DynamoDbOrderStore(requireEnv('ORDERS_TABLE_NAME'), new DynamoDBClient({}));

export const handler = makeHandler({ store });
