import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fold, type OrderEvent } from '../../../lambda/domain/cqrs-order.ts';
import { IdempotentRequests } from '../../../lambda/shared/idempotent-requests.ts';
import { logger } from '../../../lambda/shared/logger.ts';
import { restApiEvent } from '../../helpers/events.ts';
import { MemoryIdempotencyStore } from '../../helpers/memory-idempotency-store.ts';
import { FakeEventLog, FakeReadModels, logStreamEvent } from './fakes.ts';

vi.stubEnv('IDEMPOTENCY_TABLE_NAME', 'idempotency');
vi.stubEnv('EVENT_LOG_TABLE_NAME', 'log');
vi.stubEnv('ORDER_VIEWS_TABLE_NAME', 'views');
vi.stubEnv('CUSTOMER_ORDERS_TABLE_NAME', 'customer-orders');
let handleCommand: typeof import('../../../lambda/cqrs/handle-command.ts').makeHandler;
let projectEvents: typeof import('../../../lambda/cqrs/project-events.ts').makeHandler;
let getOrderView: typeof import('../../../lambda/cqrs/get-order-view.ts').makeHandler;
let getSummary: typeof import('../../../lambda/cqrs/get-customer-summary.ts').makeHandler;
beforeAll(async () => {
  handleCommand = (await import('../../../lambda/cqrs/handle-command.ts')).makeHandler;
  projectEvents = (await import('../../../lambda/cqrs/project-events.ts')).makeHandler;
  getOrderView = (await import('../../../lambda/cqrs/get-order-view.ts')).makeHandler;
  getSummary = (await import('../../../lambda/cqrs/get-customer-summary.ts')).makeHandler;
});

const order = {
  customerId: 'customer-42',
  currency: 'EUR' as const,
  lines: [
    { sku: 'book-ddia', quantity: 2, unitPriceCents: 4599 },
    { sku: 'mug-lambda', quantity: 1, unitPriceCents: 1250 },
  ],
};
const VIEW_BASE = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/cqrs/orders';

function commandSide(log = new FakeEventLog()) {
  let ids = 0;
  return {
    log,
    handler: handleCommand({
      log,
      now: () => new Date('2026-11-22T10:15:00Z'),
      newOrderId: () => `o-${++ids}`,
      idempotency: new IdempotentRequests(new MemoryIdempotencyStore()),
    }),
  };
}

const placeRequest = (body: unknown = order) =>
  restApiEvent({ path: '/cqrs/orders', body: typeof body === 'string' ? body : JSON.stringify(body) });
const commandRequest = (orderId: string, verb: 'pay' | 'cancel', body: unknown) =>
  restApiEvent({
    path: `/cqrs/orders/${orderId}/${verb}`,
    resource: `/cqrs/orders/{orderId}/${verb}`,
    pathParameters: { orderId },
    body: JSON.stringify(body),
  });
const problemType = (body: string) => (JSON.parse(body) as { type: string }).type.split(':').at(-1);

