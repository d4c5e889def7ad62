import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { OrderConflictError } from '../domain/errors.ts';
import { parseOrder, recordOrder } from '../domain/order.ts';
import {
  MAX_INLINE_MESSAGE_BYTES,
  MAX_QUEUED_ATTACHMENT_BYTES,
  type OrderMessage,
  type OrderPayload,
  type OrderStatus,
  type OrderStatusStore,
} from '../domain/queued-order.ts';
import { asciiJson } from '../shared/ascii-json.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbOrderStatusStore } from '../shared/dynamodb-order-status-store.ts';
import { accepted, jsonBodyText, resourceUrl } from '../shared/http.ts';
import { logger } from '../shared/logger.ts';
import { answeringProblems } from '../shared/problem.ts';
import { S3DocumentStore } from '../shared/s3-document-store.ts';
import { s3ClientFromEnvironment } from '../shared/s3-rest-client.ts';

export interface SubmitOrderDependencies {
  readonly statuses: OrderStatusStore;
  /** Sends one message body to the order queue. */
  readonly send: (body: string) => Promise<void>;
  /** Where orders too big for a message are kept (claim check). */
  readonly claims: Pick<S3DocumentStore, 'bucket' | 'put'>;
  readonly now: () => Date;
}

/**
 * `POST /queue/orders`: records the order as QUEUED, queues it, and answers 202 with its status URL at once.
 * The same order again answers the same 202 (and resends if the first send never happened); another order under
 * the same id answers 409.
 */
export const makeHandler = ({ statuses, send, claims, now }: SubmitOrderDependencies) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const parsed = parseOrder(jsonBodyText(event), { maxAttachmentBytes: MAX_QUEUED_ATTACHMENT_BYTES });
    const acceptedAt = now();
    const order = recordOrder(parsed, acceptedAt);
    const status: OrderStatus = {
      orderId: order.orderId,
      status: 'QUEUED',
      fingerprint: order.fingerprint,
      queuedAt: acceptedAt.toISOString(),
      updatedAt: acceptedAt.toISOString(),
      sent: false,
    };
    const created = await statuses.create(status);
    let current = status;
    if (created.outcome === 'exists') {
      if (created.existing.fingerprint !== order.fingerprint) {
        throw new OrderConflictError(order.orderId);
      }
      current = created.existing;
    }
    if (!current.sent) {
      const payload: OrderPayload = {
        orderId: order.orderId,
        order: parsed.order,
        recordedAt: current.queuedAt,
      };
      await send(await messageBody(payload, claims));
      await statuses.markSent(order.orderId);
      logger.info('Order queued', { orderId: order.orderId });
    }
    const statusUrl = resourceUrl(event, order.orderId);
    return accepted(statusUrl, { orderId: order.orderId, status: current.status, statusUrl });
  });

/** The message for an order: inline when it fits SQS's limit, else a claim check pointing at a copy in S3. */
async function messageBody(
  payload: OrderPayload,
  claims: SubmitOrderDependencies['claims'],
): Promise<string> {
  // ASCII only: any character an order may hold, SQS takes; the size below is that of the text sent.
  const inline = asciiJson(payload satisfies OrderMessage);
  if (Buffer.byteLength(inline) <= MAX_INLINE_MESSAGE_BYTES) {
    return inline;
  }
  const key = `claims/${payload.orderId}.json`;
  await claims.put(key, inline, 'application/json');
  return asciiJson({
    orderId: payload.orderId,
    claimCheck: { bucket: claims.bucket, key },
  } satisfies OrderMessage);
}

const sqs = new SQSClient({});
const queueUrl = requireEnv('ORDER_QUEUE_URL');

export const handler = makeHandler({
  statuses: new DynamoDbOrderStatusStore(requireEnv('ORDER_STATUS_TABLE_NAME'), new DynamoDBClient({})),
  send: async (body) => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  },
  claims: new S3DocumentStore(requireEnv('CLAIM_CHECK_BUCKET_NAME'), s3ClientFromEnvironment()),
  now: () => new Date(),
});
