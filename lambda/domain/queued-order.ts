import * as z from 'zod/mini';
import { ValidationError } from './errors.ts';
import { fieldErrors, parseJsonBody } from './json-input.ts';
import { type PurchaseOrder, purchaseOrderSchema } from './order.ts';
import './zod-locale.ts';

/**
 * Largest attachment the queue pattern accepts, decoded: 4 MiB is about 5.6 MB as base64, which keeps the whole
 * request under Lambda's 6 MB synchronous payload limit, the tightest hop on its way in.
 */
export const MAX_QUEUED_ATTACHMENT_BYTES = 4 * 1_048_576;

/**
 * Largest message body sent inline: SQS's 1 MiB (1,048,576 bytes) maximum less room for message attributes.
 * Bigger orders go by claim check: the order is stored in S3 and the message carries its location.
 */
export const MAX_INLINE_MESSAGE_BYTES = 1_048_576 - 8_192;

/** Where an order is in its asynchronous processing. */
export type QueueStatus = 'QUEUED' | 'PROCESSING' | 'DONE' | 'FAILED';

/** A stored object and its checksum. */
export interface StoredDocument {
  readonly key: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

/** What the status URL reports. */
export interface OrderStatus {
  readonly orderId: string;
  readonly status: QueueStatus;
  /** Fingerprint of the order first submitted under this id: tells a retry from a reused id. */
  readonly fingerprint: string;
  readonly queuedAt: string;
  readonly updatedAt: string;
  /** Whether the message reached the queue; a retry of the same order resends it until it has. */
  readonly sent: boolean;
  readonly totalCents?: number;
  readonly currency?: string;
  readonly receipt?: StoredDocument;
  readonly attachment?: StoredDocument & { readonly filename: string; readonly contentType: string };
  readonly reason?: string;
  /** How many times a worker started on it: more than 1 only after a failure or a duplicate delivery. */
  readonly attempts?: number;
}

/** The order a message carries: as the client sent it, and when it was accepted. The worker validates it again. */
export interface OrderPayload {
  readonly orderId: string;
  readonly order: PurchaseOrder;
  readonly recordedAt: string;
}

/** The queue message: the order itself, or where to fetch it (claim check). */
export type OrderMessage =
  | OrderPayload
  | { readonly orderId: string; readonly claimCheck: { readonly bucket: string; readonly key: string } };

/** Where the queue pattern keeps order statuses (the port; DynamoDB is one adapter). */
export interface OrderStatusStore {
  /** Records a new order as QUEUED; `exists` (with the stored status) when the id is already taken. */
  create(
    status: OrderStatus,
  ): Promise<
    { readonly outcome: 'created' } | { readonly outcome: 'exists'; readonly existing: OrderStatus }
  >;
  markSent(orderId: string): Promise<void>;
  find(orderId: string): Promise<OrderStatus | undefined>;
  /** Moves to PROCESSING unless DONE; `false` when the order is already DONE (a duplicate delivery). */
  startProcessing(orderId: string, at: Date): Promise<boolean>;
  markDone(
    orderId: string,
    result: Pick<OrderStatus, 'receipt' | 'attachment' | 'totalCents' | 'currency'>,
    at: Date,
  ): Promise<void>;
  markFailed(orderId: string, reason: string, at: Date): Promise<void>;
}

/** Backoff before a failed message is tried again: 2, 4, 8 ... seconds, at most 5 minutes. */
export function retryDelaySeconds(receiveCount: number): number {
  return Math.min(300, 2 ** Math.max(1, receiveCount));
}

/**
 * How long a failed message stays hidden before its next delivery: the backoff, or 0 (released at once) when this
 * was its last attempt or when no attempt can succeed (its content is invalid).
 *
 * A permanently bad message is still reported as a batch item failure rather than sent to the dead-letter queue by
 * the handler: SQS's redrive then moves the message itself (its id, body and attributes, with the queue it came
 * from, which `start-message-move-task` sends it back to) after `maxReceiveCount` receives, and the worker needs no
 * right to send to the DLQ nor a send-then-delete that could lose or duplicate it. Released at once, those
 * receives take moments instead of the backoff.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 */
export function redeliveryDelaySeconds(
  receiveCount: number,
  { maxReceiveCount, permanent }: { readonly maxReceiveCount: number; readonly permanent: boolean },
): number {
  return permanent || receiveCount >= maxReceiveCount ? 0 : retryDelaySeconds(receiveCount);
}

const orderIdSchema = purchaseOrderSchema.shape.orderId;

/** A message carrying a claim check. Tolerant readers: unknown fields are ignored; the order is validated alone. */
const claimCheckMessageSchema = z.looseObject({
  orderId: orderIdSchema,
  claimCheck: z.looseObject({
    bucket: z.string().check(z.minLength(1)),
    key: z.string().check(z.minLength(1)),
  }),
});

/** A message carrying the order. */
const payloadMessageSchema = z.looseObject({
  orderId: orderIdSchema,
  order: z.looseObject({}),
  recordedAt: z.iso.datetime({ offset: true }),
});

/**
 * Reads a queue message (or a claim check's stored payload): the order inline or where to fetch it. Anything
 * else, not JSON or of another shape, is a `ValidationError`: no retry can make it readable.
 */
export function parseOrderMessage(body: string): OrderMessage {
  const json = parseJsonBody(body, 'an order message');
  const schema =
    typeof json === 'object' && json !== null && 'claimCheck' in json
      ? claimCheckMessageSchema
      : payloadMessageSchema;
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new ValidationError('The message is not an order message.', fieldErrors(result.error));
  }
  return result.data as OrderMessage;
}

/** The order id a message names, if it names a valid one; a message too broken to say has none. Never throws. */
export function orderIdOfMessage(body: string): string | undefined {
  try {
    const { orderId } = JSON.parse(body) as { orderId?: unknown };
    return orderIdSchema.safeParse(orderId).success ? (orderId as string) : undefined;
  } catch {
    return undefined;
  }
}

/** The S3 keys of an order's documents: fixed per order, so a duplicate delivery rewrites, never adds. */
export function documentKeys(
  orderId: string,
  attachmentFilename?: string,
): { receipt: string; attachment?: string } {
  return {
    receipt: `orders/${orderId}/receipt.pdf`,
    ...(attachmentFilename ? { attachment: `orders/${orderId}/attachment/${attachmentFilename}` } : {}),
  };
}
