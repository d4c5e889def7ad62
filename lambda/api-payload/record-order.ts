import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseOrder, recordOrder, replayOrConflict, toPublicOrder } from '../domain/order.ts';
import type { OrderStore } from '../domain/order-store.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbOrderStore } from '../shared/dynamodb-order-store.ts';
import { created, jsonBodyText, ok, resourceUrl } from '../shared/http.ts';
import { logger } from '../shared/logger.ts';
import { answeringProblems } from '../shared/problem.ts';

export interface RecordOrderDependencies {
  readonly store: OrderStore;
  readonly now: () => Date;
}

/** `POST /sync/orders`: records a purchase order once per orderId and answers with the record. */
export const makeHandler = ({ store, now }: RecordOrderDependencies) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const parsed = parseOrder(jsonBodyText(event));
    const order = recordOrder(parsed, now());
    if ((await store.save(order, parsed.attachment)) === 'created') {
      logger.info('Order recorded', { orderId: order.orderId, totalCents: order.totalCents });
      return created(resourceUrl(event, order.orderId), toPublicOrder(order));
    }
    const existing = await store.find(order.orderId);
    if (!existing) {
      throw new Error(`Order ${order.orderId} was reported as existing but cannot be read`);
    }
    logger.info('Order already recorded', { orderId: order.orderId });
    return ok(toPublicOrder(replayOrConflict(existing, order)));
  });

const store = new DynamoDbOrderStore(requireEnv('ORDERS_TABLE_NAME'), new DynamoDBClient({}));

export const handler = makeHandler({ store, now: () => new Date() });
