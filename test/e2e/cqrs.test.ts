import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { rebuildReadModelTables } from '../../scripts/rebuild-cqrs-read-models.ts';
import { eventually } from '../helpers/eventually.ts';
import { type ApiResponse, callApi, uniqueId } from './api-client.ts';
import { dynamoDbClient } from './aws-clients.ts';

interface Accepted {
  orderId: string;
  version: number;
  status: string;
  viewUrl: string;
}

interface View {
  orderId: string;
  customerId: string;
  status: string;
  version: number;
  totalCents: number;
  currency: string;
  placedAt: string;
  updatedAt: string;
}

interface LoggedEvent {
  orderId: string;
  version: number;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

const client = dynamoDbClient();
const documents = DynamoDBDocumentClient.from(client);
const tables = () => {
  const outputs = inject('target').outputs;
  return {
    eventLog: String(outputs.CqrsEventLogTableName),
    orderViews: String(outputs.CqrsOrderViewsTableName),
    customerOrders: String(outputs.CqrsCustomerOrdersTableName),
  };
};
afterAll(() => client.destroy());

/** Calls the API, retrying what the usage plan throttled (429 is answered before any function runs). */
async function call(path: string, init: Parameters<typeof callApi>[1] = {}): Promise<ApiResponse> {
  for (let attempt = 0; ; attempt++) {
    const response = await callApi(path, init);
    if (response.status !== 429 || attempt === 10) {
      return response;
    }
    await new Promise((resolve) =>
      setTimeout(resolve, 100 * 2 ** Math.min(attempt, 5) * (0.5 + Math.random())),
    );
  }
}

/**
 * Runs the tasks with at most `limit` in flight, results in task order: concurrent commands without flooding
 * the two cores this suite shares with the other e2e files (a publisher there times out when starved).
 */
async function inFlight<T>(limit: number, tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < tasks.length; i = next++) {
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

const post = (path: string, body: unknown) => call(path, { method: 'POST', body });
const problemType = (response: ApiResponse) =>
  String((response.json as { type?: string }).type)
    .split(':')
    .at(-1);

/** The order's events, read from the log table itself (strongly consistent). */
async function loggedEvents(orderId: string): Promise<LoggedEvent[]> {
  const { Items = [] } = await documents.send(
    new QueryCommand({
      TableName: tables().eventLog,
      KeyConditionExpression: 'orderId = :id',
      ExpressionAttributeValues: { ':id': orderId },
      ConsistentRead: true,
    }),
  );
  return Items as LoggedEvent[];
}

/** The view an order's events must project to, folded here independently of the code under test. */
function expectedView(events: readonly LoggedEvent[]): View {
  const [placed, ...rest] = events;
  if (placed?.type !== 'OrderPlaced') {
    throw new Error(`The log of ${placed?.orderId} does not start with OrderPlaced`);
  }
  const data = placed.data as { customerId: string; currency: string; lines: Array<Record<string, number>> };
  const last = rest.at(-1) ?? placed;
  return {
    orderId: placed.orderId,
    customerId: data.customerId,
    status: last.type === 'OrderPaid' ? 'PAID' : last.type === 'OrderCancelled' ? 'CANCELLED' : 'PLACED',
    version: last.version,
    // Priced here from the lines, not taken from the event's own total.
    totalCents: data.lines.reduce(
      (sum, line) => sum + Number(line.quantity) * Number(line.unitPriceCents),
      0,
    ),
    currency: data.currency,
    placedAt: placed.occurredAt,
    updatedAt: last.occurredAt,
  };
}

function expectedSummary(customerId: string, views: readonly View[]) {
  const mine = views.filter((view) => view.customerId === customerId);
  const paidTotals: Record<string, number> = {};
  for (const view of mine.filter((v) => v.status === 'PAID')) {
    paidTotals[view.currency] = (paidTotals[view.currency] ?? 0) + view.totalCents;
  }
  return {
    customerId,
    openOrders: mine.filter((view) => view.status === 'PLACED').length,
    paidTotals,
    orders: mine
      .map(({ orderId, status, totalCents, currency, version }) => ({
        orderId,
        status,
        totalCents,
        currency,
        version,
      }))
      .sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0)),
  };
}

/**
 * Waits until every order's view, read from its table, is at the log's last version; returns how long it took.
 * One BatchGetItem (at most 100 keys) a poll: the e2e files share two cores with DynamoDB Local.
 */
