import type { Context, SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type Delivery,
  type OrderPlacedEvent,
  type PublishedOrderRecord,
  parsePublishedOrder,
  recordPublishedOrder,
  shippingFields,
  takeFields,
  toPublishedOrder,
} from '../../../lambda/domain/order-event.ts';
import {
  makeSubscriberHandler,
  notificationMessage,
  OrderFetchError,
} from '../../../lambda/pub-sub/subscriber.ts';
import { logger } from '../../../lambda/shared/logger.ts';
import { restApiEvent, sqsRecord } from '../../helpers/events.ts';
import { purchaseOrder, shippingAddress } from '../../helpers/orders.ts';

vi.stubEnv('ORDER_EVENTS_TOPIC_ARN', 'arn:aws:sns:us-east-1:000000000000:order-events');
vi.stubEnv('PUBLISHED_ORDERS_TABLE_NAME', 'published-orders');
vi.stubEnv('DELIVERIES_TABLE_NAME', 'deliveries');
let publishOrder: typeof import('../../../lambda/pub-sub/publish-order.ts').makeHandler;
let getOrder: typeof import('../../../lambda/pub-sub/get-order.ts').makeHandler;
let listDeliveries: typeof import('../../../lambda/pub-sub/list-deliveries.ts').makeHandler;
beforeAll(async () => {
  publishOrder = (await import('../../../lambda/pub-sub/publish-order.ts')).makeHandler;
  getOrder = (await import('../../../lambda/pub-sub/get-order.ts')).makeHandler;
  listDeliveries = (await import('../../../lambda/pub-sub/list-deliveries.ts')).makeHandler;
});

const shipTo = shippingAddress;
const now = () => new Date('2026-11-22T11:00:00Z');
const context = {} as Context;

/** In-memory published orders with the table's semantics: the first save of an id wins. */
class FakeOrders {
  readonly items = new Map<string, PublishedOrderRecord>();
  async save(order: PublishedOrderRecord) {
    if (this.items.has(order.orderId)) return 'exists' as const;
    this.items.set(order.orderId, order);
    return 'created' as const;
  }
  async find(orderId: string) {
    return this.items.get(orderId);
  }
}

/** In-memory deliveries, added once per order and subscriber. */
class FakeDeliveries {
  readonly items: Delivery[] = [];
  async add(delivery: Delivery) {
    if (this.items.some((d) => d.orderId === delivery.orderId && d.subscriber === delivery.subscriber)) {
      return 'duplicate' as const;
    }
    this.items.push(delivery);
    return 'added' as const;
  }
  async list(orderId: string) {
    return this.items.filter((d) => d.orderId === orderId);
  }
}

function publisher(orders = new FakeOrders(), fail = false) {
  const published: Array<{ event: OrderPlacedEvent; attributes: Readonly<Record<string, string>> }> = [];
  const handler = publishOrder({
    orders,
    publish: async (event, attributes) => {
      if (fail) throw new Error('SNS unavailable');
      published.push({ event, attributes });
      return `message-${published.length}`;
    },
    now,
  });
  return { handler, published, orders };
}

const post = (body: unknown, query: Record<string, string> | null = null) =>
  restApiEvent({ path: '/events/orders', body: JSON.stringify(body), query });

