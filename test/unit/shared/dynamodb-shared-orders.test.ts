import { describe, expect, it } from 'vitest';
import {
  ACCOUNTING_APP_ATTRIBUTES,
  ORDERS_APP_ATTRIBUTES,
  SHARED_ATTRIBUTES,
} from '../../../lambda/domain/shared-order.ts';
import { AccountingAppTable, OrdersAppTable } from '../../../lambda/shared/dynamodb-shared-orders.ts';
import { scriptedDynamoDb, type WireAnswer, type WireCall } from '../../helpers/scripted-dynamodb.ts';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const order = {
  customerId: 'customer-1',
  currency: 'EUR',
  lines: [{ sku: 'book', quantity: 2, unitPriceCents: 1500, lineTotalCents: 3000 }],
  totalCents: 3000,
};
const invoice = {
  invoiceNumber: 'INV-1',
  invoiceStatus: 'ISSUED' as const,
  invoiceAmountCents: 3000,
  invoiceDueOn: '2026-12-22',
};
const updated: WireAnswer = { status: 200, body: { Attributes: { version: { N: '2' } } } };
const conditionFailed: WireAnswer = {
  status: 400,
  body: {
    __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
    message: 'The conditional request failed',
  },
};

/**
 * The top-level attribute names a request touches, which is what IAM's `dynamodb:Attributes` condition sees:
 * the key's and every name in the expressions.
 */
function attributesNamed(call: WireCall | undefined): string[] {
  const input = call?.input ?? {};
  return [
    ...Object.keys((input.Key ?? {}) as object),
    ...Object.values((input.ExpressionAttributeNames ?? {}) as Record<string, string>),
  ];
}

describe('OrdersAppTable', () => {
  it('creates with an UpdateItem at version 1, only if the order does not exist', async () => {
    const { client, calls } = scriptedDynamoDb({
      status: 200,
      body: { Attributes: { version: { N: '1' } } },
    });
    expect(await new OrdersAppTable('shared', client).create('order-1', order, NOW)).toEqual({
      result: 'written',
      version: 1,
    });
    expect(calls[0]?.operation).toBe('UpdateItem');
    expect(calls[0]?.input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#orderId)',
      ReturnValues: 'UPDATED_NEW',
    });
    expect(calls[0]?.input.UpdateExpression).toContain('#version = if_not_exists(#version, :zero) + :one');
  });

  it('changes under a version list, and tells a stale version from a missing order by reading', async () => {
    const { client, calls } = scriptedDynamoDb(conditionFailed, {
      status: 200,
      body: { Item: { orderId: { S: 'order-1' }, version: { N: '3' } } },
    });
    const table = new OrdersAppTable('shared', client);
    expect(await table.change('order-1', order, [2], NOW)).toEqual({ result: 'stale' });
    expect(calls[0]?.input).toMatchObject({
      ConditionExpression: '#version IN (:v0)',
      ExpressionAttributeValues: { ':v0': { N: '2' } },
    });
    expect(calls[1]).toMatchObject({ operation: 'GetItem', input: { ConsistentRead: true } });

    const missing = scriptedDynamoDb(conditionFailed, { status: 200, body: {} });
    expect(await new OrdersAppTable('shared', missing.client).change('order-1', order, [2], NOW)).toEqual({
      result: 'missing',
    });
  });

  it('sends a condition that cannot hold when If-Match named no usable version', async () => {
    const { client, calls } = scriptedDynamoDb(conditionFailed, {
      status: 200,
      body: { Item: { orderId: { S: 'order-1' } } },
    });
    expect(await new OrdersAppTable('shared', client).change('order-1', order, [], NOW)).toEqual({
      result: 'stale',
    });
    expect(calls[0]?.input.ConditionExpression).toBe(
      'attribute_not_exists(#orderId) AND attribute_exists(#orderId)',
    );
  });
});

describe('AccountingAppTable', () => {
  it('sets the invoice of an existing order at a version it read', async () => {
    const { client, calls } = scriptedDynamoDb(updated);
    expect(await new AccountingAppTable('shared', client).setInvoice('order-1', invoice, [1], NOW)).toEqual({
      result: 'written',
      version: 2,
    });
    expect(calls[0]?.input.ConditionExpression).toBe('attribute_exists(#orderId) AND #version IN (:v0)');
  });
});

describe('what each application’s requests touch (what IAM checks on AWS)', () => {
  it('the orders application names only the key, the version and order attributes', async () => {
    const { client, calls } = scriptedDynamoDb(updated, updated);
    const table = new OrdersAppTable('shared', client);
    await table.create('order-1', order, NOW);
    await table.change('order-1', order, [1], NOW);
    const allowed = new Set<string>([...SHARED_ATTRIBUTES, ...ORDERS_APP_ATTRIBUTES]);
    for (const call of calls) {
      expect(attributesNamed(call).filter((name) => !allowed.has(name))).toEqual([]);
    }
  });

  it('the accounting application names only the key, the version and invoice attributes', async () => {
    const { client, calls } = scriptedDynamoDb(updated, updated);
    const table = new AccountingAppTable('shared', client);
    await table.setInvoice('order-1', invoice, [1], NOW);
    await table.setInvoice('order-1', invoice, [], NOW);
    const allowed = new Set<string>([...SHARED_ATTRIBUTES, ...ACCOUNTING_APP_ATTRIBUTES]);
    for (const call of calls) {
      expect(attributesNamed(call).filter((name) => !allowed.has(name))).toEqual([]);
      expect(['NONE', 'UPDATED_OLD', 'UPDATED_NEW']).toContain(call.input.ReturnValues);
    }
  });
});