async function viewsCaughtUp(lastVersions: ReadonlyMap<string, number>, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  const table = tables().orderViews;
  await eventually(
    async () => {
      const { Responses, UnprocessedKeys } = await documents.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: [...lastVersions.keys()].map((orderId) => ({ orderId })),
              ConsistentRead: true,
              ProjectionExpression: 'orderId, #version',
              ExpressionAttributeNames: { '#version': 'version' },
            },
          },
        }),
      );
      const versions = new Map((Responses?.[table] ?? []).map((item) => [item.orderId, item.version]));
      const done =
        Object.keys(UnprocessedKeys ?? {}).length === 0 &&
        [...lastVersions].every(([orderId, version]) => versions.get(orderId) === version);
      return done ? true : undefined;
    },
    { timeoutMs, intervalMs: 200, what: 'every view to reach its order’s last logged version' },
  );
  return Date.now() - started;
}

/** The views and summaries through the API, for the orders and customers given. */
async function readModels(orderIds: readonly string[], customerIds: readonly string[]) {
  const views = await Promise.all(orderIds.map((id) => call(`cqrs/orders/${id}`)));
  const summaries = await Promise.all(customerIds.map((id) => call(`cqrs/customers/${id}/summary`)));
  return {
    views: views.map((response) => (response.status === 200 ? (response.json as View) : response.status)),
    summaries: summaries.map((response) => response.json),
  };
}

