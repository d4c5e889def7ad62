import { describe, expect, it } from 'vitest';
import { PreconditionRequiredError, ValidationError } from '../../../lambda/domain/errors.ts';
import {
  ACCOUNTING_APP_ATTRIBUTES,
  changeBetween,
  entityTag,
  ifNoneMatchHits,
  inboxReason,
  ORDERS_APP_ATTRIBUTES,
  parseInvoiceFields,
  parseOrderFields,
  versionsFromIfMatch,
} from '../../../lambda/domain/shared-order.ts';

const order = {
  orderId: 'order-1',
  version: 1,
  customerId: 'customer-1',
  currency: 'EUR',
  lines: [{ sku: 'book', quantity: 2, unitPriceCents: 1500, lineTotalCents: 3000 }],
  totalCents: 3000,
  createdAt: '2026-11-22T10:00:00.000Z',
  orderUpdatedAt: '2026-11-22T10:00:00.000Z',
};
const invoiced = {
  ...order,
  version: 2,
  invoiceNumber: 'INV-1',
  invoiceStatus: 'ISSUED',
  invoiceAmountCents: 3000,
  invoiceDueOn: '2026-12-22',
  invoiceUpdatedAt: '2026-11-22T11:00:00.000Z',
};

describe('attribute ownership', () => {
  it('gives every attribute one owner', () => {
    const owned = [...ORDERS_APP_ATTRIBUTES, ...ACCOUNTING_APP_ATTRIBUTES];
    expect(new Set(owned).size).toBe(owned.length);
  });
});

describe('If-Match', () => {
  it('requires the header, and refuses * (it would match any version)', () => {
    expect(() => versionsFromIfMatch(undefined)).toThrow(PreconditionRequiredError);
    expect(() => versionsFromIfMatch('  ')).toThrow(PreconditionRequiredError);
    expect(() => versionsFromIfMatch('*')).toThrow(PreconditionRequiredError);
  });

  it('reads the versions of a list of strong entity tags', () => {
    expect(versionsFromIfMatch(entityTag(7))).toEqual([7]);
    expect(versionsFromIfMatch('"3", "4" ,"3"')).toEqual([3, 4]);
  });

  it('matches nothing with weak or foreign tags, so the update gets 412 rather than going through', () => {
    expect(versionsFromIfMatch('W/"7"')).toEqual([]);
    expect(versionsFromIfMatch('"abc", "0", "07", 7')).toEqual([]);
    expect(versionsFromIfMatch('"1234567890123456"')).toEqual([]);
  });

  it('If-None-Match compares weakly and knows *', () => {
    expect(ifNoneMatchHits('W/"3"', 3)).toBe(true);
    expect(ifNoneMatchHits('"2", "3"', 3)).toBe(true);
    expect(ifNoneMatchHits('*', 3)).toBe(true);
    expect(ifNoneMatchHits('"2"', 3)).toBe(false);
    expect(ifNoneMatchHits(undefined, 3)).toBe(false);
  });
});

describe('bodies', () => {
  it('prices the order fields and refuses unknown fields, such as an invoice field', () => {
    const fields = parseOrderFields(
      JSON.stringify({
        customerId: 'c-1',
        currency: 'EUR',
        lines: [{ sku: 'a', quantity: 3, unitPriceCents: 250 }],
      }),
    );
    expect(fields.totalCents).toBe(750);
    expect(fields.lines[0]?.lineTotalCents).toBe(750);
    expect(() =>
      parseOrderFields(
        JSON.stringify({ customerId: 'c-1', currency: 'EUR', lines: [], invoiceNumber: 'INV-1' }),
      ),
    ).toThrow(ValidationError);
  });

  it('maps the invoice body to the accounting attributes', () => {
    expect(
      parseInvoiceFields(
        JSON.stringify({ invoiceNumber: 'INV-9', status: 'PAID', amountCents: 100, dueOn: '2026-12-01' }),
      ),
    ).toEqual({
      invoiceNumber: 'INV-9',
      invoiceStatus: 'PAID',
      invoiceAmountCents: 100,
      invoiceDueOn: '2026-12-01',
    });
    for (const bad of [
      { invoiceNumber: 'INV 9', status: 'PAID', amountCents: 1, dueOn: '2026-12-01' },
      { invoiceNumber: 'INV-9', status: 'LOST', amountCents: 1, dueOn: '2026-12-01' },
      { invoiceNumber: 'INV-9', status: 'PAID', amountCents: -1, dueOn: '2026-12-01' },
      { invoiceNumber: 'INV-9', status: 'PAID', amountCents: 1, dueOn: '2026-02-30' },
      { invoiceNumber: 'INV-9', status: 'PAID', amountCents: 1, dueOn: '2026-12-01', totalCents: 5 },
    ]) {
      expect(() => parseInvoiceFields(JSON.stringify(bad)), JSON.stringify(bad)).toThrow(ValidationError);
    }
  });
});

