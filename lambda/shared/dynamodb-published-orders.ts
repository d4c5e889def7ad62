import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PublishedOrderRecord } from '../domain/order-event.ts';
import { documentClient } from './dynamodb.ts';

/** The publisher's own record of the orders it published (partition key `orderId`), written once per order. */
export class PublishedOrdersTable {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient,
  ) {
    this.documents = documentClient(client);
  }

  /** Records the order if no order with its id is recorded: `created`, or `exists`. */
  async save(order: PublishedOrderRecord): Promise<'created' | 'exists'> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: order,
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return 'exists';
      }
      throw error;
    }
  }

  /** The recorded order, read consistently: a `save` that completed is always seen. */
  async find(orderId: string): Promise<PublishedOrderRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item as PublishedOrderRecord | undefined;
  }
}
