import { createHash } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { downloadHeaders } from '../domain/download.ts';
import { parseOrder, recordOrder } from '../domain/order.ts';
import {
  documentKeys,
  MAX_QUEUED_ATTACHMENT_BYTES,
  type OrderPayload,
  type OrderStatus,
  type OrderStatusStore,
  orderIdOfMessage,
  parseOrderMessage,
  redeliveryDelaySeconds,
  type StoredDocument,
} from '../domain/queued-order.ts';
import { RECEIPT_CONTENT_TYPE, receiptFilename, renderReceipt } from '../domain/receipt.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbOrderStatusStore } from '../shared/dynamodb-order-status-store.ts';
import { logger } from '../shared/logger.ts';
import { recordFailure } from '../shared/record-failures.ts';
import { S3DocumentStore } from '../shared/s3-document-store.ts';
import { s3ClientFromEnvironment } from '../shared/s3-rest-client.ts';

export interface ProcessOrdersDependencies {
  readonly statuses: OrderStatusStore;
  readonly receipts: Pick<S3DocumentStore, 'put'>;
  readonly claims: Pick<S3DocumentStore, 'getText'>;
  /** Hides a failed message for `seconds` before it is tried again. */
  readonly delayRetry: (receiptHandle: string, seconds: number) => Promise<void>;
  /** The queue's redrive `maxReceiveCount`: the attempt that reaches it is the last before the DLQ. */
  readonly maxReceiveCount: number;
  readonly now: () => Date;
}

/**
 * The queue's worker: for each message, renders the order's receipt PDF into S3 and marks the order DONE.
 * Each record succeeds or fails alone (partial batch response), so one bad message never re-runs the others.
 * A duplicate delivery finds the order DONE and changes nothing; receipts have one key per order, so two
 * concurrent deliveries write the same bytes to the same object: one receipt either way. A message that is not an
 * order message (anyone allowed to send to the queue may send anything) fails like any other, with its reason
 * logged, and is dead-lettered after `maxReceiveCount` immediate redeliveries.
 */
export const makeHandler = (deps: ProcessOrdersDependencies) => {
  const processor = new BatchProcessor(EventType.SQS);

  const processRecord = async (record: SQSRecord): Promise<void> => {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    try {
      const message = parseOrderMessage(record.body);
      const payload: OrderPayload =
        'claimCheck' in message
          ? (parseOrderMessage(await deps.claims.getText(message.claimCheck.key)) as OrderPayload)
          : message;
      const parsed = parseOrder(JSON.stringify(payload.order), {
        maxAttachmentBytes: MAX_QUEUED_ATTACHMENT_BYTES,
      });
      const order = recordOrder(parsed, new Date(payload.recordedAt));
      if (!(await deps.statuses.startProcessing(order.orderId, deps.now()))) {
        logger.info('Order already done; duplicate delivery ignored', { orderId: order.orderId });
        return;
      }
      const keys = documentKeys(order.orderId, order.attachment?.filename);
      const pdf = renderReceipt(order);
      await deps.receipts.put(
        keys.receipt,
        pdf,
        RECEIPT_CONTENT_TYPE,
        downloadHeaders(receiptFilename(order.orderId), RECEIPT_CONTENT_TYPE),
      );
      const receipt: StoredDocument = { key: keys.receipt, sizeBytes: pdf.length, sha256: sha256(pdf) };
      let attachment: OrderStatus['attachment'];
      if (parsed.attachment && order.attachment && keys.attachment) {
        // Stored with the headers it is served with: an attachment, of an inert type whatever the client declared.
        await deps.receipts.put(
          keys.attachment,
          parsed.attachment,
          order.attachment.contentType,
          downloadHeaders(order.attachment.filename, order.attachment.contentType),
        );
        attachment = {
          key: keys.attachment,
          filename: order.attachment.filename,
          contentType: order.attachment.contentType,
          sizeBytes: parsed.attachment.length,
          sha256: order.attachment.sha256,
        };
      }
      await deps.statuses.markDone(
        order.orderId,
        { receipt, attachment, totalCents: order.totalCents, currency: order.currency },
        deps.now(),
      );
      logger.info('Receipt issued', { orderId: order.orderId, sha256: receipt.sha256 });
    } catch (error) {
      const failure = recordFailure(error);
      const lastAttempt = receiveCount >= deps.maxReceiveCount;
      const orderId = orderIdOfMessage(record.body);
      logger.warn(lastAttempt ? 'Order failed its last attempt; the queue dead-letters it' : 'Order failed', {
        messageId: record.messageId,
        orderId,
        receiveCount,
        ...failure,
      });
      if (lastAttempt && orderId !== undefined) {
        await deps.statuses.markFailed(orderId, failure.reason, deps.now());
      }
      await deps.delayRetry(
        record.receiptHandle,
        redeliveryDelaySeconds(receiveCount, { maxReceiveCount: deps.maxReceiveCount, ...failure }),
      );
      throw error;
    }
  };

  // A batch whose every message failed is still answered message by message, not thrown: each message keeps the
  // visibility its failure set, and the invocation is no function error (which would slow the queue's pollers).
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });
};

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const sqs = new SQSClient({});
const queueUrl = requireEnv('ORDER_QUEUE_URL');
const s3 = s3ClientFromEnvironment();

export const handler = makeHandler({
  statuses: new DynamoDbOrderStatusStore(requireEnv('ORDER_STATUS_TABLE_NAME'), new DynamoDBClient({})),
  receipts: new S3DocumentStore(requireEnv('RECEIPTS_BUCKET_NAME'), s3),
  claims: new S3DocumentStore(requireEnv('CLAIM_CHECK_BUCKET_NAME'), s3),
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
