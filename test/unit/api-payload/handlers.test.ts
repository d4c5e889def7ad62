import type { APIGatewayProxyResult } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { RecordedOrder } from '../../../lambda/domain/order.ts';
import type { OrderStore } from '../../../lambda/domain/order-store.ts';
import { restApiEvent } from '../../helpers/events.ts';

// The handler modules read their configuration and build their real DynamoDB store at import.
vi.stubEnv('ORDERS_TABLE_NAME', 'orders-under-test');
let makeRecordOrder: typeof import('../../../lambda/api-payload/record-order.ts').makeHandler;
let makeGetOrder: typeof import('../../../lambda/api-payload/get-order.ts').makeHandler;
beforeAll(async () => {
  makeRecordOrder = (await import('../../../lambda/api-payload/record-order.ts')).makeHandler;
  makeGetOrder = (await import('../../../lambda/api-payload/get-order.ts')).makeHandler;
});

/** An in-memory store with the DynamoDB store's semantics: the first save of an id wins, whole. */
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
  lines: [
    { sku: 'book', quantity: 2, unitPriceCents: 1500 },
    { sku: 'mug', quantity: 1, unitPriceCents: 1250 },
  ],
  placedAt: '2026-11-22T10:15:00Z',
};
const now = () => new Date('2026-11-22T11:00:00Z');

const post = (body: string | null, headers?: Record<string, string>) =>
  restApiEvent({ method: 'POST', path: '/sync/orders', body, ...(headers ? { headers } : {}) });
const get = (orderId: string) =>
  restApiEvent({
    method: 'GET',
    path: `/sync/orders/${encodeURIComponent(orderId)}`,
    pathParameters: { orderId },
  });

/** The RFC 9457 problem in a response, after checking it is served as one. */
function problemOf(result: APIGatewayProxyResult): Record<string, unknown> {
  expect(result.headers?.['Content-Type']).toBe('application/problem+json');
  return JSON.parse(result.body);
}

