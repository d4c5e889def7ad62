import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import { type ProductStatsStore, parseStreamedEvent } from '../domain/product-event.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbProductStatsStore } from '../shared/dynamodb-product-stats-store.ts';
import { logger } from '../shared/logger.ts';

/**
 * The stream's consumer: applies each event to its SKU's statistics exactly once (a redelivered event finds its id
 * already applied). A record that cannot be read is reported by sequence number; the event source retries from
 * it and, past the retry limit, sends its batch description to the failure queue and moves on.
 */
export const makeHandler = (stats: ProductStatsStore) => {
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    // Powertools starts every record at once, in batch order. Chaining each record behind the previous one of
    // its partition key (its SKU) applies a SKU's events in stream order while different SKUs run side by side.
    // A record whose predecessor failed still runs: that failure is retried on its own.
    const tails = new Map<string, Promise<unknown>>();
    const processRecord = (record: KinesisStreamRecord): Promise<void> => {
      const previous = tails.get(record.kinesis.partitionKey) ?? Promise.resolve();
      const current = previous
        .catch(() => undefined)
        .then(async () => {
          const productEvent = parseStreamedEvent(
            Buffer.from(record.kinesis.data, 'base64').toString('utf8'),
          );
          if ((await stats.apply(productEvent, record.kinesis.sequenceNumber)) === 'duplicate') {
            logger.debug('Duplicate event ignored', { eventId: productEvent.eventId });
          }
        });
      tails.set(record.kinesis.partitionKey, current);
      return current;
    };
    return processPartialResponse(event, processRecord, processor, { context });
  };
};

export const handler = makeHandler(
  new DynamoDbProductStatsStore(
    { stats: requireEnv('STATS_TABLE_NAME'), appliedEvents: requireEnv('APPLIED_EVENTS_TABLE_NAME') },
    new DynamoDBClient({}),
  ),
);
