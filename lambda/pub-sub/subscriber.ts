import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ValidationError } from '../domain/errors.ts';
import { type Delivery, parseDeliveredEvent, type Subscriber } from '../domain/order-event.ts';
import { redeliveryDelaySeconds } from '../domain/queued-order.ts';
import { requireEnv } from '../shared/config.ts';
import { OrderEntriesTable } from '../shared/dynamodb-order-entries.ts';
import { logger } from '../shared/logger.ts';
import { recordFailure } from '../shared/record-failures.ts';
import { signedJsonGetter } from '../shared/signed-request.ts';

export interface SubscriberDependencies {
  readonly subscriber: Subscriber;
  /** Whether the subscription delivers the bare message (raw delivery) or the SNS notification around it. */
  readonly rawMessageDelivery: boolean;
  /** What this subscriber keeps of an order; throws `ValidationError` when the order lacks what it needs. */
  readonly details: (order: unknown) => Readonly<Record<string, unknown>>;
  /** The order behind a thin event, from the publisher's API. */
  readonly fetchOrder: (orderId: string) => Promise<unknown>;
  readonly deliveries: Pick<OrderEntriesTable<Delivery>, 'add'>;
  /** Hides a failed message for `seconds` before it is tried again. */
  readonly delayRetry: (receiptHandle: string, seconds: number) => Promise<void>;
  /** The queue's redrive `maxReceiveCount`: the attempt that reaches it is the last before the DLQ. */
  readonly maxReceiveCount: number;
  readonly now: () => Date;
}

/**
 * The message inside an SNS notification, as SQS receives it without raw delivery.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
 */
export function notificationMessage(body: string): string {
  let notification: unknown;
  try {
    notification = JSON.parse(body);
  } catch {
    notification = undefined;
  }
  const { Type, Message } = (notification ?? {}) as { Type?: unknown; Message?: unknown };
  if (Type !== 'Notification' || typeof Message !== 'string') {
    throw new ValidationError('The message is not an SNS notification.', [
      {
        pointer: '#',
        detail: 'Expected the JSON of an SNS notification, with Type "Notification" and a Message.',
      },
    ]);
  }
  return Message;
}

/**
 * A subscriber's queue consumer: for each message, reads the `OrderPlaced` event (fetching the order when the event
 * is thin), keeps what this subscriber needs of it and records the delivery once per order. Each message succeeds
 * or fails alone (partial batch response); a failing one is retried with backoff (at once when its content is
 * invalid: not JSON, not an event, an order lacking what this subscriber needs) and then dead-lettered by its queue,
 * never holding up other messages or other subscribers, whose queues are their own.
 */
export const makeSubscriberHandler = (deps: SubscriberDependencies) => {
  const processor = new BatchProcessor(EventType.SQS);

  const processRecord = async (record: SQSRecord): Promise<void> => {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    try {
      const event = parseDeliveredEvent(
        deps.rawMessageDelivery ? record.body : notificationMessage(record.body),
      );
      const order = event.style === 'fat' ? event.order : await deps.fetchOrder(event.orderId);
      const outcome = await deps.deliveries.add({
        orderId: event.orderId,
        subscriber: deps.subscriber,
        eventId: event.eventId,
        style: event.style,
        detailsFrom: event.style === 'fat' ? 'event' : 'api',
        details: deps.details(order),
        processedAt: deps.now().toISOString(),
      });
      logger.info(outcome === 'added' ? 'Event processed' : 'Event already processed; duplicate ignored', {
        orderId: event.orderId,
        eventId: event.eventId,
        style: event.style,
      });
    } catch (error) {
      const failure = recordFailure(error);
      const lastAttempt = receiveCount >= deps.maxReceiveCount;
      logger.warn(lastAttempt ? 'Event failed its last attempt; the queue dead-letters it' : 'Event failed', {
        messageId: record.messageId,
        receiveCount,
        ...failure,
      });
      // Backoff between attempts, unless no attempt can succeed; after the last one release the message at once, so
      // the queue moves it to the DLQ on its next receive instead of after the whole visibility timeout.
      await deps.delayRetry(
        record.receiptHandle,
        redeliveryDelaySeconds(receiveCount, { maxReceiveCount: deps.maxReceiveCount, ...failure }),
      );
      throw error;
    }
  };

  // A batch whose every message failed is answered message by message, not thrown (see the queue worker).
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });
};

/** An order the publisher's API did not give: not there (yet), or the call was refused. */
export class OrderFetchError extends Error {
  override readonly name = 'OrderFetchError';
}

/** The subscriber's handler wired to its queue, the deliveries table and the publisher's API, from the environment. */
export function subscriberHandler(
  subscriber: Subscriber,
  details: SubscriberDependencies['details'],
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const sqs = new SQSClient({});
  const queueUrl = requireEnv('SUBSCRIBER_QUEUE_URL');
  const ordersApiUrl = requireEnv('ORDERS_API_URL').replace(/\/*$/, '/');
  const getJson = signedJsonGetter(requireEnv('AWS_REGION'));
  return makeSubscriberHandler({
    subscriber,
    rawMessageDelivery: requireEnv('RAW_MESSAGE_DELIVERY') === 'true',
    details,
    fetchOrder: async (orderId) => {
      const response = await getJson(`${ordersApiUrl}events/orders/${encodeURIComponent(orderId)}`);
      if (response.status !== 200) {
        throw new OrderFetchError(
          `GET order ${orderId} answered ${response.status}: ${JSON.stringify(response.body)}`,
        );
      }
      return response.body;
    },
    deliveries: new OrderEntriesTable<Delivery>(requireEnv('DELIVERIES_TABLE_NAME'), new DynamoDBClient({})),
    delayRetry: async (receiptHandle, seconds) => {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
    maxReceiveCount: Number(requireEnv('MAX_RECEIVE_COUNT')),
    now: () => new Date(),
  });
}