describe('POST /sync/orders handler', () => {
  it('answers 201 with the priced order and its absolute URL in Location', async () => {
    const store = new FakeOrderStore();
    const result = await makeRecordOrder({ store, now })(post(JSON.stringify(order)));

    expect(result.statusCode).toBe(201);
    expect(result.headers?.['Content-Type']).toBe('application/json');
    expect(result.headers?.Location).toBe(
      'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/sync/orders/order-7',
    );
    expect(JSON.parse(result.body)).toEqual({
      orderId: 'order-7',
      customerId: 'customer-1',
      currency: 'EUR',
      lines: [
        { sku: 'book', quantity: 2, unitPriceCents: 1500, lineTotalCents: 3000 },
        { sku: 'mug', quantity: 1, unitPriceCents: 1250, lineTotalCents: 1250 },
      ],
      totalCents: 4250,
      placedAt: '2026-11-22T10:15:00Z',
      recordedAt: '2026-11-22T11:00:00.000Z',
    });
  });

  it('records the order with its fingerprint, which the client never sees', async () => {
    const store = new FakeOrderStore();
    const result = await makeRecordOrder({ store, now })(post(JSON.stringify(order)));
    expect(store.orders.get('order-7')?.order.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(result.body).not.toContain('fingerprint');
  });

  it('builds Location from the Host and X-Forwarded-Proto the request came with, whatever their case', async () => {
    const event = post(JSON.stringify(order));
    event.headers = {
      host: 'orders.example.com',
      'x-forwarded-proto': 'http',
      'content-type': 'application/json',
    };
    event.requestContext.path = '/v1/sync/orders';
    const result = await makeRecordOrder({ store: new FakeOrderStore(), now })(event);
    expect(result.headers?.Location).toBe('http://orders.example.com/v1/sync/orders/order-7');
  });

  it('stores the attachment bytes with the order and answers with their size and checksum', async () => {
    const store = new FakeOrderStore();
    const bytes = Buffer.from('%PDF-1.7 purchase terms');
    const attachment = {
      filename: 'terms.pdf',
      contentType: 'application/pdf',
      base64: bytes.toString('base64'),
    };
    const result = await makeRecordOrder({ store, now })(post(JSON.stringify({ ...order, attachment })));

    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body).attachment).toEqual({
      filename: 'terms.pdf',
      contentType: 'application/pdf',
      sizeBytes: bytes.length,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(store.orders.get('order-7')?.attachment?.equals(bytes)).toBe(true);
  });

  it('answers 200 with the first record when the same order comes again, even reformatted and later', async () => {
    const store = new FakeOrderStore();
    const first = await makeRecordOrder({ store, now })(post(JSON.stringify(order)));
    const reformatted = JSON.stringify(Object.fromEntries(Object.entries(order).reverse()), null, 2);
    const later = () => new Date('2026-11-22T12:00:00Z');
    const again = await makeRecordOrder({ store, now: later })(post(reformatted));

    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect(JSON.parse(again.body).recordedAt).toBe('2026-11-22T11:00:00.000Z');
  });

  it('answers 409 when the same orderId comes with another body, and keeps the first order', async () => {
    const store = new FakeOrderStore();
    await makeRecordOrder({ store, now })(post(JSON.stringify(order)));
    const result = await makeRecordOrder({ store, now })(post(JSON.stringify({ ...order, currency: 'USD' })));

    expect(result.statusCode).toBe(409);
    expect(problemOf(result)).toEqual({
      type: 'urn:problem:serverless-data-sharing:order-id-conflict',
      title: 'Order id already used',
      status: 409,
      detail: expect.stringContaining('order-7'),
      instance: '/prod/sync/orders',
    });
    expect(store.orders.get('order-7')?.order.currency).toBe('EUR');
  });

  it('answers 400 naming each bad field by JSON Pointer, and stores nothing', async () => {
    const store = new FakeOrderStore();
    const result = await makeRecordOrder({ store, now })(
      post(
        JSON.stringify({
          ...order,
          currency: 'EURO',
          lines: [{ sku: 'book', quantity: 0, unitPriceCents: 1 }],
          coupon: 'FREE',
        }),
      ),
    );

    expect(result.statusCode).toBe(400);
    const problem = problemOf(result);
    expect(problem).toMatchObject({
      type: 'urn:problem:serverless-data-sharing:invalid-request',
      status: 400,
    });
    expect((problem.errors as Array<{ pointer: string }>).map((error) => error.pointer).sort()).toEqual([
      '#/coupon',
      '#/currency',
      '#/lines/0/quantity',
    ]);
    expect(store.orders.size).toBe(0);
  });

  it.each([
    ['no body', null],
    ['a body that is not JSON', '{"orderId": '],
  ])('answers 400 for %s, pointing at the whole document', async (_case, body) => {
    const result = await makeRecordOrder({ store: new FakeOrderStore(), now })(post(body));
    expect(result.statusCode).toBe(400);
    expect(problemOf(result).errors).toEqual([{ pointer: '#', detail: expect.any(String) }]);
  });

  it('answers 413 for an attachment over 1 MiB, and stores nothing', async () => {
    const store = new FakeOrderStore();
    const attachment = {
      filename: 'big.pdf',
      contentType: 'application/pdf',
      base64: Buffer.alloc(1_048_577).toString('base64'),
    };
    const result = await makeRecordOrder({ store, now })(post(JSON.stringify({ ...order, attachment })));

    expect(result.statusCode).toBe(413);
    expect(problemOf(result)).toMatchObject({
      type: 'urn:problem:serverless-data-sharing:attachment-too-large',
      status: 413,
      detail: expect.stringContaining('1048576'),
    });
    expect(store.orders.size).toBe(0);
  });

  it('answers 415 for a body whose content type is not JSON', async () => {
    const result = await makeRecordOrder({ store: new FakeOrderStore(), now })(
      post('orderId=order-7', { 'Content-Type': 'application/x-www-form-urlencoded' }),
    );
    expect(result.statusCode).toBe(415);
    expect(problemOf(result).type).toBe('urn:problem:serverless-data-sharing:unsupported-media-type');
  });

  it('reads a body that API Gateway passed base64-encoded', async () => {
    const event = post(Buffer.from(JSON.stringify(order)).toString('base64'));
    event.isBase64Encoded = true;
    const result = await makeRecordOrder({ store: new FakeOrderStore(), now })(event);
    expect(result.statusCode).toBe(201);
  });

  it('answers 500 without internals when the store fails, saying the request can be sent again', async () => {
    const store = new FakeOrderStore();
    store.save = async () => {
      throw new Error(
        'ProvisionedThroughputExceededException at arn:aws:dynamodb:eu-west-1:123456789012:table/x',
      );
    };
    const result = await makeRecordOrder({ store, now })(post(JSON.stringify(order)));

    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/dynamodb|arn:|Exception|123456789012/);
    expect(problemOf(result)).toEqual({
      type: 'urn:problem:serverless-data-sharing:internal-error',
      title: 'Internal error',
      status: 500,
      detail:
        'The request could not be completed. Retrying is safe for a request that names what it writes or carries an Idempotency-Key.',
      instance: '/prod/sync/orders',
    });
  });

  it('answers 500 when the store says the order exists but cannot read it back', async () => {
    const store = new FakeOrderStore();
    store.save = async () => 'exists';
    const result = await makeRecordOrder({ store, now })(post(JSON.stringify(order)));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('order-7');
  });
});

describe('GET /sync/orders/{orderId} handler', () => {
  it('answers 200 with the same representation POST answered', async () => {
    const store = new FakeOrderStore();
    const created = await makeRecordOrder({ store, now })(post(JSON.stringify(order)));
    const result = await makeGetOrder({ store })(get('order-7'));

    expect(result.statusCode).toBe(200);
    expect(result.headers?.['Content-Type']).toBe('application/json');
    expect(result.body).toBe(created.body);
  });

  it('answers 404 as a problem for an order never recorded', async () => {
    const result = await makeGetOrder({ store: new FakeOrderStore() })(get('order-404'));
    expect(result.statusCode).toBe(404);
    expect(problemOf(result)).toEqual({
      type: 'urn:problem:serverless-data-sharing:order-not-found',
      title: 'Order not found',
      status: 404,
      detail: expect.stringContaining('order-404'),
      instance: '/prod/sync/orders/order-404',
    });
  });

  it.each([
    ['a path', '../'],
    ['65 characters', 'a'.repeat(65)],
    ['a space', 'order 7'],
  ])(
    'answers 400 for an id that cannot be an order id (%s), without asking the store',
    async (_case, orderId) => {
      const store = new FakeOrderStore();
      store.find = async () => {
        throw new Error('the store must not be asked');
      };
      const result = await makeGetOrder({ store })(get(orderId));
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).errors).toEqual([{ pointer: '#/orderId', detail: expect.any(String) }]);
    },
  );

  it('answers 500 without internals when the store fails', async () => {
    const store = new FakeOrderStore();
    store.find = async () => {
      throw new Error('ResourceNotFoundException: Requested resource not found: Table: orders-prod');
    };
    const result = await makeGetOrder({ store })(get('order-7'));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/Table|orders-prod|Exception/);
    expect(problemOf(result).type).toBe('urn:problem:serverless-data-sharing:internal-error');
  });
});
