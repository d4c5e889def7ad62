import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type InvoiceFields,
  invoiceView,
  type OrderFields,
  type SharedOrder,
} from '../domain/shared-order.ts';
import { documentClient } from './dynamodb.ts';

/** What a conditional write came to. */
export type WriteOutcome =
  | { readonly result: 'written'; readonly version: number }
  /** The version named is not the current one, or (for a create) the order already exists. */
  | { readonly result: 'stale' }
  | { readonly result: 'missing' };

/**
 * The shared orders table, as both applications read it. Reads are whole items (both may read everything);
 * writes are `UpdateItem`s naming only the writer's own attributes, each conditional on the version, because
 * `PutItem` would replace the other application's attributes. No write asks for `ALL_OLD`/`ALL_NEW`: IAM allows
 * only `NONE`, `UPDATED_OLD` and `UPDATED_NEW`, which cannot return the other application's attributes.
 */
class SharedOrdersTable {
  protected readonly documents: DynamoDBDocumentClient;

  constructor(
    protected readonly tableName: string,
    client: DynamoDBClient,
  ) {
    this.documents = documentClient(client);
  }

  /** The order as last written (a strongly consistent read), or `undefined`. */
  async find(orderId: string): Promise<SharedOrder | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item ? toSharedOrder(Item) : undefined;
  }

  /**
   * One versioned update: `SET` the fields and `version + 1` when `condition` holds. A condition that fails
   * is told apart (stale or missing) by a consistent read, since IAM does not let a writer ask for the old item.
   */
  protected async update(
    orderId: string,
    fields: Readonly<Record<string, unknown>>,
    condition: { readonly expression: string; readonly values: Readonly<Record<string, unknown>> },
  ): Promise<WriteOutcome> {
    const names = Object.keys(fields);
    const updateExpression = `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}, #version = if_not_exists(#version, :zero) + :one`;
    // DynamoDB refuses placeholders an expression does not use, so #orderId is named only when the condition does.
    const usesOrderId = condition.expression.includes('#orderId');
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: updateExpression,
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: {
            ...(usesOrderId ? { '#orderId': 'orderId' } : {}),
            '#version': 'version',
            ...Object.fromEntries(names.map((name, i) => [`#f${i}`, name])),
          },
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ...Object.fromEntries(names.map((name, i) => [`:f${i}`, fields[name]])),
            ...condition.values,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return { result: 'written', version: Number(Attributes?.version) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw error;
      }
      return (await this.find(orderId)) ? { result: 'stale' } : { result: 'missing' };
    }
  }
}

/** `version IN (:v0, :v1, ...)` for the versions an `If-Match` names; never true for none. */
function versionIn(versions: readonly number[]) {
  if (versions.length === 0) {
    // No usable entity tag: a condition that cannot hold, so the write is refused like any stale one.
    return { expression: 'attribute_not_exists(#orderId) AND attribute_exists(#orderId)', values: {} };
  }
  return {
    expression: `#version IN (${versions.map((_, i) => `:v${i}`).join(', ')})`,
    values: Object.fromEntries(versions.map((version, i) => [`:v${i}`, version])),
  };
}

/** The web shop's access: creates orders and changes their fields, nothing of the invoice. */
export class OrdersAppTable extends SharedOrdersTable {
  /** Creates the order at version 1; `stale` when an order with that id exists already. */
  async create(orderId: string, order: OrderFields, now: Date): Promise<WriteOutcome> {
    const at = now.toISOString();
    return this.update(
      orderId,
      { ...order, createdAt: at, orderUpdatedAt: at },
      { expression: 'attribute_not_exists(#orderId)', values: {} },
    );
  }

  /** Replaces the order fields when the order is at one of `versions`. */
  async change(
    orderId: string,
    order: OrderFields,
    versions: readonly number[],
    now: Date,
  ): Promise<WriteOutcome> {
    return this.update(orderId, { ...order, orderUpdatedAt: now.toISOString() }, versionIn(versions));
  }
}

/** The accounting application's access: sets the invoice of an existing order, nothing of the order. */
export class AccountingAppTable extends SharedOrdersTable {
  /** Sets the invoice when the order exists and is at one of `versions`. */
  async setInvoice(
    orderId: string,
    invoice: InvoiceFields,
    versions: readonly number[],
    now: Date,
  ): Promise<WriteOutcome> {
    const condition = versionIn(versions);
    return this.update(
      orderId,
      { ...invoice, invoiceUpdatedAt: now.toISOString() },
      { ...condition, expression: `attribute_exists(#orderId) AND ${condition.expression}` },
    );
  }
}

/** An item as clients see it, field by field so nothing unexpected leaks. */
export function toSharedOrder(item: Readonly<Record<string, unknown>>): SharedOrder {
  const lines = (item.lines ?? []) as SharedOrder['order']['lines'];
  return {
    orderId: String(item.orderId),
    version: Number(item.version),
    order: {
      customerId: String(item.customerId),
      currency: String(item.currency),
      lines: lines.map((line) => ({
        sku: line.sku,
        quantity: Number(line.quantity),
        unitPriceCents: Number(line.unitPriceCents),
        lineTotalCents: Number(line.lineTotalCents),
      })),
      totalCents: Number(item.totalCents),
      createdAt: String(item.createdAt),
      updatedAt: String(item.orderUpdatedAt),
    },
    invoice:
      item.invoiceNumber === undefined
        ? null
        : {
            ...invoiceView({
              invoiceNumber: String(item.invoiceNumber),
              invoiceStatus: item.invoiceStatus as InvoiceFields['invoiceStatus'],
              invoiceAmountCents: Number(item.invoiceAmountCents),
              invoiceDueOn: String(item.invoiceDueOn),
            }),
            updatedAt: String(item.invoiceUpdatedAt),
          },
  };
}
