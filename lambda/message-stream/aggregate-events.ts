import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import { type ProductStatsStore, parseStreamedEvent } from '../domain/product-event.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbProductStatsStore } from '../shared/dynamodb-product-stats-store.ts';
import { inKeyOrder } from '../shared/key-ordered.ts';
import { logger } from '../shared/logger.ts';
import { logStreamFailures } from '../shared/record-failures.ts';
import { type RejectedRecords, SqsRejectedRecords } from '../shared/sqs-rejected-records.ts';
import { applyBySku } from './apply-by-sku.ts';

/**
 * The stream's consumer: applies each event to its SKU's statistics exactly once (a redelivered event finds its id
 * already applied). First each SKU's events of the batch together, a few writes per SKU; then record by record what
 * that left: a record that cannot be read (not JSON, not a product event) is logged with its sequence number and
 * the reason, and reported by sequence number; the event source retries from it and, past the retry limit, sends
 * its batch description to the failure queue and moves on. An event whose id was applied before for other content
 * is set aside on the failure queue itself, with the reason.
 */
export const makeHandler = (stats: ProductStatsStore, rejected: RejectedRecords) => {
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    const appliedTogether = await applyBySku(event.Records, stats);
    // What is left is applied record by record, each SKU's events in stream order and different SKUs side by side.
    // Once one of a SKU's events fails, its later events in the batch fail with it, to be retried after it.
    const applyInOrder = inKeyOrder(
      (record: KinesisStreamRecord) => record.kinesis.partitionKey,
      async (record: KinesisStreamRecord) => {
        const productEvent = parseStreamedEvent(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
        const outcome = await stats.apply(productEvent, record.kinesis.sequenceNumber);
        if (outcome === 'duplicate') {
          logger.debug('Duplicate event ignored', { eventId: productEvent.eventId });
        } else if (outcome !== 'applied') {
          // The id was applied for another event: this one is not a redelivery, and applying it would count an
          // id twice. It is set aside, whole and with the reason, and the shard goes on.
          const rejection = {
            code: 'ConflictingEventId',
            reason: `Event id ${productEvent.eventId} was applied before for an event with other content (sequence number ${outcome.appliedSequenceNumber ?? 'unknown'}); this event was not applied.`,
            details: {
              eventId: productEvent.eventId,
              fingerprint: outcome.fingerprint,
              appliedFingerprint: outcome.appliedFingerprint,
              appliedSequenceNumber: outcome.appliedSequenceNumber,
            },
          };
          await rejected.reject(record, rejection);
          logger.warn('Event with a reused id set aside on the failure queue', {
            sequenceNumber: record.kinesis.sequenceNumber,
            ...rejection.details,
          });
        }
      },
    );
    const processRecord = logStreamFailures(async (record: KinesisStreamRecord) => {
      // Applied with its SKU's other events: done, whatever happens to the records around it.
      if (!appliedTogether.has(record.kinesis.sequenceNumber)) {
        await applyInOrder(record);
      }
    });
    return processPartialResponse(event, processRecord, processor, { context });
  };
};

export const handler = makeHandler(
  new DynamoDbProductStatsStore(
    { stats: requireEnv('STATS_TABLE_NAME'), appliedEvents: requireEnv('APPLIED_EVENTS_TABLE_NAME') },
    new DynamoDBClient({}),
  ),
  new SqsRejectedRecords(requireEnv('FAILURES_QUEUE_URL'), new SQSClient({})),
);
