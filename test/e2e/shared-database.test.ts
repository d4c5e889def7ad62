import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { type ApiResponse, callApi, uniqueId } from './api-client.ts';

const anOrder = (customerId = 'customer-1', quantity = 2) => ({
  customerId,
  currency: 'EUR',
  lines: [{ sku: 'book', quantity, unitPriceCents: 1500 }],
});
const anInvoice = (amountCents = 3000) => ({
  invoiceNumber: 'INV-2026-0001',
  status: 'ISSUED',
  amountCents,
  dueOn: '2026-12-22',
});

function putOrder(orderId: string, body: unknown, ifMatch?: string): Promise<ApiResponse> {
  return callApi(`shared/orders/${orderId}`, {
    method: 'PUT',
    body,
    headers: ifMatch ? { 'If-Match': ifMatch } : {},
  });
}

function patchInvoice(orderId: string, body: unknown, ifMatch?: string): Promise<ApiResponse> {
  return callApi(`shared/orders/${orderId}/invoice`, {
    method: 'PATCH',
    body,
    headers: ifMatch ? { 'If-Match': ifMatch } : {},
  });
}

async function created(orderId = uniqueId('shared')): Promise<{ orderId: string; etag: string }> {
  const response = await putOrder(orderId, anOrder());
  expect(response.status, response.text).toBe(201);
  return { orderId, etag: response.headers.get('etag') ?? '' };
}

interface Entries<T> {
  readonly entries: T[];
}

/** Polls an entries list until it holds `count` entries (the change feed trails the table). */
async function entriesOf<T>(path: string, count: number): Promise<T[]> {
  return eventually(
    async () => {
      const response = await callApi(path);
      const { entries } = response.json as Entries<T>;
      return response.status === 200 && entries.length >= count ? entries : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 300, what: `${count} entries at ${path}` },
  );
}

describe('shared database: two applications, one table, no lost update', () => {
  it('creates an order (201, ETag "1") and reads it back with the same ETag', async () => {
    const { orderId, etag } = await created();
    expect(etag).toBe('"1"');
    const read = await callApi(`shared/orders/${orderId}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.json).toMatchObject({ orderId, version: 1, order: { totalCents: 3000 }, invoice: null });
    const unchanged = await callApi(`shared/orders/${orderId}`, { headers: { 'If-None-Match': etag } });
    expect(unchanged.status).toBe(304);
  });

  it('of two concurrent updates with the same If-Match, exactly one wins (200) and one gets 412', async () => {
    for (let round = 0; round < 5; round++) {
      const { orderId, etag } = await created();
      const answers = await Promise.all([
        putOrder(orderId, anOrder('customer-a'), etag),
        patchInvoice(orderId, anInvoice(), etag),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 412]);
      const winner = answers.find((answer) => answer.status === 200);
      const read = await callApi(`shared/orders/${orderId}`);
      expect(read.headers.get('etag')).toBe('"2"');
      expect(winner?.headers.get('etag')).toBe('"2"');
    }
  });

  it('lets one of many writers holding the same version win, and the others reapply on the new version', async () => {
    const { orderId, etag } = await created();
    const writers = Array.from({ length: 6 }, (_, i) =>
      putOrder(orderId, anOrder(`customer-${i}`, i + 1), etag),
    );
    const statuses = (await Promise.all(writers)).map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(5);

    // The loser's way back: read again, reapply on the version it names.
    const read = await callApi(`shared/orders/${orderId}`);
    const retried = await patchInvoice(orderId, anInvoice(), read.headers.get('etag') ?? '');
    expect(retried.status).toBe(200);
    const final = (await callApi(`shared/orders/${orderId}`)).json as { version: number; invoice: unknown };
    expect(final.version).toBe(3);
    expect(final.invoice).toMatchObject(anInvoice());
  });

  it('answers 428 without If-Match on an update, 412 for a stale or foreign ETag, 404 for no order', async () => {
    const { orderId, etag } = await created();
    const overwrite = await putOrder(orderId, anOrder('someone-else'));
    expect(overwrite.status).toBe(428);
    expect(overwrite.headers.get('content-type')).toBe('application/problem+json');
    expect((await patchInvoice(orderId, anInvoice())).status).toBe(428);
    expect((await putOrder(orderId, anOrder(), '*')).status).toBe(428);
    expect((await putOrder(orderId, anOrder(), 'W/"1"')).status).toBe(412);
    expect((await putOrder(orderId, anOrder(), '"7"')).status).toBe(412);
    expect((await patchInvoice(uniqueId('none'), anInvoice(), etag)).status).toBe(404);
    const read = (await callApi(`shared/orders/${orderId}`)).json as { version: number; order: object };
    expect(read.version).toBe(1);
    expect(read.order).toMatchObject({ customerId: 'customer-1' });
  });

  it('refuses bad bodies and ids with problem details, writing nothing', async () => {
    const orderId = uniqueId('bad');
    const answers = [
      await putOrder(orderId, { ...anOrder(), invoiceNumber: 'INV-1' }),
      await putOrder(orderId, { ...anOrder(), lines: [] }),
      await callApi(`shared/orders/${orderId}`, {
        method: 'PUT',
        rawBody: '{',
        headers: { 'content-type': 'application/json' },
      }),
      await callApi(`shared/orders/${orderId}`, {
        method: 'PUT',
        rawBody: 'x',
        headers: { 'content-type': 'text/plain' },
      }),
      await putOrder('not%20an%20id', anOrder()),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 415, 400]);
    for (const answer of answers) {
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
    }
    expect((await callApi(`shared/orders/${orderId}`)).status).toBe(404);
  });

  it('records who changed which attributes, in version order, from the change feed', async () => {
    const { orderId } = await created();
    const invoiced = await patchInvoice(orderId, anInvoice(), '"1"');
    expect(invoiced.status).toBe(200);
    const bigger = await putOrder(orderId, anOrder('customer-1', 3), invoiced.headers.get('etag') ?? '');
    expect(bigger.status).toBe(200);

    const changes = await entriesOf<{ version: number; app: string; attributes: string[]; at: string }>(
      `shared/orders/${orderId}/changes`,
      3,
    );
    expect(changes.map(({ version, app, attributes }) => ({ version, app, attributes }))).toEqual([
      { version: 1, app: 'orders', attributes: ['currency', 'customerId', 'lines', 'totalCents'] },
      {
        version: 2,
        app: 'accounting',
        attributes: ['invoiceAmountCents', 'invoiceDueOn', 'invoiceNumber', 'invoiceStatus'],
      },
      { version: 3, app: 'orders', attributes: ['lines', 'totalCents'] },
    ]);
    for (const change of changes) {
      expect(Number.isNaN(Date.parse(change.at))).toBe(false);
    }

    // Accounting's inbox got the orders application's writes, not its own: a new order, then an invoice that
    // no longer matches the order's total.
    const inbox = await entriesOf<{ version: number; reason: string; totalCents: number }>(
      `shared/accounting/inbox/${orderId}`,
      2,
    );
    expect(inbox.map(({ version, reason, totalCents }) => ({ version, reason, totalCents }))).toEqual([
      { version: 1, reason: 'NEW_ORDER', totalCents: 3000 },
      { version: 3, reason: 'INVOICE_OUTDATED', totalCents: 4500 },
    ]);
  });
});
