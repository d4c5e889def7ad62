import { describe, expect, it } from 'vitest';
import {
  cancelOrderJsonSchema,
  cancelOrderSchema,
  decide,
  evolve,
  fold,
  type OrderCommand,
  type OrderEvent,
  type OrderState,
  parseCommandBody,
  payOrderJsonSchema,
  payOrderSchema,
  placeOrderJsonSchema,
  placeOrderSchema,
  requireCustomerId,
  summarize,
  toCustomerOrder,
} from '../../../lambda/domain/cqrs-order.ts';
import {
  ConcurrentChangeError,
  InvalidTransitionError,
  ValidationError,
} from '../../../lambda/domain/errors.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 10, minute));
const order = {
  customerId: 'customer-42',
  currency: 'EUR' as const,
  lines: [
    { sku: 'book-ddia', quantity: 2, unitPriceCents: 4599 },
    { sku: 'mug-lambda', quantity: 1, unitPriceCents: 1250 },
  ],
};
const place: OrderCommand = { type: 'PlaceOrder', orderId: 'o-1', order, at: at(0) };
const pay = (extra: Partial<{ expectedVersion: number }> = {}): OrderCommand => ({
  type: 'PayOrder',
  orderId: 'o-1',
  paymentReference: 'psp:ch_123',
  at: at(5),
  ...extra,
});
const cancel = (extra: Partial<{ expectedVersion: number }> = {}): OrderCommand => ({
  type: 'CancelOrder',
  orderId: 'o-1',
  reason: 'changed my mind',
  at: at(6),
  ...extra,
});

/** Runs commands one after another against the state their events fold to, and returns the events. */
function history(...commands: OrderCommand[]): OrderEvent[] {
  const events: OrderEvent[] = [];
  for (const command of commands) {
    events.push(decide(fold(events), command));
  }
  return events;
}

describe('decide', () => {
  it('places an order as version 1, priced in exact cents per line and in all', () => {
    expect(decide(undefined, place)).toEqual({
      orderId: 'o-1',
      version: 1,
      type: 'OrderPlaced',
      occurredAt: '2026-11-22T10:00:00.000Z',
      data: {
        customerId: 'customer-42',
        currency: 'EUR',
        lines: [
          { sku: 'book-ddia', quantity: 2, unitPriceCents: 4599, lineTotalCents: 9198 },
          { sku: 'mug-lambda', quantity: 1, unitPriceCents: 1250, lineTotalCents: 1250 },
        ],
        totalCents: 10_448,
      },
    });
  });

  it('pays or cancels a placed order as the next version', () => {
    const placed = fold(history(place));
    expect(decide(placed, pay())).toEqual({
      orderId: 'o-1',
      version: 2,
      type: 'OrderPaid',
      occurredAt: '2026-11-22T10:05:00.000Z',
      data: { paymentReference: 'psp:ch_123' },
    });
    expect(decide(placed, cancel())).toMatchObject({
      version: 2,
      type: 'OrderCancelled',
      data: { reason: 'changed my mind' },
    });
  });

  it.each([
    ['paying a paid order', [pay()], pay(), /is PAID and cannot be paid/],
    ['cancelling a paid order', [pay()], cancel(), /is PAID and cannot be cancelled/],
    ['paying a cancelled order', [cancel()], pay(), /is CANCELLED and cannot be paid/],
    ['cancelling a cancelled order', [cancel()], cancel(), /is CANCELLED and cannot be cancelled/],
  ])('refuses %s as an invalid transition', (_, before, command, message) => {
    const state = fold(history(place, ...before));
    expect(() => decide(state, command)).toThrow(InvalidTransitionError);
    expect(() => decide(state, command)).toThrow(message);
  });

  it('refuses to place an order twice', () => {
    expect(() => decide(fold(history(place)), place)).toThrow(InvalidTransitionError);
  });

  it('refuses a command that names a version other than the current one, before judging the transition', () => {
    const placed = fold(history(place));
    expect(decide(placed, pay({ expectedVersion: 1 })).version).toBe(2);
    expect(() => decide(placed, pay({ expectedVersion: 2 }))).toThrow(ConcurrentChangeError);
    const paid = fold(history(place, pay()));
    // Stale and invalid at once: the client's premise is out of date, which is what it must learn first.
    expect(() => decide(paid, cancel({ expectedVersion: 1 }))).toThrow(ConcurrentChangeError);
    expect(() => decide(paid, cancel({ expectedVersion: 2 }))).toThrow(InvalidTransitionError);
  });
});

