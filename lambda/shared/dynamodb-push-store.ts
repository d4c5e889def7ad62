import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamodb.ts';

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/**
 * Single-use connection tickets (partition key `ticketHash`, TTL `expiresAt`). DynamoDB deletes expired items
 * lazily, within days, so redeeming checks the expiry itself.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
 */
export class TicketsTable {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient,
  ) {
    this.documents = documentClient(client);
  }

  async issue(ticketHash: string, expiresAt: Date): Promise<void> {
    await this.documents.send(
      new PutCommand({ TableName: this.tableName, Item: { ticketHash, expiresAt: epochSeconds(expiresAt) } }),
    );
  }

  /** Deletes the ticket if it exists and has not expired at `now`: true once per ticket, false ever after. */
  async redeem(ticketHash: string, now: Date): Promise<boolean> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { ticketHash },
          ConditionExpression: 'attribute_exists(ticketHash) AND expiresAt > :now',
          ExpressionAttributeValues: { ':now': epochSeconds(now) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return false;
      }
      throw error;
    }
  }
}

/**
 * Open connections (partition key `connectionId`, TTL `expiresAt`) with the ids each follows, and the
 * subscriptions by id (partition key `orderId`, sort key `connectionId`, same TTL) that the pusher queries.
 */
export class PushSubscriptionsTables {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly connectionsTable: string,
    private readonly subscriptionsTable: string,
    client: DynamoDBClient,
  ) {
    this.documents = documentClient(client);
  }

  async open(connectionId: string, expiresAt: Date): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.connectionsTable,
        Item: { connectionId, expiresAt: epochSeconds(expiresAt) },
      }),
    );
  }

  /**
   * Subscribes an open connection to an id: `subscribed` (also when it already was), `limit` when it follows
   * `maxPerConnection` ids already, `closed` when the connection is not open.
   */
  async subscribe(
    connectionId: string,
    orderId: string,
    maxPerConnection: number,
  ): Promise<'subscribed' | 'limit' | 'closed'> {
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.connectionsTable,
          Key: { connectionId },
          UpdateExpression: 'ADD orderIds :orderId',
          ConditionExpression:
            'attribute_exists(connectionId) AND (attribute_not_exists(orderIds) OR contains(orderIds, :id) OR size(orderIds) < :max)',
          ExpressionAttributeValues: {
            ':orderId': new Set([orderId]),
            ':id': orderId,
            ':max': maxPerConnection,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      await this.documents.send(
        new PutCommand({
          TableName: this.subscriptionsTable,
          Item: { orderId, connectionId, expiresAt: Attributes?.expiresAt },
        }),
      );
      return 'subscribed';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return (await this.isOpen(connectionId)) ? 'limit' : 'closed';
      }
      throw error;
    }
  }

  /** The connections following an id. */
  async subscribers(orderId: string): Promise<string[]> {
    const connections: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.subscriptionsTable,
          KeyConditionExpression: 'orderId = :orderId',
          ExpressionAttributeValues: { ':orderId': orderId },
          ProjectionExpression: 'connectionId',
          ExclusiveStartKey: startKey,
        }),
      );
      connections.push(...(page.Items ?? []).map((item) => String(item.connectionId)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return connections;
  }

  /** Forgets a connection and every subscription it had. Safe to repeat. */
  async close(connectionId: string): Promise<void> {
    const { Attributes } = await this.documents.send(
      new DeleteCommand({ TableName: this.connectionsTable, Key: { connectionId }, ReturnValues: 'ALL_OLD' }),
    );
    const orderIds = [...((Attributes?.orderIds as Set<string> | undefined) ?? [])];
    await Promise.all(orderIds.map((orderId) => this.unsubscribe(orderId, connectionId)));
  }

  async unsubscribe(orderId: string, connectionId: string): Promise<void> {
    await this.documents.send(
      new DeleteCommand({ TableName: this.subscriptionsTable, Key: { orderId, connectionId } }),
    );
  }

  private async isOpen(connectionId: string): Promise<boolean> {
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.connectionsTable,
        KeyConditionExpression: 'connectionId = :id',
        ExpressionAttributeValues: { ':id': connectionId },
        ProjectionExpression: 'connectionId',
        ConsistentRead: true,
      }),
    );
    return Items.length > 0;
  }
}
