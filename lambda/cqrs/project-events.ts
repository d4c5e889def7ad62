import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type OrderEvent, parseLoggedEvent } from '../domain/cqrs-order.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbEventLog } from '../shared/dynamodb-cqrs-event-log.ts';
import { DynamoDbReadModels } from '../shared/dynamodb-cqrs-read-models.ts';
import { inKeyOrder } from '../shared/key-ordered.ts';
import { logger } from '../shared/logger.ts';
import { logStreamFailures } from '../shared/record-failures.ts';
import { type ProjectionDependencies, projectEvent } from './projection.ts';

/** The event a log stream record carries (NEW_IMAGE), or `undefined` for a change that appends nothing. */
export function eventOf(record: DynamoDBRecord): OrderEvent | undefined {
  // The log is append-only: only INSERTs are events. A MODIFY or REMOVE is someone editing history by hand.
  if (record.eventName !== 'INSERT') {
    return undefined;
  }
  const image = record.dynamodb?.NewImage;
  if (!image) {
    throw new Error(`Record ${record.eventID} has no new image: is the stream NEW_IMAGE?`);
  }
  return parseLoggedEvent(unmarshall(image as Record<string, AttributeValue>));
}

/**
 * The projector, on the event log's DynamoDB stream: each event updates the order's view and its customer
 * row. One order's events are projected one after another in stream order, different orders side by side. A
 * record that fails (an item that is not an event, a store error) is logged with the reason and reported by
 * sequence number; the event source retries from it, bisects, and past its retries sends the batch's description
 * to the failure queue (the rebuild then repairs the models).
 */
export const makeHandler = (dependencies: ProjectionDependencies) => {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    const processRecord = logStreamFailures(
      inKeyOrder(
        (record: DynamoDBRecord) => record.dynamodb?.Keys?.orderId?.S ?? '',
        async (record) => {
          const orderEvent = eventOf(record);
          if (!orderEvent) {
            logger.warn('Log change that is not an append ignored', {
              eventName: record.eventName,
              keys: record.dynamodb?.Keys,
            });
            return;
          }
          const outcome = await projectEvent(dependencies, orderEvent);
          logger.debug('Event projected', {
            orderId: orderEvent.orderId,
            version: orderEvent.version,
            outcome,
          });
          if (outcome === 'folded') {
            logger.info('Gap before event filled from the log', {
              orderId: orderEvent.orderId,
              version: orderEvent.version,
            });
          }
        },
      ),
    );
    return processPartialResponse(event, processRecord, processor, { context });
  };
};

const dynamodb = new DynamoDBClient({});

/** The Lambda entry point, wired to the log and the read-model tables. */
export const handler = makeHandler({
  log: new DynamoDbEventLog(requireEnv('EVENT_LOG_TABLE_NAME'), dynamodb),
  readModels: new DynamoDbReadModels(
    {
      orderViews: requireEnv('ORDER_VIEWS_TABLE_NAME'),
      customerOrders: requireEnv('CUSTOMER_ORDERS_TABLE_NAME'),
    },
    dynamodb,
  ),
});