describe('evolve and fold', () => {
  it('folds nothing to no order', () => {
    expect(fold([])).toBeUndefined();
  });

  it('folds an order’s events into its state: status, version, total, times', () => {
    expect(fold(history(place, pay()))).toEqual({
      orderId: 'o-1',
      customerId: 'customer-42',
      status: 'PAID',
      version: 2,
      totalCents: 10_448,
      currency: 'EUR',
      placedAt: '2026-11-22T10:00:00.000Z',
      updatedAt: '2026-11-22T10:05:00.000Z',
    });
    expect(fold(history(place, cancel()))).toMatchObject({ status: 'CANCELLED', version: 2 });
  });

  it('refuses an event that does not follow the state: a gap, a repeat, another order, payment first', () => {
    const [placed, paid] = history(place, pay()) as [OrderEvent, OrderEvent];
    const state = fold([placed]);
    expect(() => evolve(state, { ...paid, version: 3 })).toThrow(/does not follow o-1 v1/);
    expect(() => evolve(state, placed)).toThrow(/does not follow/);
    expect(() => evolve(state, { ...paid, orderId: 'o-2' })).toThrow(/does not follow/);
    expect(() => evolve(undefined, { ...paid, version: 1 })).toThrow(/before OrderPlaced/);
    expect(() => fold([paid, placed])).toThrow();
  });
});

describe('read models', () => {
  it('makes one customer row per order, and sums paid totals per currency, counting placed orders as open', () => {
    const row = (
      orderId: string,
      status: 'PLACED' | 'PAID' | 'CANCELLED',
      totalCents: number,
      currency: string,
    ) => ({
      customerId: 'c-1',
      orderId,
      status,
      totalCents,
      currency,
      version: status === 'PLACED' ? 1 : 2,
    });
    const summary = summarize('c-1', [
      row('o-3', 'PAID', 1_000, 'USD'),
      row('o-1', 'PAID', 10_448, 'EUR'),
      row('o-2', 'PLACED', 500, 'EUR'),
      row('o-4', 'CANCELLED', 9_999, 'EUR'),
      row('o-5', 'PAID', 52, 'EUR'),
    ]);
    expect(summary).toMatchObject({
      customerId: 'c-1',
      openOrders: 1,
      paidTotals: { EUR: 10_500, USD: 1_000 },
    });
    expect(summary.orders.map((o) => o.orderId)).toEqual(['o-1', 'o-2', 'o-3', 'o-4', 'o-5']);
    expect(summary.orders[0]).toEqual({
      orderId: 'o-1',
      status: 'PAID',
      totalCents: 10_448,
      currency: 'EUR',
      version: 2,
    });
    expect(summarize('c-9', [])).toEqual({ customerId: 'c-9', openOrders: 0, paidTotals: {}, orders: [] });
  });

  it('keys the customer row by customer and order, with the state’s version', () => {
    expect(toCustomerOrder(fold(history(place)) as OrderState)).toEqual({
      customerId: 'customer-42',
      orderId: 'o-1',
      status: 'PLACED',
      totalCents: 10_448,
      currency: 'EUR',
      version: 1,
    });
  });
});

describe('command bodies', () => {
  it('accepts an order without an id (the server names it) and refuses unknown fields with a pointer to each', () => {
    expect(parseCommandBody(placeOrderSchema, JSON.stringify(order), 'an order')).toEqual(order);
    const error = (() => {
      try {
        parseCommandBody(
          placeOrderSchema,
          JSON.stringify({ ...order, orderId: 'mine', lines: [{ ...order.lines[0], quantity: 0 }] }),
          'an order',
        );
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error?.errors.map((e) => e.pointer).sort()).toEqual(['#/lines/0/quantity', '#/orderId']);
  });

  it('needs a payment reference or a reason, and an expected version of at least 1', () => {
    expect(payOrderSchema.safeParse({ paymentReference: 'psp:ch_1', expectedVersion: 1 }).success).toBe(true);
    expect(payOrderSchema.safeParse({}).success).toBe(false);
    expect(payOrderSchema.safeParse({ paymentReference: 'a b' }).success).toBe(false);
    expect(payOrderSchema.safeParse({ paymentReference: 'x', expectedVersion: 0 }).success).toBe(false);
    expect(payOrderSchema.safeParse({ paymentReference: 'x', expectedVersion: 1.5 }).success).toBe(false);
    expect(cancelOrderSchema.safeParse({ reason: '' }).success).toBe(false);
    expect(cancelOrderSchema.safeParse({ reason: 'x'.repeat(501) }).success).toBe(false);
    expect(() => parseCommandBody(cancelOrderSchema, 'not json', 'a cancellation')).toThrow(ValidationError);
  });

  it('gives API Gateway the same rules as draft-4 JSON Schemas', () => {
    expect(placeOrderJsonSchema).toMatchObject({
      $schema: 'http://json-schema.org/draft-04/schema#',
      required: ['customerId', 'currency', 'lines'],
      additionalProperties: false,
    });
    expect(payOrderJsonSchema).toMatchObject({ required: ['paymentReference'], additionalProperties: false });
    expect(cancelOrderJsonSchema).toMatchObject({
      required: ['reason'],
      properties: { reason: { maxLength: 500 }, expectedVersion: { type: 'integer', minimum: 1 } },
    });
  });

  it('takes customer ids of the order schema’s shape only', () => {
    expect(requireCustomerId('customer-42')).toBe('customer-42');
    expect(() => requireCustomerId('a/b')).toThrow(ValidationError);
    expect(() => requireCustomerId(undefined)).toThrow(ValidationError);
  });
});
