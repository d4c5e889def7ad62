import { describe, expect, it } from 'vitest';
import type { OrderEvent, OrderState } from '../../../lambda/domain/cqrs-order.ts';
import { DynamoDbEventLog } from '../../../lambda/shared/dynamodb-cqrs-event-log.ts';
import { DynamoDbReadModels } from '../../../lambda/shared/dynamodb-cqrs-read-models.ts';
import { scriptedDynamoDb, type WireAnswer } from '../../helpers/scripted-dynamodb.ts';

const placed: OrderEvent = {
  orderId: 'o-1',
  version: 1,
  type: 'OrderPlaced',
  occurredAt: '2026-11-22T10:00:00.000Z',
  data: {
    customerId: 'c-1',
    currency: 'EUR',
    lines: [{ sku: 'book', quantity: 2, unitPriceCents: 1500, lineTotalCents: 3000 }],
    totalCents: 3000,
  },
};
const paid: OrderEvent = {
  orderId: 'o-1',
  version: 2,
  type: 'OrderPaid',
  occurredAt: '2026-11-22T10:05:00.000Z',
  data: { paymentReference: 'psp:1' },
};
const state: OrderState = {
  orderId: 'o-1',
  customerId: 'c-1',
  status: 'PAID',
  version: 2,
  totalCents: 3000,
  currency: 'EUR',
  placedAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:05:00.000Z',
};
const conditionFailed: WireAnswer = {
  status: 400,
  body: {
    __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
    message: 'The conditional request failed',
  },
};
/** DynamoDB's answer when a transaction is cancelled: one reason per item, in order. */
const cancelled = (...codes: string[]): WireAnswer => ({
  status: 400,
  body: {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    CancellationReasons: codes.map((Code) => (Code === 'None' ? { Code } : { Code, Message: Code })),
  },
});
const TABLES = { orderViews: 'views', customerOrders: 'customer-orders' };

describe('the event log in DynamoDB', () => {
  it('appends with PutItem only where the (orderId, version) key is free, and calls a taken one a conflict', async () => {
    const { client, calls } = scriptedDynamoDb({ status: 200, body: {} }, conditionFailed);
    const log = new DynamoDbEventLog('log', client);
    expect(await log.append(paid)).toBe('appended');
    expect(await log.append(paid)).toBe('conflict');
    expect(calls.map((call) => call.operation)).toEqual(['PutItem', 'PutItem']);
    expect(calls[0]?.input).toMatchObject({
      TableName: 'log',
      Item: { orderId: { S: 'o-1' }, version: { N: '2' }, type: { S: 'OrderPaid' } },
      ConditionExpression: 'attribute_not_exists(orderId)',
    });
  });

  it('reads an order’s history strongly consistent, page by page, up to a version when asked', async () => {
    const item = (event: OrderEvent) => ({
      orderId: { S: event.orderId },
      version: { N: String(event.version) },
      type: { S: event.type },
      occurredAt: { S: event.occurredAt },
      data:
        event.type === 'OrderPaid'
          ? { M: { paymentReference: { S: 'psp:1' } } }
          : {
              M: {
                customerId: { S: 'c-1' },
                currency: { S: 'EUR' },
                totalCents: { N: '3000' },
                lines: {
                  L: [
                    {
                      M: {
                        sku: { S: 'book' },
                        quantity: { N: '2' },
                        unitPriceCents: { N: '1500' },
                        lineTotalCents: { N: '3000' },
                      },
                    },
                  ],
                },
              },
            },
    });
    const { client, calls } = scriptedDynamoDb(
      {
        status: 200,
        body: { Items: [item(placed)], LastEvaluatedKey: { orderId: { S: 'o-1' }, version: { N: '1' } } },
      },
      { status: 200, body: { Items: [item(paid)] } },
    );
    expect(await new DynamoDbEventLog('log', client).history('o-1', 2)).toEqual([placed, paid]);
    expect(calls[0]?.input).toMatchObject({
      KeyConditionExpression: 'orderId = :orderId AND #version <= :upTo',
      ExpressionAttributeValues: { ':orderId': { S: 'o-1' }, ':upTo': { N: '2' } },
      ConsistentRead: true,
    });
    expect(calls[1]?.input).toMatchObject({ ExclusiveStartKey: { version: { N: '1' } } });
  });
});

describe('the read models in DynamoDB', () => {
  it('advances the view and the customer row in one transaction, each only where its version is older', async () => {
    const { client, calls } = scriptedDynamoDb({ status: 200, body: {} });
    expect(await new DynamoDbReadModels(TABLES, client).advance(state)).toBe('written');
    expect(calls).toHaveLength(1);
    const items = ((calls[0]?.input.TransactItems ?? []) as Array<{ Put: Record<string, unknown> }>).map(
      (item) => item.Put,
    );
    expect(items.map((put) => put.TableName)).toEqual(['views', 'customer-orders']);
    for (const put of items) {
      expect(put).toMatchObject({
        ConditionExpression: 'attribute_not_exists(orderId) OR #version < :version',
        ExpressionAttributeValues: { ':version': { N: '2' } },
      });
    }
    expect(items[1]?.Item).toEqual({
      customerId: { S: 'c-1' },
      orderId: { S: 'o-1' },
      status: { S: 'PAID' },
      totalCents: { N: '3000' },
      currency: { S: 'EUR' },
      version: { N: '2' },
    });
  });

  it('writes the model that is behind alone when the other already holds the version', async () => {
    const { client, calls } = scriptedDynamoDb(cancelled('None', 'ConditionalCheckFailed'), {
      status: 200,
      body: {},
    });
    expect(await new DynamoDbReadModels(TABLES, client).advance(state)).toBe('written');
    const retried = (calls[1]?.input.TransactItems ?? []) as Array<{ Put: { TableName: string } }>;
    expect(retried.map((item) => item.Put.TableName)).toEqual(['views']);
  });

  it('calls it newer when both models hold the version, and leaves other cancellations to the retry', async () => {
    const both = scriptedDynamoDb(cancelled('ConditionalCheckFailed', 'ConditionalCheckFailed'));
    expect(await new DynamoDbReadModels(TABLES, both.client).advance(state)).toBe('newer');
    expect(both.calls).toHaveLength(1);
    const conflict = scriptedDynamoDb(cancelled('TransactionConflict', 'None'));
    await expect(new DynamoDbReadModels(TABLES, conflict.client).advance(state)).rejects.toThrow(/cancelled/);
  });

  it('restores each model unless it is newer, and deletes only one that has not moved past what was read', async () => {
    const { client, calls } = scriptedDynamoDb({ status: 200, body: {} }, conditionFailed, {
      status: 200,
      body: {},
    });
    const models = new DynamoDbReadModels(TABLES, client);
    expect(await models.restore(state)).toEqual({ view: 'written', customerOrder: 'newer' });
    expect(calls[0]?.input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(orderId) OR #version <= :version',
    });
    expect(await models.deleteCustomerOrder('c-1', 'o-9', 3)).toBe('deleted');
    expect(calls[2]?.input).toMatchObject({
      TableName: 'customer-orders',
      Key: { customerId: { S: 'c-1' }, orderId: { S: 'o-9' } },
      ConditionExpression: 'attribute_not_exists(#version) OR #version <= :version',
      ExpressionAttributeValues: { ':version': { N: '3' } },
    });
  });
});
