import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { RecordedOrder } from '../../../lambda/domain/order.ts';
import type { OrderStore } from '../../../lambda/domain/order-store.ts';
import { restApiEvent } from '../../helpers/events.ts';

// The handler modules build their real DynamoDB store at import: they need their configuration.
vi.stubEnv('ORDERS_TABLE_NAME', 'orders-under-test');
let recordOrderHandler: typeof import('../../../lambda/api-payload/record-order.ts').makeHandler;
let getOrderHandler: typeof import('../../../lambda/api-payload/get-order.ts').makeHandler;
beforeAll(async () => {
  recordOrderHandler = (await import('../../../lambda/api-payload/record-order.ts')).makeHandler;
  getOrderHandler = (await import('../../../lambda/api-payload/get-order.ts')).makeHandler;
});

/** An in-memory store with DynamoDB's conditional-put semantics. */
class FakeOrderStore implements OrderStore {
  readonly orders = new Map<string, { order: RecordedOrder; attachment?: Buffer }>();
  async save(order: RecordedOrder, attachment?: Buffer): Promise<'created' | 'exists'> {
    if (this.orders.has(order.orderId)) {
      return 'exists';
    }
    this.orders.set(order.orderId, { order, attachment });
    return 'created';
  }
  async find(orderId: string): Promise<RecordedOrder | undefined> {
    return this.orders.get(orderId)?.order;
  }
}

const order = {
  orderId: 'order-7',
  customerId: 'customer-1',
  currency: 'EUR',
  placedAt: '2026-11-22T10:15:00Z',
  lines: [{ sku: 'book', quantity: 2, unitPriceCents: 1500 }],
};
const now = () => new Date('2026-11-22T11:00:00Z');

function problemOf(result: { headers?: Record<string, unknown>; body: string }): Record<string, unknown> {
  expect(result.headers?.['Content-Type']).toBe('application/problem+json');
  return JSON.parse(result.body);
}

describe('POST /sync/orders handler', () => {
  it('answers 201 with the priced order and an absolute Location on the API host', async () => {
    const store = new FakeOrderStore();
    const result = await recordOrderHandler({ store, now })(restApiEvent({ body: JSON.stringify(order) }));
    expect(result.statusCode).toBe(201);
    expect(result.headers?.Location).toBe(
      'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/sync/orders/order-7',
    );
    expect(JSON.parse(result.body)).toEqual({
      ...order,
      lines: [{ sku: 'book', quantity: 2, unitPriceCents: 1500, lineTotalCents: 3000 }],
      totalCents: 3000,
      recordedAt: '2026-11-22T11:00:00.000Z',
    });
    expect(store.orders.get('order-7')?.order.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers 200 with the first record when the same order comes again', async () => {
    const store = new FakeOrderStore();
    const first = await recordOrderHandler({ store, now })(restApiEvent({ body: JSON.stringify(order) }));
    const later = () => new Date('2026-11-22T12:00:00Z');
    const again = await recordOrderHandler({ store, now: later })(
      restApiEvent({ body: JSON.stringify(order) }),
    );
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
  });

  it('answers 409 when the same orderId comes with another body', async () => {
    const store = new FakeOrderStore();
    await recordOrderHandler({ store, now })(restApiEvent({ body: JSON.stringify(order) }));
    const result = await recordOrderHandler({ store, now })(
      restApiEvent({ body: JSON.stringify({ ...order, currency: 'USD' }) }),
    );
    expect(result.statusCode).toBe(409);
    expect(problemOf(result)).toMatchObject({
      type: 'urn:problem:serverless-data-sharing:order-id-conflict',
      status: 409,
    });
    expect(store.orders.get('order-7')?.order.currency).toBe('EUR');
  });

  it('answers 400 naming the fields and stores nothing', async () => {
    const store = new FakeOrderStore();
    const result = await recordOrderHandler({ store, now })(
      restApiEvent({
        body: JSON.stringify({ ...order, lines: [{ sku: 'book', quantity: 0, unitPriceCents: 1 }] }),
      }),
    );
    expect(result.statusCode).toBe(400);
    expect(problemOf(result).errors).toEqual([{ pointer: '#/lines/0/quantity', detail: expect.any(String) }]);
    expect(store.orders.size).toBe(0);
  });

  it('answers 413 for an attachment over 1 MiB and stores nothing', async () => {
    const store = new FakeOrderStore();
    const attachment = {
      filename: 'big.pdf',
      contentType: 'application/pdf',
      base64: Buffer.alloc(1_048_577).toString('base64'),
    };
    const result = await recordOrderHandler({ store, now })(
      restApiEvent({ body: JSON.stringify({ ...order, attachment }) }),
    );
    expect(result.statusCode).toBe(413);
    expect(problemOf(result).type).toBe('urn:problem:serverless-data-sharing:attachment-too-large');
    expect(store.orders.size).toBe(0);
  });

  it('answers 415 for a body that is not JSON by its content type', async () => {
    const result = await recordOrderHandler({ store: new FakeOrderStore(), now })(
      restApiEvent({ body: 'orderId=1', headers: { 'Content-Type': 'text/plain' } }),
    );
    expect(result.statusCode).toBe(415);
  });

  it('reads a base64-encoded body', async () => {
    const result = await recordOrderHandler({ store: new FakeOrderStore(), now })(
      restApiEvent({ body: Buffer.from(JSON.stringify(order)).toString('base64'), isBase64Encoded: true }),
    );
    expect(result.statusCode).toBe(201);
  });

  it('answers 500 without internals when the store fails', async () => {
    const store = new FakeOrderStore();
    store.save = async () => {
      throw new Error('ProvisionedThroughputExceededException at arn:aws:dynamodb:secret-table');
    };
    const result = await recordOrderHandler({ store, now })(restApiEvent({ body: JSON.stringify(order) }));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/dynamodb|secret|Exception/);
    expect(problemOf(result).type).toBe('urn:problem:serverless-data-sharing:internal-error');
  });
});

describe('GET /sync/orders/{orderId} handler', () => {
  it('answers 200 with the recorded order', async () => {
    const store = new FakeOrderStore();
    const created = await recordOrderHandler({ store, now })(restApiEvent({ body: JSON.stringify(order) }));
    const result = await getOrderHandler({ store })(
      restApiEvent({
        method: 'GET',
        resource: '/sync/orders/{orderId}',
        path: '/sync/orders/order-7',
        pathParameters: { orderId: 'order-7' },
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe(created.body);
  });

  it('answers 404 for an order never recorded', async () => {
    const result = await getOrderHandler({ store: new FakeOrderStore() })(
      restApiEvent({ method: 'GET', path: '/sync/orders/none', pathParameters: { orderId: 'none' } }),
    );
    expect(result.statusCode).toBe(404);
    expect(problemOf(result).type).toBe('urn:problem:serverless-data-sharing:order-not-found');
  });

  it('answers 400 for an id that cannot be an order id', async () => {
    const result = await getOrderHandler({ store: new FakeOrderStore() })(
      restApiEvent({ method: 'GET', path: '/sync/orders/..%2F', pathParameters: { orderId: '../' } }),
    );
    expect(result.statusCode).toBe(400);
  });
});