describe('changeBetween', () => {
  it('attributes a new order to the orders application', () => {
    expect(changeBetween(undefined, order, '2026-11-22T10:00:01.000Z')).toEqual({
      orderId: 'order-1',
      version: 1,
      app: 'orders',
      change: 'INSERT',
      attributes: ['currency', 'customerId', 'lines', 'totalCents'],
      at: order.orderUpdatedAt,
    });
  });

  it('attributes an invoice to accounting, naming only what changed', () => {
    const change = changeBetween(order, invoiced, 'x');
    expect(change).toMatchObject({
      version: 2,
      app: 'accounting',
      change: 'MODIFY',
      at: invoiced.invoiceUpdatedAt,
    });
    expect(change.attributes).toEqual([
      'invoiceAmountCents',
      'invoiceDueOn',
      'invoiceNumber',
      'invoiceStatus',
    ]);
  });

  it('knows the writer of a write that changed no value by its timestamp', () => {
    const again = { ...invoiced, version: 3, orderUpdatedAt: '2026-11-22T12:00:00.000Z' };
    expect(changeBetween(invoiced, again, 'x')).toMatchObject({ app: 'orders', attributes: [], version: 3 });
  });

  it('compares nested values, not references', () => {
    const moreBooks = {
      ...invoiced,
      version: 3,
      orderUpdatedAt: '2026-11-22T12:00:00.000Z',
      lines: [{ sku: 'book', quantity: 3, unitPriceCents: 1500, lineTotalCents: 4500 }],
      totalCents: 4500,
    };
    expect(changeBetween(invoiced, moreBooks, 'x').attributes).toEqual(['lines', 'totalCents']);
  });

  it('records a removal at the next version, by nobody known', () => {
    expect(changeBetween(invoiced, undefined, '2026-11-23T00:00:00.000Z')).toMatchObject({
      orderId: 'order-1',
      version: 3,
      app: 'unknown',
      change: 'REMOVE',
      at: '2026-11-23T00:00:00.000Z',
    });
  });

  it('refuses a change that does not move the order to a next version: it was written around both applications', () => {
    const { version: _none, ...unversioned } = order;
    for (const [before, after] of [
      [undefined, unversioned],
      [undefined, { ...order, version: '1' }],
      [undefined, { ...order, version: 0 }],
      [order, { ...order, customerId: 'customer-2' }],
      [order, { ...order, version: 1.5 }],
      [unversioned, undefined],
    ] as const) {
      expect(() => changeBetween(before, after, 'x')).toThrow(
        expect.objectContaining({
          name: 'ValidationError',
          errors: [expect.objectContaining({ pointer: '#/version' })],
        }),
      );
    }
  });
});

describe('inboxReason', () => {
  const change = (before: Record<string, unknown> | undefined, after: Record<string, unknown>) =>
    inboxReason(changeBetween(before, after, 'x'), after);

  it('asks accounting to invoice a new order and to look at a changed one', () => {
    expect(change(undefined, order)).toBe('NEW_ORDER');
    expect(change(order, { ...order, version: 2, customerId: 'customer-2', orderUpdatedAt: 'later' })).toBe(
      'ORDER_CHANGED',
    );
  });

  it('flags an invoice whose amount no longer matches the order', () => {
    const bigger = { ...invoiced, version: 3, totalCents: 4500, orderUpdatedAt: 'later' };
    expect(change(invoiced, bigger)).toBe('INVOICE_OUTDATED');
    const voided = { ...invoiced, invoiceStatus: 'VOID' };
    expect(change(voided, { ...bigger, invoiceStatus: 'VOID' })).toBe('ORDER_CHANGED');
  });

  it('ignores accounting’s own writes and writes that changed nothing', () => {
    expect(change(order, invoiced)).toBeUndefined();
    expect(change(invoiced, { ...invoiced, version: 3, orderUpdatedAt: 'later' })).toBeUndefined();
  });
});
