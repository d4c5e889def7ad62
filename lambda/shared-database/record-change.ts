import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { OrderChange } from '../domain/shared-order.ts';
import { requireEnv } from '../shared/config.ts';
import { OrderEntriesTable } from '../shared/dynamodb-order-entries.ts';
import { inKeyOrder } from '../shared/key-ordered.ts';
import { logger } from '../shared/logger.ts';
import { logStreamFailures } from '../shared/record-failures.ts';
import { orderIdOf, readChange } from './change-feed.ts';

/**
 * The change feed's history consumer: one entry per order version, saying which application changed which
 * attributes and when. A redelivered record finds its entry and changes nothing; failed records (a change that
 * does not move the order to a next version: written around both applications) are logged with the reason,
 * reported by sequence number and retried from there.
 */
export const makeHandler = (history: Pick<OrderEntriesTable<OrderChange>, 'add'>) => {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    const processRecord = logStreamFailures(
      inKeyOrder(orderIdOf, async (record: DynamoDBRecord) => {
        const { change } = readChange(record);
        if ((await history.add(change)) === 'duplicate') {
          logger.debug('Change already recorded', { orderId: change.orderId, version: change.version });
        }
      }),
    );
    return processPartialResponse(event, processRecord, processor, { context });
  };
};

export const handler = makeHandler(
  new OrderEntriesTable<OrderChange>(requireEnv('ORDER_CHANGES_TABLE_NAME'), new DynamoDBClient({})),
);
