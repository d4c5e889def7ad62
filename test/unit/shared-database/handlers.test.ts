import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';

// The handler modules read their table names at import, which vitest hoists above everything else but this.
vi.hoisted(() => {
  for (const name of ['SHARED_ORDERS', 'ACCOUNTING_INBOX', 'ORDER_CHANGES', 'ENTRIES']) {
    process.env[`${name}_TABLE_NAME`] = name.toLowerCase();
  }
});

import type {
  InvoiceFields,
  OrderChange,
  OrderFields,
  SharedOrder,
} from '../../../lambda/domain/shared-order.ts';
import type { WriteOutcome } from '../../../lambda/shared/dynamodb-shared-orders.ts';
import { logger } from '../../../lambda/shared/logger.ts';
import {
  type InboxEntry,
  makeHandler as makeInboxConsumer,
} from '../../../lambda/shared-database/accounting-inbox.ts';
import { makeHandler as makeGetOrder } from '../../../lambda/shared-database/get-order.ts';
import { makeHandler as makeListEntries } from '../../../lambda/shared-database/list-entries.ts';
import { makeHandler as makePatchInvoice } from '../../../lambda/shared-database/patch-invoice.ts';
import { makeHandler as makePutOrder } from '../../../lambda/shared-database/put-order.ts';
import { makeHandler as makeHistoryConsumer } from '../../../lambda/shared-database/record-change.ts';
import { dynamoDbStreamEvent, restApiEvent } from '../../helpers/events.ts';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const context = { functionName: 'test', awsRequestId: 'request-1' } as Context;

/** The shared table in memory, with DynamoDB's conditional semantics: a write names versions it accepts. */
class MemoryTable {
  readonly items = new Map<string, Record<string, unknown>>();

  async find(orderId: string): Promise<SharedOrder | undefined> {
    const item = this.items.get(orderId);
    return item && ({ orderId, version: item.version, order: item, invoice: null } as unknown as SharedOrder);
  }

  async create(orderId: string, order: OrderFields): Promise<WriteOutcome> {
    if (this.items.has(orderId)) {
      return { result: 'stale' };
    }
    this.items.set(orderId, { ...order, version: 1 });
    return { result: 'written', version: 1 };
  }

  async change(orderId: string, order: OrderFields, versions: readonly number[]): Promise<WriteOutcome> {
    return this.write(orderId, { ...order }, versions);
  }

  async setInvoice(
    orderId: string,
    invoice: InvoiceFields,
    versions: readonly number[],
  ): Promise<WriteOutcome> {
    return this.write(orderId, { ...invoice }, versions);
  }

  private write(orderId: string, fields: object, versions: readonly number[]): WriteOutcome {
    const item = this.items.get(orderId);
    if (!item) {
      return { result: 'missing' };
    }
    if (!versions.includes(item.version as number)) {
      return { result: 'stale' };
    }
    const version = (item.version as number) + 1;
    this.items.set(orderId, { ...item, ...fields, version });
    return { result: 'written', version };
  }
}

const orderBody = {
  customerId: 'customer-1',
  currency: 'EUR',
  lines: [{ sku: 'book', quantity: 2, unitPriceCents: 1500 }],
};
const invoiceBody = { invoiceNumber: 'INV-1', status: 'ISSUED', amountCents: 3000, dueOn: '2026-12-22' };

function put(table: MemoryTable, headers: Record<string, string> = {}, body: unknown = orderBody) {
  return makePutOrder({ table, now: () => NOW })(
    restApiEvent({
      method: 'PUT',
      path: '/shared/orders/order-1',
      pathParameters: { orderId: 'order-1' },
      body: JSON.stringify(body),
      headers,
    }),
  );
}

function patch(table: MemoryTable, headers: Record<string, string> = {}, orderId = 'order-1') {
  return makePatchInvoice({ table, now: () => NOW })(
    restApiEvent({
      method: 'PATCH',
      path: `/shared/orders/${orderId}/invoice`,
      pathParameters: { orderId },
      body: JSON.stringify(invoiceBody),
      headers,
    }),
  );
}

const problemType = (response: { body: string }) => (JSON.parse(response.body) as { type: string }).type;