describe('CQRS: commands append to an event log, a projector keeps the read models', () => {
  it('projects 200 commands over 20 orders into views and summaries equal to a fold of the log, and a rebuild restores them', {
    timeout: 240_000,
  }, async () => {
    const started = Date.now();
    const run = uniqueId('cq');
    const customers = [0, 1, 2, 3].map((i) => `${run}-c${i}`);
    const placements = await inFlight(
      8,
      Array.from(
        { length: 20 },
        (_, i) => () =>
          post('cqrs/orders', {
            customerId: customers[i % 4],
            currency: i % 3 === 0 ? 'USD' : 'EUR',
            lines: [
              { sku: `sku-${i}`, quantity: (i % 4) + 1, unitPriceCents: 1_000 + i * 37 },
              { sku: 'gift-wrap', quantity: 1, unitPriceCents: 250 },
            ],
          }),
      ),
    );
    expect(placements.map((r) => r.status)).toEqual(Array(20).fill(202));
    const placed = placements.map((r) => r.json as Accepted);
    for (const [i, response] of placements.entries()) {
      expect(placed[i]).toMatchObject({ version: 1, status: 'PLACED' });
      expect(response.headers.get('location')).toBe(placed[i]?.viewUrl);
      expect(placed[i]?.viewUrl).toMatch(new RegExp(`/cqrs/orders/${placed[i]?.orderId}$`));
    }
    const ids = placed.map((p) => p.orderId);
    const orderOf = (i: number) => ids[i] as string;

    // Wave 1, 40 commands: orders 0-9 get a payment, a second payment and a cancellation at once (one may
    // win); orders 10-19 one command each, naming version 1. At most 4 orders' commands in flight.
    const raced = Array.from(
      { length: 10 },
      (_, i) => () =>
        Promise.all([
          post(`cqrs/orders/${orderOf(i)}/pay`, { paymentReference: `psp:${i}-a` }),
          post(`cqrs/orders/${orderOf(i)}/pay`, { paymentReference: `psp:${i}-b` }),
          post(`cqrs/orders/${orderOf(i)}/cancel`, { reason: 'customer asked' }),
        ]),
    );
    const single = Array.from({ length: 10 }, (_, k) => () => {
      const i = k + 10;
      return Promise.all([
        i % 2 === 0
          ? post(`cqrs/orders/${orderOf(i)}/pay`, { paymentReference: `psp:${i}`, expectedVersion: 1 })
          : post(`cqrs/orders/${orderOf(i)}/cancel`, { reason: 'out of stock', expectedVersion: 1 }),
      ]);
    });
    const wave1 = await inFlight<ApiResponse[]>(4, [...raced, ...single]);
    const racedResults = wave1.slice(0, 10);
    const singleResults = wave1.slice(10).map(([result]) => result as ApiResponse);
    const winners = new Map<string, Accepted>();
    for (const [i, results] of racedResults.entries()) {
      const statuses = results.map((r) => r.status).sort();
      expect(statuses, `order ${i}`).toEqual([202, 409, 409]);
      for (const loser of results.filter((r) => r.status === 409)) {
        expect(loser.headers.get('content-type')).toBe('application/problem+json');
        expect(['concurrent-change', 'invalid-transition']).toContain(problemType(loser));
      }
      winners.set(orderOf(i), results.find((r) => r.status === 202)?.json as Accepted);
    }
    for (const [k, result] of singleResults.entries()) {
      expect(result.status).toBe(202);
      expect(result.json).toMatchObject({ version: 2, status: (k + 10) % 2 === 0 ? 'PAID' : 'CANCELLED' });
      winners.set(orderOf(k + 10), result.json as Accepted);
    }

    // Every event is in the log now: wave 1 was the last to append any. The views catch up while waves 2-4 run.
    const caughtUp = viewsCaughtUp(new Map(ids.map((id) => [id, winners.get(id)?.version ?? 0])));
    // Awaited below; this only keeps a failure in waves 2-4 from also reporting it as unhandled.
    caughtUp.catch(() => undefined);

    // Waves 2-4, 140 commands every one of which must be refused: each order is paid or cancelled by now.
    const refused = async (
      commands: Array<[string, 'pay' | 'cancel', Record<string, unknown>]>,
      type: 'invalid-transition' | 'concurrent-change',
    ) => {
      const results = await inFlight(
        8,
        commands.map(
          ([orderId, verb, body]) =>
            () =>
              post(`cqrs/orders/${orderId}/${verb}`, body),
        ),
      );
      for (const result of results) {
        expect(result.status).toBe(409);
        expect(problemType(result)).toBe(type);
      }
    };
    const each = (verb: 'pay' | 'cancel', body: Record<string, unknown>) =>
      ids.map((id): [string, 'pay' | 'cancel', Record<string, unknown>] => [id, verb, body]);
    await refused(
      [...each('pay', { paymentReference: 'psp:late' }), ...each('cancel', { reason: 'late' })],
      'invalid-transition',
    );
    await refused(each('pay', { paymentReference: 'psp:stale', expectedVersion: 1 }), 'concurrent-change');
    await refused(
      [
        ...each('cancel', { reason: 'again', expectedVersion: 2 }),
        ...each('pay', { paymentReference: 'x', expectedVersion: 2 }),
      ],
      'invalid-transition',
    );
    await refused(
      [
        ...each('cancel', { reason: 'far', expectedVersion: 5 }),
        ...each('pay', { paymentReference: 'y', expectedVersion: 9 }),
      ],
      'concurrent-change',
    );
    const commandsDone = Date.now();

    // The log holds exactly the accepted commands: a placement and the one winning transition per order.
    const logs = new Map(await Promise.all(ids.map(async (id) => [id, await loggedEvents(id)] as const)));
    for (const id of ids) {
      const events = logs.get(id) ?? [];
      expect(events.map((e) => e.version)).toEqual([1, 2]);
      expect(events[1]?.type).toBe(winners.get(id)?.status === 'PAID' ? 'OrderPaid' : 'OrderCancelled');
    }
    const catchUpMs = await caughtUp;
    console.info(
      `CQRS: every view reached its order's last version ${catchUpMs} ms after the last event was appended`,
    );

    const expectedViews = ids.map((id) => expectedView(logs.get(id) ?? []));
    const live = await readModels(ids, customers);
    expect(live.views).toEqual(expectedViews);
    expect(live.summaries).toEqual(customers.map((c) => expectedSummary(c, expectedViews)));
    // Every 202 carried a version the order's view has reached.
    for (const [i, view] of (live.views as View[]).entries()) {
      expect(view.version).toBeGreaterThanOrEqual(
        winners.get(orderOf(i))?.version ?? Number.POSITIVE_INFINITY,
      );
    }

    // Damage the read models: lose views and customer rows, change a status, add models no order produces.
    const { orderViews, customerOrders } = tables();
    for (const id of ids.slice(0, 4)) {
      await documents.send(new DeleteCommand({ TableName: orderViews, Key: { orderId: id } }));
    }
    for (const i of [4, 5, 6, 7]) {
      await documents.send(
        new DeleteCommand({
          TableName: customerOrders,
          Key: { customerId: customers[i % 4], orderId: orderOf(i) },
        }),
      );
    }
    await documents.send(
      new UpdateCommand({
        TableName: orderViews,
        Key: { orderId: orderOf(10) },
        UpdateExpression: 'SET #status = :placed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':placed': 'PLACED' },
      }),
    );
    const ghost = `${run}-ghost`;
    await documents.send(
      new PutCommand({ TableName: orderViews, Item: { ...expectedViews[0], orderId: ghost } }),
    );
    await documents.send(
      new PutCommand({
        TableName: customerOrders,
        Item: {
          customerId: customers[0],
          orderId: ghost,
          status: 'PAID',
          totalCents: 1,
          currency: 'EUR',
          version: 2,
        },
      }),
    );
    const damaged = await readModels(ids, customers);
    expect(damaged.views.slice(0, 4)).toEqual([404, 404, 404, 404]);
    expect(damaged.views[10]).toMatchObject({ status: 'PLACED' });
    expect(damaged.summaries).not.toEqual(live.summaries);

    const rebuildStarted = Date.now();
    const counts = await rebuildReadModelTables(client, tables());
    const rebuildMs = Date.now() - rebuildStarted;
    console.info(`CQRS: rebuild ${JSON.stringify(counts)} in ${rebuildMs} ms`);
    expect(counts.events).toBeGreaterThanOrEqual(40);
    expect(counts.viewsDeleted).toBeGreaterThanOrEqual(1);
    expect(counts.customerOrdersDeleted).toBeGreaterThanOrEqual(1);
    const rebuilt = await readModels([...ids, ghost], customers);
    expect(rebuilt.views).toEqual([...live.views, 404]);
    expect(rebuilt.summaries).toEqual(live.summaries);
    console.info(
      `CQRS: 200 commands, catch-up and rebuild in ${Date.now() - started} ms (commands ${commandsDone - started} ms)`,
    );
  });

  it('answers 202 with the version the view then reaches, and a view that says so while it catches up', async () => {
    const placed = await post('cqrs/orders', {
      customerId: uniqueId('solo'),
      currency: 'JPY',
      lines: [{ sku: 'tea', quantity: 3, unitPriceCents: 480 }],
    });
    expect(placed.status).toBe(202);
    const { orderId, viewUrl } = placed.json as Accepted;
    const paid = await post(`cqrs/orders/${orderId}/pay`, {
      paymentReference: 'psp:tea',
      expectedVersion: 1,
    });
    const answered = Date.now();
    expect(paid.json).toMatchObject({ orderId, version: 2, status: 'PAID', viewUrl });
    const view = await eventually(
      async () => {
        const response = await call(viewUrl);
        return response.status === 200 && (response.json as View).version >= 2
          ? (response.json as View)
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the view to reach version 2' },
    );
    console.info(
      `CQRS: one order's view reached the version of its 202 ${Date.now() - answered} ms after it`,
    );
    expect(view).toMatchObject({ orderId, status: 'PAID', version: 2, totalCents: 1_440, currency: 'JPY' });
  });

  it('places an order once per Idempotency-Key: a retry gets the same 202 and order id, another body 409', async () => {
    const key = uniqueId('idem');
    const order = {
      customerId: uniqueId('c'),
      currency: 'EUR',
      lines: [{ sku: 'book-ddia', quantity: 1, unitPriceCents: 4599 }],
    };
    const headers = { 'Idempotency-Key': key };
    const first = await call('cqrs/orders', { method: 'POST', body: order, headers });
    const retry = await call('cqrs/orders', { method: 'POST', body: order, headers });
    const other = await call('cqrs/orders', { method: 'POST', body: { ...order, currency: 'USD' }, headers });
    expect([first.status, retry.status, other.status]).toEqual([202, 202, 409]);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(other.json).toMatchObject({ type: 'urn:problem:serverless-data-sharing:idempotency-key-reused' });
    // One order for the customer, whatever the retries.
    const { orderId } = first.json as { orderId: string };
    const summary = await eventually(
      async () => {
        const answer = await call(`cqrs/customers/${order.customerId}/summary`);
        const orders = (answer.json as { orders?: Array<{ orderId: string }> }).orders ?? [];
        return orders.length > 0 ? orders : undefined;
      },
      { timeoutMs: 30_000, what: 'the customer summary' },
    );
    expect(summary.map((entry) => entry.orderId)).toEqual([orderId]);
  });

  it('answers 400 problems for bad commands, at the edge and in the function, and 404 for an unknown order', async () => {
    const edge = await post('cqrs/orders', { customerId: uniqueId('c'), currency: 'EUR', lines: [] });
    expect(edge.status).toBe(400);
    expect(edge.headers.get('content-type')).toBe('application/problem+json');
    expect(problemType(edge)).toBe('invalid-request-body');
    const placed = await post('cqrs/orders', {
      customerId: uniqueId('c'),
      currency: 'EUR',
      lines: [{ sku: 'pen', quantity: 1, unitPriceCents: 99 }],
    });
    const { orderId } = placed.json as Accepted;
    for (const body of [
      {},
      { paymentReference: 'psp:1', expectedVersion: 0 },
      { paymentReference: 'psp:1', extra: true },
    ]) {
      const refused = await post(`cqrs/orders/${orderId}/pay`, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
    }
    // The path's id is checked by the function: API Gateway matches any segment.
    const badId = await post('cqrs/orders/not.an.id/cancel', { reason: 'x' });
    expect(badId.status).toBe(400);
    expect((badId.json as { errors: Array<{ pointer: string }> }).errors[0]?.pointer).toBe('#/orderId');
    const unknown = await post(`cqrs/orders/${uniqueId('none')}/cancel`, { reason: 'x' });
    expect(unknown.status).toBe(404);
    expect(problemType(unknown)).toBe('order-not-found');
    expect((await call(`cqrs/orders/${uniqueId('none')}`)).status).toBe(404);
    const nobody = await call(`cqrs/customers/${uniqueId('nobody')}/summary`);
    expect(nobody.status).toBe(200);
    expect(nobody.json).toMatchObject({ openOrders: 0, paidTotals: {}, orders: [] });
  });
});
