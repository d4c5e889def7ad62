import { describe, expect, it } from 'vitest';
import { recordOrder } from '../../../lambda/domain/order.ts';
import { ATTACHMENT_CHUNK_BYTES, DynamoDbOrderStore } from '../../../lambda/shared/dynamodb-order-store.ts';
import { scriptedDynamoDb, type WireAnswer, type WireCall } from '../../helpers/scripted-dynamodb.ts';

const cancelled = (...codes: string[]): WireAnswer => ({
  status: 400,
  body: {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    CancellationReasons: codes.map((Code) => ({ Code })),
  },
});

const purchaseOrder = {
  orderId: 'order-7',
  customerId: 'customer-1',
  currency: 'EUR' as const,
  lines: [{ sku: 'book', quantity: 2, unitPriceCents: 1500 }],
  placedAt: '2026-11-22T10:15:00Z',
};
const recorded = recordOrder({ order: purchaseOrder }, new Date('2026-11-22T11:00:00Z'));

type TransactItem = {
  Put: { TableName: string; Item: Record<string, Record<string, unknown>>; ConditionExpression: string };
};

function transactItemsOf(call: WireCall | undefined): TransactItem[] {
  return (call?.input.TransactItems ?? []) as TransactItem[];
}

describe('DynamoDbOrderStore.save', () => {
  it('writes the order as the item part = "order", only if the order does not exist yet', async () => {
    const { client, calls } = scriptedDynamoDb({ status: 200, body: {} });
    expect(await new DynamoDbOrderStore('orders', client).save(recorded)).toBe('created');

    expect(calls.map((call) => call.operation)).toEqual(['TransactWriteItems']);
    const [item] = transactItemsOf(calls[0]);
    expect(item?.Put.TableName).toBe('orders');
    expect(item?.Put.ConditionExpression).toBe('attribute_not_exists(orderId)');
    expect(item?.Put.Item).toMatchObject({
      orderId: { S: 'order-7' },
      part: { S: 'order' },
      totalCents: { N: '3000' },
      fingerprint: { S: recorded.fingerprint },
    });
  });

  it('splits an attachment of 1 MiB into 300,000-byte chunks, written with the order in one transaction', async () => {
    const attachment = Buffer.alloc(1_048_576);
    for (let index = 0; index < attachment.length; index++) {
      attachment[index] = index % 251;
    }
    const { client, calls } = scriptedDynamoDb({ status: 200, body: {} });
    expect(await new DynamoDbOrderStore('orders', client).save(recorded, attachment)).toBe('created');

    expect(calls).toHaveLength(1);
    const items = transactItemsOf(calls[0]);
    expect(items.map((item) => item.Put.Item.part?.S)).toEqual([
      'order',
      'attachment#000',
      'attachment#001',
      'attachment#002',
      'attachment#003',
    ]);
    expect(items.every((item) => item.Put.ConditionExpression === 'attribute_not_exists(orderId)')).toBe(
      true,
    );
    expect(items.every((item) => item.Put.Item.orderId?.S === 'order-7')).toBe(true);
    const chunks = items.slice(1).map((item) => Buffer.from(String(item.Put.Item.data?.B), 'base64'));
    expect(chunks.map((chunk) => chunk.length)).toEqual([
      ATTACHMENT_CHUNK_BYTES,
      ATTACHMENT_CHUNK_BYTES,
      ATTACHMENT_CHUNK_BYTES,
      148_576,
    ]);
    expect(Buffer.concat(chunks).equals(attachment)).toBe(true);
  });

  it('answers "exists" when DynamoDB cancels the transaction because the order is already there', async () => {
    const { client } = scriptedDynamoDb(cancelled('ConditionalCheckFailed', 'None'));
    expect(await new DynamoDbOrderStore('orders', client).save(recorded, Buffer.from('x'))).toBe('exists');
  });

  it('tries again when a concurrent write of the same order conflicts, then lets the condition decide', async () => {
    const { client, calls } = scriptedDynamoDb(
      cancelled('TransactionConflict'),
      cancelled('ConditionalCheckFailed'),
    );
    expect(await new DynamoDbOrderStore('orders', client).save(recorded)).toBe('exists');
    expect(calls.map((call) => call.operation)).toEqual(['TransactWriteItems', 'TransactWriteItems']);
  });

  it('fails on any other error, so nothing half-applied is reported as recorded', async () => {
    const { client } = scriptedDynamoDb({
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
        message: 'Requested resource not found',
      },
    });
    await expect(new DynamoDbOrderStore('orders', client).save(recorded)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('DynamoDbOrderStore.find', () => {
  it('reads the order item with a strongly consistent GetItem and returns the record without its key part', async () => {
    const { client: writer, calls: writes } = scriptedDynamoDb({ status: 200, body: {} });
    await new DynamoDbOrderStore('orders', writer).save(recorded);
    const storedItem = transactItemsOf(writes[0])[0]?.Put.Item;

    const { client, calls } = scriptedDynamoDb({ status: 200, body: { Item: storedItem } });
    const found = await new DynamoDbOrderStore('orders', client).find('order-7');

    expect(calls).toEqual([
      {
        operation: 'GetItem',
        input: {
          TableName: 'orders',
          Key: { orderId: { S: 'order-7' }, part: { S: 'order' } },
          ConsistentRead: true,
        },
      },
    ]);
    expect(found).toEqual(recorded);
  });

  it('answers undefined for an order never recorded', async () => {
    const { client } = scriptedDynamoDb({ status: 200, body: {} });
    expect(await new DynamoDbOrderStore('orders', client).find('order-404')).toBeUndefined();
  });
});
