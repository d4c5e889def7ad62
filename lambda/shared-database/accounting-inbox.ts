import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type InboxReason, inboxReason, orderTotalOf } from '../domain/shared-order.ts';
import { requireEnv } from '../shared/config.ts';
import { OrderEntriesTable } from '../shared/dynamodb-order-entries.ts';
import { inKeyOrder } from '../shared/key-ordered.ts';
import { logger } from '../shared/logger.ts';
import { logStreamFailures } from '../shared/record-failures.ts';
import { orderIdOf, readChange } from './change-feed.ts';

/** A task in accounting's inbox: look at this order (at this version) again, and why. */
export interface InboxEntry {
  readonly orderId: string;
  readonly version: number;
  readonly reason: InboxReason;
  readonly changedAttributes: readonly string[];
  readonly totalCents: number;
  readonly currency: string;
  readonly receivedAt: string;
}

/**
 * The accounting application's change-feed consumer: the orders application's writes become tasks in
 * accounting's inbox (invoice a new order, check a changed one, redo an outdated invoice). Accounting's own
 * writes are skipped. One task per order version, whatever the redeliveries.
 */
export const makeHandler = (
  inbox: Pick<OrderEntriesTable<InboxEntry>, 'add'>,
  now: () => Date = () => new Date(),
) => {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    const processRecord = logStreamFailures(
      inKeyOrder(orderIdOf, async (record: DynamoDBRecord) => {
        const { change, newImage } = readChange(record);
        const reason = inboxReason(change, newImage);
        if (reason === undefined || newImage === undefined) {
          return;
        }
        const added = await inbox.add({
          orderId: change.orderId,
          version: change.version,
          reason,
          changedAttributes: change.attributes,
          ...orderTotalOf(newImage),
          receivedAt: now().toISOString(),
        });
        logger.info(added === 'added' ? 'Inbox task added' : 'Inbox task already there', {
          orderId: change.orderId,
          version: change.version,
          reason,
        });
      }),
    );
    return processPartialResponse(event, processRecord, processor, { context });
  };
};

export const handler = makeHandler(
  new OrderEntriesTable<InboxEntry>(requireEnv('ACCOUNTING_INBOX_TABLE_NAME'), new DynamoDBClient({})),
);