describe('the command side', () => {
  it('places an order under a new id: 202 with its version, status and the view’s URL, the event in the log', async () => {
    const { log, handler } = commandSide();
    const response = await handler(placeRequest());
    expect(response.statusCode).toBe(202);
    expect(response.headers?.Location).toBe(`${VIEW_BASE}/o-1`);
    expect(JSON.parse(response.body)).toEqual({
      orderId: 'o-1',
      version: 1,
      status: 'PLACED',
      viewUrl: `${VIEW_BASE}/o-1`,
    });
    expect(await log.history('o-1')).toEqual([
      expect.objectContaining({
        type: 'OrderPlaced',
        version: 1,
        occurredAt: '2026-11-22T10:15:00.000Z',
        data: expect.objectContaining({ customerId: 'customer-42', totalCents: 10_448 }),
      }),
    ]);
  });

  it('pays a placed order as version 2 and points at the order’s view, not at the command', async () => {
    const { log, handler } = commandSide();
    await handler(placeRequest());
    const response = await handler(
      commandRequest('o-1', 'pay', { paymentReference: 'psp:1', expectedVersion: 1 }),
    );
    expect(response.statusCode).toBe(202);
    expect(response.headers?.Location).toBe(`${VIEW_BASE}/o-1`);
    expect(JSON.parse(response.body)).toMatchObject({ orderId: 'o-1', version: 2, status: 'PAID' });
    expect(fold(await log.history('o-1'))?.status).toBe('PAID');
  });

  it('answers 409 to the command that lost a race: of two concurrent commands on one order exactly one lands', async () => {
    const { log, handler } = commandSide();
    await handler(placeRequest());
    // Both commands read version 1 before either appends.
    let arrived = 0;
    let release: () => void = () => {};
    const bothRead = new Promise<void>((resolve) => {
      release = resolve;
    });
    log.beforeAppend = async () => {
      if (++arrived === 2) release();
      await bothRead;
    };
    const responses = await Promise.all([
      handler(commandRequest('o-1', 'pay', { paymentReference: 'psp:1' })),
      handler(commandRequest('o-1', 'cancel', { reason: 'too slow' })),
    ]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([202, 409]);
    const lost = responses.find((r) => r.statusCode === 409);
    expect(lost?.headers?.['Content-Type']).toBe('application/problem+json');
    expect(problemType(String(lost?.body))).toBe('concurrent-change');
    expect(await log.history('o-1')).toHaveLength(2);
  });

  it('answers 409 to a command the order’s state does not allow, and to a stale expected version', async () => {
    const { log, handler } = commandSide();
    await handler(placeRequest());
    await handler(commandRequest('o-1', 'cancel', { reason: 'duplicate order' }));
    const payCancelled = await handler(commandRequest('o-1', 'pay', { paymentReference: 'psp:1' }));
    expect(payCancelled.statusCode).toBe(409);
    expect(problemType(payCancelled.body)).toBe('invalid-transition');
    expect(JSON.parse(payCancelled.body).detail).toMatch(/CANCELLED and cannot be paid/);
    const stale = await handler(commandRequest('o-1', 'cancel', { reason: 'again', expectedVersion: 1 }));
    expect(stale.statusCode).toBe(409);
    expect(problemType(stale.body)).toBe('concurrent-change');
    expect(await log.history('o-1')).toHaveLength(2);
  });

  it('answers 404 for an order with no events, and appends nothing', async () => {
    const { log, handler } = commandSide();
    const response = await handler(commandRequest('nope', 'pay', { paymentReference: 'psp:1' }));
    expect(response.statusCode).toBe(404);
    expect(problemType(response.body)).toBe('order-not-found');
    expect(log.events.size).toBe(0);
  });

  it.each([
    ['an order with no lines', () => placeRequest({ ...order, lines: [] }), '#/lines'],
    ['an order naming its own id', () => placeRequest({ ...order, orderId: 'mine' }), '#/orderId'],
    ['a body that is not JSON', () => placeRequest('{'), '#'],
    ['a payment without a reference', () => commandRequest('o-1', 'pay', {}), '#/paymentReference'],
    [
      'a cancellation with a version 0',
      () => commandRequest('o-1', 'cancel', { reason: 'x', expectedVersion: 0 }),
      '#/expectedVersion',
    ],
    [
      'a cancellation whose reason holds a lone surrogate escape',
      () => commandRequest('o-1', 'cancel', { reason: 'late \udc00' }),
      '#/reason',
    ],
    [
      'an order id no order can have',
      () => ({
        ...commandRequest('o-1', 'pay', { paymentReference: 'p' }),
        pathParameters: { orderId: 'a b' },
      }),
      '#/orderId',
    ],
  ])('answers 400 to %s, naming the field, and appends nothing', async (_, request, pointer) => {
    const { log, handler } = commandSide();
    await handler(placeRequest());
    const response = await handler(request());
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
    expect(JSON.parse(response.body).errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect(log.events.size).toBe(1);
  });

  it('answers 415 to a body that is not JSON by its media type', async () => {
    const { handler } = commandSide();
    const response = await handler({ ...placeRequest(), headers: { 'Content-Type': 'text/plain' } });
    expect(response.statusCode).toBe(415);
  });
});

/** A log with some orders' full histories, built through the command rules. */
async function logWith(...histories: Array<Array<'pay' | 'cancel'>>): Promise<FakeEventLog> {
  const log = new FakeEventLog();
  for (const [index, steps] of histories.entries()) {
    const orderId = `o-${index + 1}`;
    await log.run({ type: 'PlaceOrder', orderId, order, at: new Date('2026-11-22T10:00:00Z') });
    for (const step of steps) {
      await log.run(
        step === 'pay'
          ? { type: 'PayOrder', orderId, paymentReference: 'psp:1', at: new Date('2026-11-22T10:05:00Z') }
          : { type: 'CancelOrder', orderId, reason: 'no', at: new Date('2026-11-22T10:06:00Z') },
      );
    }
  }
  return log;
}

const eventsOf = async (log: FakeEventLog, orderId: string) => log.history(orderId);
const noContext = {} as Context;

describe('placing an order with an Idempotency-Key', () => {
  const withKey = (key: string, body: unknown = order, apiKeyId = 'k1k2k3k4k5') => {
    const event = placeRequest(body);
    event.headers['Idempotency-Key'] = key;
    event.requestContext.identity.apiKeyId = apiKeyId;
    return event;
  };

  it('answers a retry with the same key and body with the first answer, and places one order', async () => {
    const { log, handler } = commandSide();
    const first = await handler(withKey('7d0c5b6e-key'));
    // The same order, its fields in another order: the same body.
    const retry = await handler(withKey('7d0c5b6e-key', Object.fromEntries(Object.entries(order).reverse())));
    expect(first.statusCode).toBe(202);
    expect(retry.statusCode).toBe(202);
    expect(JSON.parse(retry.body)).toEqual(JSON.parse(first.body));
    expect(retry.headers?.['Idempotent-Replayed']).toBe('true');
    expect(first.headers?.['Idempotent-Replayed']).toBeUndefined();
    expect(log.events.size).toBe(1);
  });

  it('answers 409 for the same key with another body, and places nothing more', async () => {
    const { log, handler } = commandSide();
    await handler(withKey('k-1'));
    const other = await handler(withKey('k-1', { ...order, currency: 'USD' }));
    expect(other.statusCode).toBe(409);
    expect(JSON.parse(other.body)).toMatchObject({
      type: 'urn:problem:serverless-data-sharing:idempotency-key-reused',
      detail: expect.stringContaining('Idempotency-Key k-1 was first used with another body'),
    });
    expect(log.events.size).toBe(1);
  });

  it('places an order per request without a key, and per caller for the same key', async () => {
    const { log, handler } = commandSide();
    await handler(placeRequest());
    await handler(placeRequest());
    await handler(withKey('shared-key', order, 'caller-a'));
    await handler(withKey('shared-key', order, 'caller-b'));
    expect(log.events.size).toBe(4);
  });

  it('does not remember a request that failed: its retry runs again', async () => {
    const log = new FakeEventLog();
    let failures = 1;
    log.beforeAppend = async () => {
      if (failures-- > 0) throw new Error('DynamoDB unavailable');
    };
    const { handler } = commandSide(log);
    expect((await handler(withKey('k-2'))).statusCode).toBe(500);
    const retry = await handler(withKey('k-2'));
    expect(retry.statusCode).toBe(202);
    expect(retry.headers?.['Idempotent-Replayed']).toBeUndefined();
    expect(log.events.size).toBe(1);
  });

  it('answers 400 for a key that is empty, too long or not visible ASCII', async () => {
    const { log, handler } = commandSide();
    for (const key of ['', 'x'.repeat(256), 'has space', 'tab\tkey', 'é']) {
      const answer = await handler(withKey(key));
      expect(answer.statusCode, JSON.stringify(key)).toBe(400);
    }
    expect(log.events.size).toBe(0);
  });
});

describe('the projector', () => {
  it('builds each view and customer row as the fold of its order’s events, one order’s events in stream order', async () => {
    const log = await logWith(['pay'], ['cancel'], []);
    const models = new FakeReadModels();
    // Order o-1's first read is slow: its second event must still wait for it.
    const reads: string[] = [];
    models.readDelayMs = (orderId) => {
      reads.push(orderId);
      return reads.filter((id) => id === 'o-1').length === 1 && orderId === 'o-1' ? 20 : 0;
    };
    const [p1, a1] = (await eventsOf(log, 'o-1')) as [OrderEvent, OrderEvent];
    const [p2, c2] = (await eventsOf(log, 'o-2')) as [OrderEvent, OrderEvent];
    const [p3] = (await eventsOf(log, 'o-3')) as [OrderEvent];
    log.historyCalls.length = 0;
    const response = await projectEvents({ log, readModels: models })(
      logStreamEvent([p1, p2, a1, p3, c2]),
      noContext,
    );
    expect(response).toEqual({ batchItemFailures: [] });
    // Applied in order: the view was one version behind at each event, so the log was never read.
    expect(log.historyCalls).toEqual([]);
    for (const orderId of ['o-1', 'o-2', 'o-3']) {
      expect(models.views.get(orderId)).toEqual(fold(await log.history(orderId)));
    }
    expect(models.rows.get('customer-42#o-1')).toMatchObject({ status: 'PAID', version: 2 });
  });

  it('changes nothing for a duplicate or a late event', async () => {
    const log = await logWith(['pay']);
    const models = new FakeReadModels();
    const [placed, paid] = (await eventsOf(log, 'o-1')) as [OrderEvent, OrderEvent];
    const project = projectEvents({ log, readModels: models });
    await project(logStreamEvent([placed, paid]), noContext);
    const before = structuredClone([...models.views.values(), ...models.rows.values()]);
    const response = await project(logStreamEvent([paid, placed, paid]), noContext);
    expect(response.batchItemFailures).toEqual([]);
    expect([...models.views.values(), ...models.rows.values()]).toEqual(before);
    expect(models.advanced).toEqual([1, 2]);
  });

  it('fills a gap from the log: an event whose predecessors were not projected folds the order up to it', async () => {
    const log = await logWith(['pay']);
    const models = new FakeReadModels();
    const [, paid] = (await eventsOf(log, 'o-1')) as [OrderEvent, OrderEvent];
    log.historyCalls.length = 0;
    await projectEvents({ log, readModels: models })(logStreamEvent([paid]), noContext);
    expect(log.historyCalls).toEqual([{ orderId: 'o-1', upToVersion: 2 }]);
    expect(models.views.get('o-1')).toEqual(fold(await log.history('o-1')));
    expect(models.rows.get('customer-42#o-1')).toMatchObject({
      status: 'PAID',
      version: 2,
      totalCents: 10_448,
    });
  });

  it('folds only up to the event, even when the log has moved on', async () => {
    const log = await logWith(['cancel']);
    const models = new FakeReadModels();
    const [placed] = (await eventsOf(log, 'o-1')) as [OrderEvent];
    // A view lost (deleted by hand); the stream redelivers version 1 while version 2 is already in the log.
    await projectEvents({ log, readModels: models })(logStreamEvent([placed]), noContext);
    expect(models.views.get('o-1')).toMatchObject({ status: 'PLACED', version: 1 });
  });

  it('reports an unreadable record by sequence number, logs why, projects the rest, and ignores removals', async () => {
    const warn = vi.spyOn(logger, 'warn');
    const log = await logWith(['pay'], []);
    const models = new FakeReadModels();
    const [p1, a1] = (await eventsOf(log, 'o-1')) as [OrderEvent, OrderEvent];
    const [p2] = (await eventsOf(log, 'o-2')) as [OrderEvent];
    const stream = logStreamEvent([
      p1,
      { ...a1, type: 'OrderShipped' },
      p2,
      { remove: { orderId: 'o-2', version: 1 } },
    ]);
    const response = await projectEvents({ log, readModels: models })(stream, noContext);
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: stream.Records[1]?.dynamodb?.SequenceNumber }],
    });
    expect(models.views.get('o-1')).toMatchObject({ version: 1 });
    expect(models.views.get('o-2')).toMatchObject({ version: 1, status: 'PLACED' });
    expect(warn).toHaveBeenCalledWith(
      'Stream record failed',
      expect.objectContaining({
        sequenceNumber: stream.Records[1]?.dynamodb?.SequenceNumber,
        permanent: true,
        reason: 'ValidationError: The log item is not an order event.',
        errors: [expect.objectContaining({ pointer: '#/type' })],
      }),
    );
    warn.mockRestore();
  });

  it('fails a batch of only unreadable records as a whole, so the event source bisects it, each logged', async () => {
    const warn = vi.spyOn(logger, 'warn');
    const log = await logWith([]);
    const [placed] = (await eventsOf(log, 'o-1')) as [OrderEvent];
    const stream = logStreamEvent([
      { ...placed, version: 0 },
      { ...placed, orderId: 'o-2', data: {} },
    ]);
    await expect(projectEvents({ log, readModels: new FakeReadModels() })(stream, noContext)).rejects.toThrow(
      'All records failed processing',
    );
    expect(
      warn.mock.calls.map(([, fields]) => (fields as { sequenceNumber: string }).sequenceNumber),
    ).toEqual(stream.Records.map((record) => record.dynamodb?.SequenceNumber));
    warn.mockRestore();
  });
});

