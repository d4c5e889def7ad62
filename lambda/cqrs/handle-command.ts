import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import {
  cancelOrderSchema,
  decide,
  evolve,
  fold,
  type OrderCommand,
  parseCommandBody,
  payOrderSchema,
  placeOrderSchema,
} from '../domain/cqrs-order.ts';
import type { EventLog } from '../domain/cqrs-stores.ts';
import { ConcurrentChangeError, OrderNotFoundError } from '../domain/errors.ts';
import { requireOrderId } from '../domain/order.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbEventLog } from '../shared/dynamodb-cqrs-event-log.ts';
import { accepted, jsonBodyText, resourceUrl } from '../shared/http.ts';
import { IdempotentRequests } from '../shared/idempotent-requests.ts';
import { logger } from '../shared/logger.ts';
import { answeringProblems } from '../shared/problem.ts';

/** What the command side needs from the outside world. */
export interface HandleCommandDependencies {
  /** The event log, the only model commands read and write. */
  readonly log: EventLog;
  /** The clock that stamps each event's `occurredAt`. */
  readonly now: () => Date;
  /** A new order id. */
  readonly newOrderId: () => string;
  /** Places an order at most once per `Idempotency-Key`: the server names orders, so a retry needs the key. */
  readonly idempotency: Pick<IdempotentRequests, 'handle'>;
}

/** The collection the order views live under; also the place-order route. */
const ORDERS_RESOURCE = '/cqrs/orders';

/**
 * The write side of pattern 7: `POST /cqrs/orders` (place), `POST /cqrs/orders/{orderId}/pay` and
 * `POST /cqrs/orders/{orderId}/cancel`. Each reads the order's events (strongly consistent), folds them, decides
 * the next event and appends it conditionally on its version being free; a command that lost the race to
 * another gets 409. It answers `202 Accepted` with the new version as soon as the event is in the log: the views
 * follow within moments, and a client that needs them waits until the view's `version` reaches it. Placing an order
 * with an `Idempotency-Key` places it once: a retry with the same key and body gets the same answer and order id.
 */
export const makeHandler = ({ log, now, newOrderId, idempotency }: HandleCommandDependencies) => {
  const execute = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const command = parseCommand(event, now(), newOrderId);
    const state = fold(command.type === 'PlaceOrder' ? [] : await log.history(command.orderId));
    if (command.type !== 'PlaceOrder' && !state) {
      throw new OrderNotFoundError(command.orderId);
    }
    const next = decide(state, command);
    if ((await log.append(next)) === 'conflict') {
      throw new ConcurrentChangeError(
        `Order ${next.orderId} changed while this command was decided: read it again and retry if still wanted.`,
      );
    }
    const { orderId, version, status } = evolve(state, next);
    logger.info('Event appended', { orderId, version, type: next.type });
    const viewUrl = orderViewUrl(event, orderId);
    return accepted(viewUrl, { orderId, version, status, viewUrl });
  };
  return answeringProblems(async (event: APIGatewayProxyEvent, context?: Context) =>
    // Paying and cancelling name their order and check its state: a retry of one is refused as a transition.
    event.resource === ORDERS_RESOURCE
      ? idempotency.handle(event, context, () => execute(event))
      : execute(event),
  );
};

/** The command a request stands for, its body checked against the route's schema. */
function parseCommand(event: APIGatewayProxyEvent, at: Date, newOrderId: () => string): OrderCommand {
  const body = jsonBodyText(event);
  switch (event.resource) {
    case ORDERS_RESOURCE:
      return {
        type: 'PlaceOrder',
        orderId: newOrderId(),
        order: parseCommandBody(placeOrderSchema, body, 'an order: {customerId, currency, lines}'),
        at,
      };
    case `${ORDERS_RESOURCE}/{orderId}/pay`: {
      const orderId = requireOrderId(event.pathParameters?.orderId);
      const pay = parseCommandBody(payOrderSchema, body, 'a payment: {paymentReference}');
      return { type: 'PayOrder', orderId, ...pay, at };
    }
    case `${ORDERS_RESOURCE}/{orderId}/cancel`: {
      const orderId = requireOrderId(event.pathParameters?.orderId);
      const cancel = parseCommandBody(cancelOrderSchema, body, 'a cancellation: {reason}');
      return { type: 'CancelOrder', orderId, ...cancel, at };
    }
    default:
      // The construct routes exactly these resources here; anything else is a wiring mistake.
      throw new Error(`No command is routed from ${event.resource}`);
  }
}

/** The order view's URL: the request's path cut back to `/cqrs/orders` (stage and prefixes kept), plus the id. */
function orderViewUrl(event: APIGatewayProxyEvent, orderId: string): string {
  const below = event.resource.split('/').length - ORDERS_RESOURCE.split('/').length;
  const path = event.requestContext.path ?? event.path;
  const collection = below > 0 ? path.split('/').slice(0, -below).join('/') : path;
  return resourceUrl(
    { ...event, path: collection, requestContext: { ...event.requestContext, path: collection } },
    orderId,
  );
}

// Module scope: one client, and its connections, reused by every invocation of this execution environment.
const dynamodb = new DynamoDBClient({});

/** The Lambda entry point, wired to the event log, the system clock and random UUIDs. */
export const handler = makeHandler({
  log: new DynamoDbEventLog(requireEnv('EVENT_LOG_TABLE_NAME'), dynamodb),
  now: () => new Date(),
  newOrderId: () => randomUUID(),
  idempotency: IdempotentRequests.inTable(requireEnv('IDEMPOTENCY_TABLE_NAME'), dynamodb),
});