describe('POST /events/orders', () => {
  it('records the order, publishes a fat OrderPlaced event with its attributes, and answers 202', async () => {
    const { handler, published, orders } = publisher();
    const result = await handler(post(purchaseOrder({ shipTo })));
    expect(result.statusCode).toBe(202);
    const deliveries =
      'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/events/orders/order-1001/deliveries';
    expect(JSON.parse(result.body)).toEqual({
      orderId: 'order-1001',
      eventId: 'OrderPlaced-order-1001',
      style: 'fat',
      messageId: 'message-1',
      deliveries,
    });
    expect(result.headers?.Location).toBe(deliveries);
    expect(published[0]?.event).toMatchObject({
      style: 'fat',
      order: { orderId: 'order-1001', totalCents: 10_448, shipTo },
    });
    expect(published[0]?.attributes).toEqual({
      eventType: 'OrderPlaced',
      needsShipping: 'true',
      totalBand: 'medium',
    });
    expect(orders.items.get('order-1001')?.totalCents).toBe(10_448);
  });

  it('publishes only the id with ?style=thin, with the same attributes', async () => {
    const { handler, published } = publisher();
    const result = await handler(post(purchaseOrder(), { style: 'thin' }));
    expect(result.statusCode).toBe(202);
    expect(published[0]?.event).toEqual({
      eventType: 'OrderPlaced',
      eventId: 'OrderPlaced-order-1001',
      occurredAt: '2026-11-22T11:00:00.000Z',
      orderId: 'order-1001',
      style: 'thin',
    });
    expect(published[0]?.attributes.needsShipping).toBe('false');
  });

  it('publishes the same event again for a retry, and refuses another order under the same id with 409', async () => {
    const { handler, published } = publisher();
    await handler(post(purchaseOrder()));
    expect((await handler(post(purchaseOrder()))).statusCode).toBe(202);
    expect(published.map((p) => p.event.eventId)).toEqual([
      'OrderPlaced-order-1001',
      'OrderPlaced-order-1001',
    ]);
    const conflict = await handler(post(purchaseOrder({ customerId: 'customer-7' })));
    expect(conflict.statusCode).toBe(409);
    expect(published).toHaveLength(2);
  });

  it('answers 400 for a bad style or body and publishes nothing', async () => {
    const { handler, published, orders } = publisher();
    const badStyle = await handler(post(purchaseOrder(), { style: 'skinny' }));
    expect(badStyle.statusCode).toBe(400);
    expect(badStyle.headers?.['Content-Type']).toBe('application/problem+json');
    expect((await handler(restApiEvent({ path: '/events/orders', body: '{"orderId":' }))).statusCode).toBe(
      400,
    );
    expect((await handler(post(purchaseOrder({ lines: [] })))).statusCode).toBe(400);
    // A lone surrogate escape: text no event or table can carry.
    const unpaired = await handler(post(purchaseOrder({ shipTo: { ...shipTo, name: 'Ada \ud800' } })));
    expect(unpaired.statusCode).toBe(400);
    expect(JSON.parse(unpaired.body).errors).toEqual([
      { pointer: '#/shipTo/name', detail: expect.stringContaining('well-formed Unicode') },
    ]);
    const text = restApiEvent({
      path: '/events/orders',
      body: 'x',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect((await handler(text)).statusCode).toBe(415);
    expect(published).toHaveLength(0);
    expect(orders.items.size).toBe(0);
  });

  it('answers 5xx when publishing fails, keeping the order so the client’s retry publishes it', async () => {
    const orders = new FakeOrders();
    const failed = await publisher(orders, true).handler(post(purchaseOrder()));
    expect(failed.statusCode).toBe(500);
    expect(orders.items.has('order-1001')).toBe(true);
    const retry = publisher(orders);
    expect((await retry.handler(post(purchaseOrder()))).statusCode).toBe(202);
    expect(retry.published).toHaveLength(1);
  });
});

describe('GET /events/orders/{orderId} and /deliveries', () => {
  const stored = recordPublishedOrder(parsePublishedOrder(JSON.stringify(purchaseOrder({ shipTo }))), now());
  const get = (orderId: string, suffix = '') =>
    restApiEvent({
      method: 'GET',
      path: `/events/orders/${orderId}${suffix}`,
      pathParameters: { orderId },
      body: null,
    });

  it('gives the published order without internal fields, 404 for an unknown one, 400 for a bad id', async () => {
    const orders = new FakeOrders();
    await orders.save(stored);
    const handler = getOrder(orders);
    const found = await handler(get('order-1001'));
    expect(found.statusCode).toBe(200);
    expect(JSON.parse(found.body)).toEqual(toPublishedOrder(stored));
    expect(JSON.parse(found.body)).not.toHaveProperty('fingerprint');
    expect((await handler(get('order-404'))).statusCode).toBe(404);
    expect((await handler(get('..%2Fetc'))).statusCode).toBe(400);
  });

  it('lists the deliveries of a published order, and answers 404 for an order never published', async () => {
    const orders = new FakeOrders();
    await orders.save(stored);
    const deliveries = new FakeDeliveries();
    const handler = listDeliveries(orders, deliveries);
    expect(JSON.parse((await handler(get('order-1001', '/deliveries'))).body)).toEqual({
      orderId: 'order-1001',
      deliveries: [],
    });
    await deliveries.add({
      orderId: 'order-1001',
      subscriber: 'accounting',
      eventId: 'OrderPlaced-order-1001',
      style: 'fat',
      detailsFrom: 'event',
      details: { totalCents: 10_448 },
      processedAt: now().toISOString(),
    });
    const listed = JSON.parse((await handler(get('order-1001', '/deliveries'))).body);
    expect(listed.deliveries.map((d: Delivery) => d.subscriber)).toEqual(['accounting']);
    expect((await handler(get('order-404', '/deliveries'))).statusCode).toBe(404);
  });
});

describe('subscribers', () => {
  const order = toPublishedOrder(
    recordPublishedOrder(parsePublishedOrder(JSON.stringify(purchaseOrder({ shipTo }))), now()),
  );
  const fat = JSON.stringify({
    eventType: 'OrderPlaced',
    eventId: 'OrderPlaced-order-1001',
    occurredAt: order.recordedAt,
    orderId: 'order-1001',
    style: 'fat',
    order,
  });
  const thin = JSON.stringify({ ...JSON.parse(fat), style: 'thin', order: undefined });
  /** The notification SNS wraps a message in for an SQS subscription without raw delivery. */
  const notification = (message: string) =>
    JSON.stringify({
      Type: 'Notification',
      MessageId: 'f5b1a6b2-0000-4000-8000-000000000001',
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:order-events',
      Message: message,
      Timestamp: '2026-11-22T11:00:01.000Z',
      SignatureVersion: '1',
      MessageAttributes: { needsShipping: { Type: 'String', Value: 'true' } },
    });

  function shipping(options: { raw?: boolean; fetched?: unknown; fetchError?: Error } = {}) {
    const deliveries = new FakeDeliveries();
    const fetches: string[] = [];
    const delays: number[] = [];
    const handler = makeSubscriberHandler({
      subscriber: 'shipping',
      rawMessageDelivery: options.raw ?? true,
      details: (o) => takeFields(shippingFields, o, 'shipping'),
      fetchOrder: async (orderId) => {
        fetches.push(orderId);
        if (options.fetchError) throw options.fetchError;
        return options.fetched ?? order;
      },
      deliveries,
      delayRetry: async (_handle, seconds) => void delays.push(seconds),
      maxReceiveCount: 3,
      now,
    });
    /** Runs a batch of one message: `processed`, or `failed` (reported as a batch item failure, never thrown). */
    const run = async (body: string, receiveCount = 1): Promise<'processed' | 'failed'> => {
      const record = sqsRecord(body, receiveCount);
      const response = await handler({ Records: [record] } as SQSEvent, context);
      if (response.batchItemFailures.length === 0) return 'processed';
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      return 'failed';
    };
    return { run, handler, deliveries, fetches, delays };
  }

  it('records a fat event once with the details taken from it, without calling the API', async () => {
    const { run, deliveries, fetches } = shipping();
    expect(await run(fat)).toBe('processed');
    expect(await run(fat)).toBe('processed');
    expect(deliveries.items).toEqual([
      {
        orderId: 'order-1001',
        subscriber: 'shipping',
        eventId: 'OrderPlaced-order-1001',
        style: 'fat',
        detailsFrom: 'event',
        details: { shipTo, units: 3 },
        processedAt: '2026-11-22T11:00:00.000Z',
      },
    ]);
    expect(fetches).toEqual([]);
  });

  it('fetches the order of a thin event and records the fetched details', async () => {
    const { run, deliveries, fetches } = shipping();
    await run(thin);
    expect(fetches).toEqual(['order-1001']);
    expect(deliveries.items[0]).toMatchObject({
      style: 'thin',
      detailsFrom: 'api',
      details: { shipTo, units: 3 },
    });
  });

  it('unwraps the SNS notification when the subscription does not deliver raw messages', async () => {
    const { run, deliveries } = shipping({ raw: false });
    await run(notification(fat));
    expect(deliveries.items).toHaveLength(1);
    expect(notificationMessage(notification('hello'))).toBe('hello');
    expect(await run(fat)).toBe('failed');
  });

  it('fails a message no attempt can fix (an order lacking what it needs, not an event, not JSON) and releases it at once', async () => {
    const { shipTo: _none, ...unshippable } = order;
    const poison = JSON.stringify({ ...JSON.parse(fat), order: unshippable });
    const { run, deliveries, delays } = shipping();
    expect(await run(poison, 1)).toBe('failed');
    expect(await run(poison, 2)).toBe('failed');
    expect(await run(poison, 3)).toBe('failed');
    expect(await run('not json')).toBe('failed');
    expect(await run(JSON.stringify({ eventType: 'OrderPlaced' }))).toBe('failed');
    // No backoff: SQS's redrive dead-letters it after maxReceiveCount receives in quick succession.
    expect(delays).toEqual([0, 0, 0, 0, 0]);
    expect(deliveries.items).toHaveLength(0);
  });

  it('processes the good messages of a batch and names each bad one, with why, by message id', async () => {
    const warn = vi.spyOn(logger, 'warn');
    const { handler, deliveries } = shipping();
    const records = [
      sqsRecord('not json'),
      sqsRecord(fat),
      sqsRecord(JSON.stringify({ hello: 'world' })),
      sqsRecord(JSON.stringify({ ...JSON.parse(fat), order: { ...order, shipTo: { city: 'Nowhere' } } })),
    ];
    const response = await handler({ Records: records } as SQSEvent, context);
    const bad = [records[0], records[2], records[3]].map((record) => record?.messageId);
    expect(response.batchItemFailures).toEqual(bad.map((id) => ({ itemIdentifier: id })));
    expect(deliveries.items.map((d) => d.eventId)).toEqual(['OrderPlaced-order-1001']);
    for (const messageId of bad) {
      expect(warn).toHaveBeenCalledWith(
        'Event failed',
        expect.objectContaining({
          messageId,
          receiveCount: 1,
          permanent: true,
          reason: expect.stringMatching(/^ValidationError: /),
        }),
      );
    }
    warn.mockRestore();
  });

  it('fails a thin event whose order cannot be fetched, so it is retried with backoff rather than lost', async () => {
    const { run, deliveries, delays } = shipping({
      fetchError: new OrderFetchError('GET order order-1001 answered 503'),
    });
    expect(await run(thin, 1)).toBe('failed');
    expect(await run(thin, 2)).toBe('failed');
    expect(delays).toEqual([2, 4]);
    expect(deliveries.items).toHaveLength(0);
    const partial = shipping({ fetched: { orderId: 'order-1001' } });
    expect(await partial.run(thin)).toBe('failed');
    expect(partial.deliveries.items).toHaveLength(0);
  });
});