describe('the queries', () => {
  it('GET /cqrs/orders/{orderId}: the view, 404 before it exists, 400 for an impossible id', async () => {
    const log = await logWith(['pay']);
    const models = new FakeReadModels();
    await models.advance(await log.state('o-1'));
    const get = getOrderView(models);
    const request = (orderId: string) =>
      restApiEvent({ method: 'GET', path: `/cqrs/orders/${orderId}`, pathParameters: { orderId } });
    const found = await get(request('o-1'));
    expect(found.statusCode).toBe(200);
    expect(JSON.parse(found.body)).toEqual({
      orderId: 'o-1',
      customerId: 'customer-42',
      status: 'PAID',
      version: 2,
      totalCents: 10_448,
      currency: 'EUR',
      placedAt: '2026-11-22T10:00:00.000Z',
      updatedAt: '2026-11-22T10:05:00.000Z',
    });
    const missing = await get(request('o-2'));
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body).detail).toMatch(/not projected yet/);
    expect((await get(request('a.b'))).statusCode).toBe(400);
  });

  it('GET /cqrs/customers/{customerId}/summary: open orders and paid totals per currency', async () => {
    const log = await logWith(['pay'], [], ['cancel'], ['pay']);
    const models = new FakeReadModels();
    for (const orderId of ['o-1', 'o-2', 'o-3']) {
      await models.advance(await log.state(orderId));
    }
    // One order in another currency: its cents are summed apart.
    await models.advance({ ...(await log.state('o-4')), currency: 'USD', totalCents: 700 });
    const request = (customerId: string) =>
      restApiEvent({
        method: 'GET',
        path: `/cqrs/customers/${customerId}/summary`,
        pathParameters: { customerId },
      });
    const response = await getSummary(models)(request('customer-42'));
    expect(response.statusCode).toBe(200);
    const summary = JSON.parse(response.body);
    expect(summary).toMatchObject({
      customerId: 'customer-42',
      openOrders: 1,
      paidTotals: { EUR: 10_448, USD: 700 },
    });
    expect(
      summary.orders.map((o: { orderId: string; status: string }) => `${o.orderId}:${o.status}`),
    ).toEqual(['o-1:PAID', 'o-2:PLACED', 'o-3:CANCELLED', 'o-4:PAID']);
    const nobody = await getSummary(models)(request('customer-0'));
    expect(JSON.parse(nobody.body)).toEqual({
      customerId: 'customer-0',
      openOrders: 0,
      paidTotals: {},
      orders: [],
    });
    expect((await getSummary(models)(request('a%20b'))).statusCode).toBe(400);
  });
});
