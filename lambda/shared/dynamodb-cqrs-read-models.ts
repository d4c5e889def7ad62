import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  paginateScan,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type CustomerOrder,
  type OrderState,
  type OrderView,
  toCustomerOrder,
  toPublicView,
} from '../domain/cqrs-order.ts';
import type { ModelWrite, RebuildableReadModels } from '../domain/cqrs-stores.ts';
import { documentClient } from './dynamodb.ts';

/** The two read-model tables: order views (key `orderId`) and customer orders (keys `customerId`, `orderId`). */
export interface ReadModelTables {
  readonly orderViews: string;
  readonly customerOrders: string;
}

const OLDER = 'attribute_not_exists(orderId) OR #version < :version';
const NOT_NEWER = 'attribute_not_exists(orderId) OR #version <= :version';

/**
 * The read models in DynamoDB. Every write is a whole item conditioned on the version it replaces, so a
 * duplicate or late event, or a rebuild running beside the projector, never moves a model backwards.
 */
export class DynamoDbReadModels implements RebuildableReadModels {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly tables: ReadModelTables,
    client: DynamoDBClient,
  ) {
    this.documents = documentClient(client);
  }

  async findView(orderId: string): Promise<OrderView | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tables.orderViews, Key: { orderId }, ConsistentRead: true }),
    );
    return Item ? toPublicView(Item as OrderView) : undefined;
  }

  async customerOrders(customerId: string): Promise<CustomerOrder[]> {
    const rows: CustomerOrder[] = [];
    const pages = paginateQuery(
      { client: this.documents },
      {
        TableName: this.tables.customerOrders,
        KeyConditionExpression: 'customerId = :customerId',
        ExpressionAttributeValues: { ':customerId': customerId },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      rows.push(...((page.Items ?? []) as CustomerOrder[]));
    }
    return rows;
  }

  /**
   * One TransactWriteItems puts both models, each conditioned on holding an older version: readers never see
   * the view ahead of the summary for long, and a failed invocation leaves neither half-written. When a
   * condition fails on one model only (the other was deleted or lost), the transaction is sent again without
   * it, so a model that fell behind catches up instead of waiting for the next rebuild.
   * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
   */
  async advance(state: OrderState): Promise<ModelWrite> {
    let puts = [
      { TableName: this.tables.orderViews, Item: toPublicView(state) },
      { TableName: this.tables.customerOrders, Item: toCustomerOrder(state) },
    ];
    while (puts.length > 0) {
      try {
        await this.documents.send(
          new TransactWriteCommand({
            TransactItems: puts.map((put) => ({
              Put: {
                ...put,
                ConditionExpression: OLDER,
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':version': state.version },
              },
            })),
          }),
        );
        return 'written';
      } catch (error) {
        const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
        // Anything but failed conditions (a conflicting transaction, throttling) is for the caller to retry.
        if (
          !reasons ||
          reasons.some((reason) => !['None', 'ConditionalCheckFailed'].includes(String(reason.Code)))
        ) {
          throw error;
        }
        puts = puts.filter((_, index) => reasons[index]?.Code !== 'ConditionalCheckFailed');
      }
    }
    return 'newer';
  }

  async restore(state: OrderState): Promise<{ view: ModelWrite; customerOrder: ModelWrite }> {
    const [view, customerOrder] = await Promise.all([
      this.putNotNewer(this.tables.orderViews, toPublicView(state)),
      this.putNotNewer(this.tables.customerOrders, toCustomerOrder(state)),
    ]);
    return { view, customerOrder };
  }

  async *allViews(): AsyncIterable<{ orderId: string; version: number }> {
    for await (const item of this.scan(this.tables.orderViews)) {
      yield { orderId: String(item.orderId), version: Number(item.version ?? 0) };
    }
  }

  async *allCustomerOrders(): AsyncIterable<{ customerId: string; orderId: string; version: number }> {
    for await (const item of this.scan(this.tables.customerOrders)) {
      yield {
        customerId: String(item.customerId),
        orderId: String(item.orderId),
        version: Number(item.version ?? 0),
      };
    }
  }

  deleteView(orderId: string, version: number): Promise<'deleted' | 'kept'> {
    return this.deleteUnlessNewer(this.tables.orderViews, { orderId }, version);
  }

  deleteCustomerOrder(customerId: string, orderId: string, version: number): Promise<'deleted' | 'kept'> {
    return this.deleteUnlessNewer(this.tables.customerOrders, { customerId, orderId }, version);
  }

  private async putNotNewer(tableName: string, item: OrderView | CustomerOrder): Promise<ModelWrite> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: NOT_NEWER,
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': item.version },
        }),
      );
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return 'newer';
      }
      throw error;
    }
  }

  private async deleteUnlessNewer(
    tableName: string,
    key: Record<string, string>,
    version: number,
  ): Promise<'deleted' | 'kept'> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: tableName,
          Key: key,
          ConditionExpression: 'attribute_not_exists(#version) OR #version <= :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': version },
        }),
      );
      return 'deleted';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return 'kept';
      }
      throw error;
    }
  }

  private async *scan(tableName: string): AsyncIterable<Record<string, unknown>> {
    const pages = paginateScan({ client: this.documents }, { TableName: tableName, ConsistentRead: true });
    for await (const page of pages) {
      yield* page.Items ?? [];
    }
  }
}
