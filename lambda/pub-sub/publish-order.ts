import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { OrderConflictError } from '../domain/errors.ts';
import {
  eventAttributes,
  type OrderPlacedEvent,
  orderPlacedEvent,
  type PublishedOrderRecord,
  parseEventStyle,
  parsePublishedOrder,
  recordPublishedOrder,
  toPublishedOrder,
} from '../domain/order-event.ts';
import { asciiJson } from '../shared/ascii-json.ts';
import { requireEnv } from '../shared/config.ts';
import { PublishedOrdersTable } from '../shared/dynamodb-published-orders.ts';
import { accepted, jsonBodyText, resourceUrl } from '../shared/http.ts';
import { logger } from '../shared/logger.ts';
import { answeringProblems } from '../shared/problem.ts';

export interface PublishOrderDependencies {
  readonly orders: Pick<PublishedOrdersTable, 'save' | 'find'>;
  /** Publishes the event with message attributes for the subscriptions' filter policies; answers the message id. */
  readonly publish: (
    event: OrderPlacedEvent,
    attributes: Readonly<Record<string, string>>,
  ) => Promise<string>;
  readonly now: () => Date;
}

/**
 * `POST /events/orders[?style=fat|thin]`: records the order once per orderId (the same body again is a retry,
 * another body under the same id a 409), then publishes its `OrderPlaced` event and answers 202 with where the
 * deliveries show. Recorded first, published second: a failed publish answers 5xx and the client's retry
 * publishes again; subscribers apply the event once however many copies arrive.
 */
export const makeHandler = ({ orders, publish, now }: PublishOrderDependencies) => {
  const recorded = async (incoming: PublishedOrderRecord): Promise<PublishedOrderRecord> => {
    if ((await orders.save(incoming)) === 'created') {
      return incoming;
    }
    const existing = await orders.find(incoming.orderId);
    if (!existing) {
      // The store just refused the write because the order exists, and reads are strongly consistent.
      throw new Error(`Order ${incoming.orderId} was reported as existing but cannot be read`);
    }
    if (existing.fingerprint !== incoming.fingerprint) {
      throw new OrderConflictError(incoming.orderId);
    }
    return existing;
  };

  return answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const style = parseEventStyle(event.queryStringParameters?.style);
    const order = toPublishedOrder(
      await recorded(recordPublishedOrder(parsePublishedOrder(jsonBodyText(event)), now())),
    );
    const placed = orderPlacedEvent(order, style);
    const messageId = await publish(placed, eventAttributes(order));
    logger.info('Order event published', {
      orderId: order.orderId,
      eventId: placed.eventId,
      style,
      messageId,
    });
    const deliveries = `${resourceUrl(event, order.orderId)}/deliveries`;
    return accepted(deliveries, {
      orderId: order.orderId,
      eventId: placed.eventId,
      style,
      messageId,
      deliveries,
    });
  });
};

const topicArn = requireEnv('ORDER_EVENTS_TOPIC_ARN');
const sns = new SNSClient({});

export const handler = makeHandler({
  orders: new PublishedOrdersTable(requireEnv('PUBLISHED_ORDERS_TABLE_NAME'), new DynamoDBClient({})),
  publish: async (event, attributes) => {
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: asciiJson(event),
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([name, value]) => [
            name,
            { DataType: 'String', StringValue: value },
          ]),
        ),
      }),
    );
    return MessageId ?? '';
  },
  now: () => new Date(),
});
