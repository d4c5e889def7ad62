import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { decideOnExisting, parseOrder, recordOrder, toPublicOrder } from '../domain/order.ts';
import type { OrderStore } from '../domain/order-store.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbOrderStore } from '../shared/dynamodb-order-store.ts';
import { created, jsonBodyText, ok, resourceUrl } from '../shared/http.ts';
import { logger } from '../shared/logger.ts';
import { answeringProblems } from '../shared/problem.ts';

/** What the handler needs from the outside world. */
export interface RecordOrderDependencies {
  /** Where orders are recorded. */
  readonly store: OrderStore;
  /** The clock that stamps `recordedAt`. */
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
      // The store just refused the write because the order exists, and reads are strongly consistent.
      throw new Error(`Order ${order.orderId} was reported as existing but cannot be read`);
    }
    logger.info('Order already recorded', { orderId: order.orderId });
    return ok(toPublicOrder(decideOnExisting(existing, order.fingerprint)));
  });

// Read once at init: a function without its table fails before its first request, naming the variable.
const ordersTableName = requireEnv('ORDERS_TABLE_NAME');
// Module scope: one client, and its connections, reused by every invocation of this execution environment.
const dynamodb = new DynamoDBClient({});

/** The Lambda entry point, wired to DynamoDB and the system clock. */
export const handler = makeHandler({
  store: new DynamoDbOrderStore(ordersTableName, dynamodb),
  now: () => new Date(),
});
