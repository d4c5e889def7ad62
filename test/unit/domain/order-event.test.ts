import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambda/domain/errors.ts';
import {
  accountingFields,
  analyticsFields,
  eventAttributes,
  orderPlacedEvent,
  parseDeliveredEvent,
  parseEventStyle,
  parsePublishedOrder,
  publishedOrderJsonSchema,
  recordPublishedOrder,
  shippingFields,
  takeFields,
  toPublishedOrder,
  totalBand,
} from '../../../lambda/domain/order-event.ts';
import { purchaseOrder, shippingAddress } from '../../helpers/orders.ts';

const shipTo = shippingAddress;
const recordedAt = new Date('2026-11-22T11:00:00Z');

function errorOf(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('orders to publish', () => {
  it('accepts a purchase order with or without a shipping address, and nothing else', () => {
    expect(parsePublishedOrder(JSON.stringify(purchaseOrder({ shipTo }))).shipTo).toEqual(shipTo);
    expect(parsePublishedOrder(JSON.stringify(purchaseOrder())).shipTo).toBeUndefined();
    const unknown = errorOf(() => parsePublishedOrder(JSON.stringify(purchaseOrder({ coupon: 'X' }))));
    expect(unknown.errors.map((e) => e.pointer)).toEqual(['#/coupon']);
    const attachment = { filename: 'a.txt', contentType: 'text/plain', base64: 'YQ==' };
    expect(() => parsePublishedOrder(JSON.stringify(purchaseOrder({ attachment })))).toThrow(ValidationError);
    const badAddress = errorOf(() =>
      parsePublishedOrder(JSON.stringify(purchaseOrder({ shipTo: { ...shipTo, country: 'England' } }))),
    );
    expect(badAddress.errors.map((e) => e.pointer)).toEqual(['#/shipTo/country']);
  });

  it('gives API Gateway the same rules as a draft-4 JSON Schema', () => {
    expect(publishedOrderJsonSchema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: expect.arrayContaining(['orderId', 'lines']),
    });
    expect(Object.keys((publishedOrderJsonSchema as { properties: object }).properties)).toContain('shipTo');
    expect(Object.keys((publishedOrderJsonSchema as { properties: object }).properties)).not.toContain(
      'attachment',
    );
  });

  it('prices the order exactly and tells a retry from another order by its fingerprint', () => {
    const record = recordPublishedOrder(parsePublishedOrder(JSON.stringify(purchaseOrder())), recordedAt);
    expect(record.totalCents).toBe(2 * 4599 + 1250);
    expect(record.lines[0]?.lineTotalCents).toBe(9198);
    const again = recordPublishedOrder(parsePublishedOrder(JSON.stringify(purchaseOrder())), new Date());
    expect(again.fingerprint).toBe(record.fingerprint);
    const other = recordPublishedOrder(
      parsePublishedOrder(JSON.stringify(purchaseOrder({ customerId: 'customer-7' }))),
      recordedAt,
    );
    expect(other.fingerprint).not.toBe(record.fingerprint);
    expect(toPublishedOrder(record)).not.toHaveProperty('fingerprint');
  });
});

describe('event styles and attributes', () => {
  it('reads fat by default, fat or thin when asked, and refuses anything else', () => {
    expect(parseEventStyle(undefined)).toBe('fat');
    expect(parseEventStyle('thin')).toBe('thin');
    expect(errorOf(() => parseEventStyle('skinny')).errors).toEqual([
      { pointer: '#/style', detail: 'The style query parameter is fat or thin.' },
    ]);
  });

  it('bands totals at 100.00 and 1,000.00', () => {
    expect([0, 9_999, 10_000, 99_999, 100_000].map(totalBand)).toEqual([
      'small',
      'small',
      'medium',
      'medium',
      'large',
    ]);
  });

  it('carries the order in a fat event and only its id in a thin one, under one event id per order', () => {
    const order = toPublishedOrder(
      recordPublishedOrder(parsePublishedOrder(JSON.stringify(purchaseOrder())), recordedAt),
    );
    const fat = orderPlacedEvent(order, 'fat');
    const thin = orderPlacedEvent(order, 'thin');
    expect(fat).toEqual({
      eventType: 'OrderPlaced',
      eventId: 'OrderPlaced-order-1001',
      occurredAt: '2026-11-22T11:00:00.000Z',
      orderId: 'order-1001',
      style: 'fat',
      order,
    });
    expect(thin).toEqual({ ...fat, style: 'thin', order: undefined });
    expect(thin).not.toHaveProperty('order');
  });

  it('sends the facts subscriptions filter on as attributes, whatever the style', () => {
    const plain = toPublishedOrder(
      recordPublishedOrder(parsePublishedOrder(JSON.stringify(purchaseOrder())), recordedAt),
    );
    expect(eventAttributes(plain)).toEqual({
      eventType: 'OrderPlaced',
      needsShipping: 'false',
      totalBand: 'medium',
    });
    const shipped = { ...plain, shipTo };
    expect(eventAttributes(shipped).needsShipping).toBe('true');
  });
});

describe('delivered events', () => {
  const order = toPublishedOrder(
    recordPublishedOrder(parsePublishedOrder(JSON.stringify(purchaseOrder({ shipTo }))), recordedAt),
  );

  it('reads fat and thin OrderPlaced events, tolerating fields it does not know', () => {
    const fat = parseDeliveredEvent(JSON.stringify({ ...orderPlacedEvent(order, 'fat'), traceId: 't-1' }));
    expect(fat.order).toEqual(order);
    expect(parseDeliveredEvent(JSON.stringify(orderPlacedEvent(order, 'thin'))).style).toBe('thin');
  });

  it('refuses what is not an OrderPlaced event, and a fat event without its order', () => {
    expect(() => parseDeliveredEvent('not json')).toThrow(ValidationError);
    expect(() =>
      parseDeliveredEvent(JSON.stringify({ ...orderPlacedEvent(order, 'thin'), eventType: 'OrderShipped' })),
    ).toThrow(ValidationError);
    const { order: _dropped, ...fatWithoutOrder } = orderPlacedEvent(order, 'fat') as { order: unknown };
    expect(errorOf(() => parseDeliveredEvent(JSON.stringify(fatWithoutOrder))).errors[0]?.pointer).toBe(
      '#/order',
    );
  });

  it('gives each subscriber the fields it needs, and names what is missing', () => {
    expect(takeFields(accountingFields, order, 'accounting')).toEqual({
      customerId: 'customer-42',
      currency: 'EUR',
      totalCents: 10_448,
    });
    expect(takeFields(shippingFields, order, 'shipping')).toEqual({ shipTo, units: 3 });
    expect(takeFields(analyticsFields, order, 'analytics')).toEqual({
      totalBand: 'medium',
      currency: 'EUR',
      lineCount: 2,
    });
    const { shipTo: _none, ...unshippable } = order;
    const missing = errorOf(() => takeFields(shippingFields, unshippable, 'shipping'));
    expect(missing.message).toBe('The order lacks what shipping needs.');
    expect(missing.errors.map((e) => e.pointer)).toEqual(['#/order/shipTo']);
  });
});
