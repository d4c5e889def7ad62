import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamodb.ts';

/** At most this many entries are listed for one order. */
export const MAX_LISTED_ENTRIES = 1_000;

/**
 * Entries per order (partition key `orderId`, and a sort key per table: the version of a change, the subscriber
 * of a delivery), written once: feeds and queues deliver at least once, so an entry already there is a
 * redelivery and is left as it is.
 */
export class OrderEntriesTable<Entry extends { readonly orderId: string }> {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient,
  ) {
    this.documents = documentClient(client);
  }

  /** Adds the entry; `duplicate` when one with its key exists. */
  async add(entry: Entry): Promise<'added' | 'duplicate'> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: entry,
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      );
      return 'added';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return 'duplicate';
      }
      throw error;
    }
  }

  /** The order's entries, in sort key order. */
  async list(orderId: string): Promise<Entry[]> {
    const entries: Entry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'orderId = :orderId',
          ExpressionAttributeValues: { ':orderId': orderId },
          ExclusiveStartKey: startKey,
          Limit: MAX_LISTED_ENTRIES - entries.length,
        }),
      );
      entries.push(...((page.Items ?? []) as Entry[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey && entries.length < MAX_LISTED_ENTRIES);
    return entries;
  }
}
