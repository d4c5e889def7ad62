import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OrderStatus, OrderStatusStore } from '../domain/queued-order.ts';
import { documentClient } from './dynamodb.ts';

/**
 * Order statuses in DynamoDB, one item per order (partition key `orderId`). Every transition is a conditional
 * write, so concurrent or repeated deliveries cannot move an order backwards (DONE stays DONE).
 */
export class DynamoDbOrderStatusStore implements OrderStatusStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient,
  ) {
    this.documents = documentClient(client);
  }

  async create(
    status: OrderStatus,
  ): Promise<{ outcome: 'created' } | { outcome: 'exists'; existing: OrderStatus }> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: status,
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      );
      return { outcome: 'created' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw error;
      }
      const existing = await this.find(status.orderId);
      if (!existing) {
        throw new Error(`Order ${status.orderId} exists but cannot be read`, { cause: error });
      }
      return { outcome: 'exists', existing };
    }
  }

  async markSent(orderId: string): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { orderId },
        UpdateExpression: 'SET sent = :true',
        ConditionExpression: 'attribute_exists(orderId)',
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  async find(orderId: string): Promise<OrderStatus | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item as OrderStatus | undefined;
  }

  async startProcessing(orderId: string, at: Date): Promise<boolean> {
    return this.transition(
      orderId,
      'SET #status = :processing, updatedAt = :at, queuedAt = if_not_exists(queuedAt, :at) ADD attempts :one',
      { ':processing': 'PROCESSING', ':at': at.toISOString(), ':one': 1 },
    );
  }

  async markDone(
    orderId: string,
    result: Pick<OrderStatus, 'receipt' | 'attachment' | 'totalCents' | 'currency'>,
    at: Date,
  ): Promise<void> {
    await this.transition(
      orderId,
      'SET #status = :done, updatedAt = :at, receipt = :receipt, totalCents = :total, currency = :currency' +
        (result.attachment ? ', attachment = :attachment' : '') +
        ' REMOVE reason',
      {
        ':done': 'DONE',
        ':at': at.toISOString(),
        ':receipt': result.receipt,
        ':total': result.totalCents,
        ':currency': result.currency,
        ...(result.attachment ? { ':attachment': result.attachment } : {}),
      },
    );
  }

  /** Marks FAILED with the reason; creates the status for a message no POST announced (a foreign producer's). */
  async markFailed(orderId: string, reason: string, at: Date): Promise<void> {
    await this.transition(
      orderId,
      'SET #status = :failed, reason = :reason, updatedAt = :at, queuedAt = if_not_exists(queuedAt, :at), sent = :true',
      { ':failed': 'FAILED', ':reason': reason, ':at': at.toISOString(), ':true': true },
    );
  }

  /** Applies an update unless the order is DONE; false when it was. */
  private async transition(
    orderId: string,
    update: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: update,
          ConditionExpression: 'attribute_not_exists(#status) OR #status <> :doneState',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ...values, ':doneState': 'DONE' },
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