describe('PUT /shared/orders/{orderId}', () => {
  it('creates an order without If-Match: 201 with version 1 as ETag and the priced order', async () => {
    const response = await put(new MemoryTable());
    expect(response.statusCode).toBe(201);
    expect(response.headers?.ETag).toBe('"1"');
    expect(JSON.parse(response.body)).toMatchObject({
      orderId: 'order-1',
      version: 1,
      order: { totalCents: 3000 },
    });
  });

  it('never overwrites an existing order without If-Match: 428', async () => {
    const table = new MemoryTable();
    await put(table);
    const response = await put(table, {}, { ...orderBody, customerId: 'someone-else' });
    expect(response.statusCode).toBe(428);
    expect(problemType(response)).toMatch(/precondition-required$/);
    expect(table.items.get('order-1')?.customerId).toBe('customer-1');
  });

  it('changes the order under the current ETag (200, next ETag) and refuses the same ETag again (412)', async () => {
    const table = new MemoryTable();
    await put(table);
    const changed = await put(table, { 'if-match': '"1"' }, { ...orderBody, customerId: 'customer-2' });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers?.ETag).toBe('"2"');
    const stale = await put(table, { 'If-Match': '"1"' }, { ...orderBody, customerId: 'customer-3' });
    expect(stale.statusCode).toBe(412);
    expect(problemType(stale)).toMatch(/precondition-failed$/);
    expect(table.items.get('order-1')?.customerId).toBe('customer-2');
  });

  it('answers 412 to If-Match on an order that does not exist, and 428 to If-Match: *', async () => {
    expect((await put(new MemoryTable(), { 'If-Match': '"1"' })).statusCode).toBe(412);
    const table = new MemoryTable();
    await put(table);
    expect((await put(table, { 'If-Match': '*' })).statusCode).toBe(428);
  });

  it('checks the body before any write: 400 for an invalid order, 415 for another media type', async () => {
    const table = new MemoryTable();
    expect((await put(table, {}, { ...orderBody, lines: [] })).statusCode).toBe(400);
    expect((await put(table, { 'Content-Type': 'text/plain' })).statusCode).toBe(415);
    expect(table.items.size).toBe(0);
  });
});

describe('PATCH /shared/orders/{orderId}/invoice', () => {
  it('sets the invoice under the current ETag only', async () => {
    const table = new MemoryTable();
    await put(table);
    expect((await patch(table)).statusCode).toBe(428);
    expect((await patch(table, { 'If-Match': '"7"' })).statusCode).toBe(412);
    const response = await patch(table, { 'If-Match': '"1"' });
    expect(response.statusCode).toBe(200);
    expect(response.headers?.ETag).toBe('"2"');
    expect(JSON.parse(response.body)).toMatchObject({ version: 2, invoice: invoiceBody });
    expect(table.items.get('order-1')).toMatchObject({ invoiceNumber: 'INV-1', totalCents: 3000 });
  });

  it('answers 404 for an order nobody created', async () => {
    expect((await patch(new MemoryTable(), { 'If-Match': '"1"' }, 'order-9')).statusCode).toBe(404);
  });
});

describe('GET /shared/orders/{orderId}', () => {
  it('returns the order with its ETag, 304 for If-None-Match on that ETag, 404 for none', async () => {
    const table = new MemoryTable();
    await put(table);
    const get = (headers: Record<string, string> = {}, orderId = 'order-1') =>
      makeGetOrder({ table })(
        restApiEvent({
          method: 'GET',
          path: `/shared/orders/${orderId}`,
          pathParameters: { orderId },
          headers,
        }),
      );
    const response = await get();
    expect(response.statusCode).toBe(200);
    expect(response.headers?.ETag).toBe('"1"');
    expect(await get({ 'If-None-Match': '"1"' })).toMatchObject({ statusCode: 304, body: '' });
    expect((await get({ 'If-None-Match': '"0"' })).statusCode).toBe(200);
    expect((await get({}, 'order-9')).statusCode).toBe(404);
    expect((await get({}, '../etc')).statusCode).toBe(400);
  });
});

/** Entries in memory, written once per (orderId, version) like the conditional put. */
function memoryEntries<Entry extends { orderId: string; version: number }>() {
  const entries = new Map<string, Entry>();
  return {
    entries,
    async add(entry: Entry): Promise<'added' | 'duplicate'> {
      const key = `${entry.orderId}#${entry.version}`;
      if (entries.has(key)) {
        return 'duplicate';
      }
      entries.set(key, entry);
      return 'added';
    },
    async list(orderId: string): Promise<Entry[]> {
      return [...entries.values()].filter((entry) => entry.orderId === orderId);
    },
  };
}

const v1 = {
  orderId: 'order-1',
  version: 1,
  customerId: 'customer-1',
  currency: 'EUR',
  lines: [{ sku: 'book', quantity: 2, unitPriceCents: 1500, lineTotalCents: 3000 }],
  totalCents: 3000,
  createdAt: NOW.toISOString(),
  orderUpdatedAt: NOW.toISOString(),
};
const v2 = {
  ...v1,
  version: 2,
  invoiceNumber: 'INV-1',
  invoiceStatus: 'ISSUED',
  invoiceAmountCents: 3000,
  invoiceDueOn: '2026-12-22',
  invoiceUpdatedAt: '2026-11-22T11:00:00.000Z',
};
const v3 = { ...v2, version: 3, totalCents: 4500, orderUpdatedAt: '2026-11-22T12:00:00.000Z' };
const feed = dynamoDbStreamEvent([
  { keys: { orderId: 'order-1' }, newImage: v1 },
  { keys: { orderId: 'order-1' }, oldImage: v1, newImage: v2 },
  { keys: { orderId: 'order-1' }, oldImage: v2, newImage: v3 },
]);

