import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { RecordedOrder } from '../domain/order.ts';
import type { OrderStore } from '../domain/order-store.ts';
import { documentClient } from './dynamodb.ts';

/** Sort key of the order item; attachment chunks sort after it as `attachment#000`, `attachment#001`, ... */
const ORDER_PART = 'order';
/** Chunk size under DynamoDB's 400 KB item limit, leaving room for the keys. */
export const ATTACHMENT_CHUNK_BYTES = 300_000;
/** Attempts when a concurrent transaction on the same order makes DynamoDB cancel ours (TransactionConflict). */
const MAX_CONFLICT_ATTEMPTS = 5;

/**
 * Orders in one DynamoDB table: partition key `orderId`, sort key `part`. An order and its attachment chunks are
 * written by one TransactWriteItems (at most 1 + 4 items and ~1.1 MB, within the 100-item and 4 MB limits), every
 * item conditioned on the order not existing yet: all of it is recorded once, or none of it.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
 */
export class DynamoDbOrderStore implements OrderStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient,
  ) {
    this.documents = documentClient(client);
  }

  async save(order: RecordedOrder, attachment?: Buffer): Promise<'created' | 'exists'> {
    const items: Array<Record<string, unknown>> = [{ ...order, part: ORDER_PART }];
    for (
      let offset = 0, index = 0;
      attachment && offset < attachment.length;
      offset += ATTACHMENT_CHUNK_BYTES, index++
    ) {
      items.push({
        orderId: order.orderId,
        part: `attachment#${String(index).padStart(3, '0')}`,
        data: attachment.subarray(offset, offset + ATTACHMENT_CHUNK_BYTES),
      });
    }
    const command = new TransactWriteCommand({
      TransactItems: items.map((Item) => ({
        Put: { TableName: this.tableName, Item, ConditionExpression: 'attribute_not_exists(orderId)' },
      })),
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.documents.send(command);
        return 'created';
      } catch (error) {
        const reasons =
          error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : undefined;
        if (reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
          return 'exists';
        }
        // Another request is writing the same order right now: wait for it, then the condition decides.
        if (
          reasons?.some((reason) => reason.Code === 'TransactionConflict') &&
          attempt < MAX_CONFLICT_ATTEMPTS
        ) {
          await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * Math.random()));
          continue;
        }
        throw error;
      }
    }
  }

  async find(orderId: string): Promise<RecordedOrder | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId, part: ORDER_PART }, ConsistentRead: true }),
    );
    if (!Item) {
      return undefined;
    }
    const { part: _part, ...order } = Item;
    return order as RecordedOrder;
  }
}
