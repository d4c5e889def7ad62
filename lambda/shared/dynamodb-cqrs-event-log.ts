import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';
import { type OrderEvent, orderEventSchema } from '../domain/cqrs-order.ts';
import type { EventLog, EventLogScan } from '../domain/cqrs-stores.ts';
import { documentClient } from './dynamodb.ts';

/**
 * The event log table: partition key `orderId`, numeric sort key `version`, one item per event. Appending is a
 * PutItem conditioned on the key being free, so two commands that decided on the same version cannot both
 * land: optimistic concurrency without a lock. Nothing here updates or deletes an event.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 */
export class DynamoDbEventLog implements EventLog, EventLogScan {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient,
  ) {
    this.documents = documentClient(client);
  }

  async history(orderId: string, upToVersion?: number): Promise<OrderEvent[]> {
    const events: OrderEvent[] = [];
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression:
          upToVersion === undefined ? 'orderId = :orderId' : 'orderId = :orderId AND #version <= :upTo',
        ...(upToVersion === undefined ? {} : { ExpressionAttributeNames: { '#version': 'version' } }),
        ExpressionAttributeValues: {
          ':orderId': orderId,
          ...(upToVersion === undefined ? {} : { ':upTo': upToVersion }),
        },
        // Read after write: a command decides on every event appended before it, not on a stale copy.
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      events.push(...(page.Items ?? []).map((item) => orderEventSchema.parse(item)));
    }
    return events;
  }

  async append(event: OrderEvent): Promise<'appended' | 'conflict'> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: event,
          // On a table with a sort key this checks the item with this orderId and this version.
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      );
      return 'appended';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return 'conflict';
      }
      throw error;
    }
  }

  async *allEvents(): AsyncIterable<OrderEvent> {
    const pages = paginateScan(
      { client: this.documents },
      { TableName: this.tableName, ConsistentRead: true },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        yield orderEventSchema.parse(item);
      }
    }
  }
}