describe('change feed consumers', () => {
  it('history: one entry per version, with who changed what; a redelivery adds nothing', async () => {
    const history = memoryEntries<OrderChange>();
    const consume = makeHistoryConsumer(history);
    expect(await consume(feed, context)).toEqual({ batchItemFailures: [] });
    await consume(feed, context);
    expect(
      [...history.entries.values()].map(({ version, app, attributes }) => ({ version, app, attributes })),
    ).toEqual([
      { version: 1, app: 'orders', attributes: ['currency', 'customerId', 'lines', 'totalCents'] },
      {
        version: 2,
        app: 'accounting',
        attributes: ['invoiceAmountCents', 'invoiceDueOn', 'invoiceNumber', 'invoiceStatus'],
      },
      { version: 3, app: 'orders', attributes: ['totalCents'] },
    ]);
  });

  it('inbox: tasks for the orders app’s writes only, the outdated invoice named', async () => {
    const inbox = memoryEntries<InboxEntry>();
    await makeInboxConsumer(inbox, () => NOW)(feed, context);
    expect([...inbox.entries.values()].map(({ version, reason }) => ({ version, reason }))).toEqual([
      { version: 1, reason: 'NEW_ORDER' },
      { version: 3, reason: 'INVOICE_OUTDATED' },
    ]);
  });

  it('reports a failed record by sequence number, and still applies the other orders’ records', async () => {
    const history = memoryEntries<OrderChange>();
    const failing = {
      ...history,
      add: async (entry: OrderChange) => {
        if (entry.orderId === 'order-1' && entry.version === 2) {
          throw new Error('throttled');
        }
        return history.add(entry);
      },
    };
    const event = dynamoDbStreamEvent([
      { keys: { orderId: 'order-1' }, newImage: v1 },
      { keys: { orderId: 'order-1' }, oldImage: v1, newImage: v2 },
      { keys: { orderId: 'order-2' }, newImage: { ...v1, orderId: 'order-2' } },
    ]);
    const response = await makeHistoryConsumer(failing)(event, context);
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: event.Records[1]?.dynamodb?.SequenceNumber },
    ]);
    expect([...history.entries.keys()]).toEqual(['order-1#1', 'order-2#1']);
  });

  it('fails, and logs by sequence number, a change written around both applications: no next version, no total', async () => {
    const warn = vi.spyOn(logger, 'warn');
    const history = memoryEntries<OrderChange>();
    const inbox = memoryEntries<InboxEntry>();
    const { version: _none, ...unversioned } = v1;
    const event = dynamoDbStreamEvent([
      { keys: { orderId: 'order-7' }, newImage: { ...unversioned, orderId: 'order-7' } },
      { keys: { orderId: 'order-8' }, newImage: { ...v1, orderId: 'order-8', version: 'two' } },
      { keys: { orderId: 'order-1' }, newImage: v1 },
      { keys: { orderId: 'order-1' }, oldImage: v1, newImage: { ...v1, customerId: 'customer-2' } },
      { keys: { orderId: 'order-9' }, newImage: { ...v1, orderId: 'order-9', totalCents: 'a lot' } },
    ]);
    const sequenceNumbers = event.Records.map((record) => String(record.dynamodb?.SequenceNumber));
    const historyResponse = await makeHistoryConsumer(history)(event, context);
    expect(
      historyResponse.batchItemFailures.sort((a, b) => a.itemIdentifier.localeCompare(b.itemIdentifier)),
    ).toEqual([0, 1, 3].map((index) => ({ itemIdentifier: sequenceNumbers[index] })));
    expect([...history.entries.keys()]).toEqual(['order-1#1', 'order-9#1']);
    const inboxResponse = await makeInboxConsumer(inbox, () => NOW)(event, context);
    // Failures are listed as records finish; Lambda resumes at the lowest sequence number either way.
    expect(
      inboxResponse.batchItemFailures.sort((a, b) => a.itemIdentifier.localeCompare(b.itemIdentifier)),
    ).toEqual([0, 1, 3, 4].map((index) => ({ itemIdentifier: sequenceNumbers[index] })));
    expect([...inbox.entries.keys()]).toEqual(['order-1#1']);
    for (const index of [0, 1, 3, 4]) {
      expect(warn).toHaveBeenCalledWith(
        'Stream record failed',
        expect.objectContaining({
          sequenceNumber: sequenceNumbers[index],
          permanent: true,
          reason: expect.stringMatching(/^ValidationError: /),
        }),
      );
    }
    warn.mockRestore();
  });

  it('lists an order’s entries without repeating its id', async () => {
    const history = memoryEntries<OrderChange>();
    await makeHistoryConsumer(history)(feed, context);
    const response = await makeListEntries(history)(
      restApiEvent({
        method: 'GET',
        path: '/shared/orders/order-1/changes',
        pathParameters: { orderId: 'order-1' },
      }),
    );
    const body = JSON.parse(response.body) as { orderId: string; entries: Array<Record<string, unknown>> };
    expect(body.orderId).toBe('order-1');
    expect(body.entries.map((entry) => entry.version)).toEqual([1, 2, 3]);
    expect(body.entries[0]).not.toHaveProperty('orderId');
  });
});
