import { readFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import { type ApiClient, until } from './api.ts';

/** One pass of a pattern: when the client had its answer, and when the result could be read. */
export interface Timing {
  /** Submit request sent -> its response received. */
  readonly responseMs: number;
  /** Submit request sent -> the result readable where the other application reads it. */
  readonly visibleMs: number;
}

/** A pattern as the bench drives it: one order (or batch, or file) in, the result polled until visible. */
export interface PatternScenario {
  readonly id: string;
  readonly name: string;
  /** What "visible" means for this pattern, for the report. */
  readonly visibleWhen: string;
  run(api: ApiClient, uniqueId: string): Promise<Timing>;
}

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
/** How often results are polled: the resolution of every visible-time figure. */
export const POLL_INTERVAL_MS = 25;

const lines = [
  { sku: 'book-ddia', quantity: 2, unitPriceCents: 4599 },
  { sku: 'mug-lambda', quantity: 1, unitPriceCents: 1250 },
];
const order = (orderId: string) => ({
  orderId,
  customerId: 'customer-42',
  currency: 'EUR',
  placedAt: '2026-11-22T10:15:00Z',
  lines,
});
const shipTo = {
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
};

/** Times `submit`, then polls `visible` until it answers something. */
async function timed(
  submit: () => Promise<unknown>,
  visible: () => Promise<unknown>,
  what: string,
): Promise<Timing> {
  const started = performance.now();
  await submit();
  const responseMs = performance.now() - started;
  await until(async () => ((await visible()) ? true : undefined), what, { intervalMs: POLL_INTERVAL_MS });
  return { responseMs, visibleMs: performance.now() - started };
}

const field = (json: unknown, name: string): unknown => (json as Record<string, unknown> | undefined)?.[name];

/** The seven REST patterns, in the README's order. Push is measured on its own (it needs a socket). */
export const SCENARIOS: readonly PatternScenario[] = [
  {
    id: 'sync',
    name: '1. API payload',
    visibleWhen: '201 with the recorded order',
    async run(api, id) {
      const started = performance.now();
      await api.expect(201, 'sync/orders', { method: 'POST', body: order(id) });
      const ms = performance.now() - started;
      return { responseMs: ms, visibleMs: ms };
    },
  },
  {
    id: 'queue',
    name: '2. Message queue',
    visibleWhen: 'status DONE (receipt PDF in S3)',
    run: (api, id) =>
      timed(
        () => api.expect(202, 'queue/orders', { method: 'POST', body: order(id) }),
        async () => field((await api.call(`queue/orders/${id}`)).json, 'status') === 'DONE',
        `${id} DONE`,
      ),
  },
  {
    id: 'stream',
    name: '3. Message stream',
    visibleWhen: 'the SKU statistics count the 10 events',
    run: (api, id) =>
      timed(
        () =>
          api.expect(202, 'stream/events', {
            method: 'POST',
            body: {
              events: Array.from({ length: 10 }, (_, i) => ({
                eventId: `${id}-${i}`,
                sku: id,
                type: 'view',
                occurredAt: '2026-11-22T10:15:00Z',
              })),
            },
          }),
        async () => field((await api.call(`stream/stats/${id}`)).json, 'views') === 10,
        `${id} stats`,
      ),
  },
  {
    id: 'file',
    name: '4. File drop',
    visibleWhen: 'status PROCESSED (the PDF checked and moved)',
    async run(api, id) {
      const pdf = await readFile(path.join(PROJECT_ROOT, 'examples', 'invoice.pdf'));
      let fileId = '';
      return timed(
        async () => {
          const announced = await api.expect(201, 'files', {
            method: 'POST',
            body: { filename: `${id}.pdf`, contentType: 'application/pdf', size: pdf.length },
          });
          const { upload, ...answer } = announced.json as {
            fileId: string;
            upload: { method: string; url: string; headers: Record<string, string> };
          };
          fileId = answer.fileId;
          const { 'Content-Length': _length, ...headers } = upload.headers;
          const put = await fetch(upload.url, { method: upload.method, headers, body: pdf });
          if (put.status !== 200) {
            throw new Error(`upload of ${fileId} answered ${put.status}`);
          }
        },
        async () => field((await api.call(`files/${fileId}`)).json, 'status') === 'PROCESSED',
        `${id} PROCESSED`,
      );
    },
  },
  {
    id: 'shared',
    name: '5. Shared database',
    visibleWhen: 'the change history lists the write',
    run: (api, id) =>
      timed(
        () =>
          api.expect(201, `shared/orders/${id}`, {
            method: 'PUT',
            body: {
              customerId: 'customer-42',
              currency: 'EUR',
              lines: [{ sku: 'book', quantity: 2, unitPriceCents: 1500 }],
            },
          }),
        async () =>
          ((field((await api.call(`shared/orders/${id}/changes`)).json, 'entries') as unknown[]) ?? [])
            .length >= 1,
        `${id} history`,
      ),
  },
  {
    id: 'pubsub',
    name: '6. Publish/subscribe',
    visibleWhen: 'all three subscribers recorded the event',
    run: (api, id) =>
      timed(
        () => api.expect(202, 'events/orders', { method: 'POST', body: { ...order(id), shipTo } }),
        async () =>
          ((field((await api.call(`events/orders/${id}/deliveries`)).json, 'deliveries') as unknown[]) ?? [])
            .length === 3,
        `${id} deliveries`,
      ),
  },
  {
    id: 'cqrs',
    name: '7. CQRS',
    visibleWhen: 'the order view shows the placed version',
    async run(api) {
      let orderId = '';
      return timed(
        async () => {
          const placed = await api.expect(202, 'cqrs/orders', {
            method: 'POST',
            body: { customerId: 'customer-42', currency: 'EUR', lines },
          });
          orderId = String(field(placed.json, 'orderId'));
        },
        async () => Number(field((await api.call(`cqrs/orders/${orderId}`)).json, 'version')) >= 1,
        'the CQRS view',
      );
    },
  },
];

/**
 * Pattern 8 measured the way a client lives it: a socket subscribed to a queue order, the order sent, the time
 * until its DONE status is pushed (no polling).
 */
export async function pushToDone(api: ApiClient, id: string): Promise<Timing> {
  const ticket = await api.expect(201, 'push/tickets', { method: 'POST' });
  const socket = new WebSocket(String(field(ticket.json, 'url')));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`refused: ${response.statusCode}`)),
    );
  });
  try {
    const messages: Array<Record<string, unknown>> = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    socket.send(JSON.stringify({ action: 'subscribe', orderId: id }));
    await until(
      async () => (messages.some((m) => m.type === 'subscribed') ? true : undefined),
      'the subscription',
      {
        intervalMs: 5,
      },
    );
    const started = performance.now();
    await api.expect(202, 'queue/orders', { method: 'POST', body: order(id) });
    const responseMs = performance.now() - started;
    await until(
      async () => (messages.some((m) => m.status === 'DONE') ? true : undefined),
      `${id} DONE pushed`,
      {
        intervalMs: 5,
      },
    );
    return { responseMs, visibleMs: performance.now() - started };
  } finally {
    socket.close();
  }
}
