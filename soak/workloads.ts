import type { ApiClient, BenchResponse } from '../bench/api.ts';
import { sleep } from '../bench/api.ts';
import { purchaseOrder } from '../test/helpers/orders.ts';
import type { CountedEvent } from './accounting.ts';

/** Good items per pattern at scale 1, as the soak sends them. */
export const FULL_SCALE = { orders: 2_000, events: 10_000, publications: 1_000, files: 200 } as const;
/** Deliberate poison items per channel, put on it raw (they never pass the API's validation). */
export const POISON_PER_CHANNEL = 6;

const EVENTS_PER_REQUEST = 100;
const SKUS = 40;
/** Answers a client retries: throttling is handled by the API client; these are the platform's and faults'. */
const RETRIED_STATUSES = new Set([500, 502, 503, 504]);
const MAX_ATTEMPTS = 12;

/** How many times the client had to retry, by pattern: each retry is a chance to apply something twice. */
export const clientRetries = { queue: 0, stream: 0, pubsub: 0, files: 0 };

/**
 * Sends a request until it gets the expected answer, as a client with retries would: a server error or a
 * connection that fails (reset, refused: the request may or may not have been handled) is tried again. A
 * function failing after its side effects makes the retry repeat them, which the patterns must absorb.
 * `acceptOnRetry` is an answer that, on a retry, means the first attempt did arrive.
 */
async function retried<T extends { status: number }>(
  pattern: keyof typeof clientRetries,
  expected: number,
  send: () => Promise<T>,
  describe: (response: T) => Promise<string> | string,
  acceptOnRetry?: number,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const response = await send().catch((error: unknown) => {
      if (attempt === MAX_ATTEMPTS) {
        throw error;
      }
      return undefined;
    });
    if (response?.status === expected || (attempt > 1 && response?.status === acceptOnRetry && response)) {
      return response;
    }
    if (response && (!RETRIED_STATUSES.has(response.status) || attempt === MAX_ATTEMPTS)) {
      throw new Error(`${pattern}: expected ${expected}, got ${response.status} ${await describe(response)}`);
    }
    clientRetries[pattern]++;
    await sleep(Math.min(5_000, 100 * 2 ** attempt));
  }
}

/** Calls the API until it answers `expected`, retrying server errors and failed connections. */
export function withRetries(
  pattern: keyof typeof clientRetries,
  expected: number,
  send: () => Promise<BenchResponse>,
): Promise<BenchResponse> {
  return retried(pattern, expected, send, (response) => JSON.stringify(response.json));
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

/** The suite's valid order under another id, its customer and quantity varied by its index. */
export function soakOrder(orderId: string, index: number): Record<string, unknown> {
  return purchaseOrder({
    orderId,
    customerId: `soak-customer-${index % 50}`,
    lines: [
      { sku: 'book-ddia', quantity: 1 + (index % 3), unitPriceCents: 4599 },
      { sku: 'mug-lambda', quantity: 1, unitPriceCents: 1250 },
    ],
  });
}

/** Product events over a fixed set of SKUs, every type, with a deterministic mix. */
export function productEvents(run: string, count: number): Array<CountedEvent & { occurredAt: string }> {
  return Array.from({ length: count }, (_, index) => {
    const sku = `${run}-sku-${index % SKUS}`;
    const eventId = `${run}-event-${index}`;
    const occurredAt = '2026-12-01T10:15:00Z';
    switch (index % 3) {
      case 0:
        return { eventId, sku, type: 'view' as const, occurredAt };
      case 1:
        return { eventId, sku, type: 'review' as const, rating: 1 + (index % 5), occurredAt };
      default:
        return { eventId, sku, type: 'purchase' as const, quantity: 1 + (index % 4), occurredAt };
    }
  });
}

/** Posts events in batches of 100; a retried batch puts its events on the stream again. */
export async function sendEvents(
  api: ApiClient,
  events: ReadonlyArray<CountedEvent & { occurredAt: string }>,
  concurrency: number,
): Promise<void> {
  const batches: Array<typeof events> = [];
  for (let start = 0; start < events.length; start += EVENTS_PER_REQUEST) {
    batches.push(events.slice(start, start + EVENTS_PER_REQUEST));
  }
  await inParallel(batches, concurrency, async (batch) => {
    const response = await withRetries('stream', 202, () =>
      api.call('stream/events', { method: 'POST', body: { events: batch } }),
    );
    const failed = (response.json as { failed?: unknown[] } | undefined)?.failed ?? [];
    if (failed.length > 0) {
      throw new Error(`stream: Kinesis refused ${failed.length} record(s) of a batch even after retrying`);
    }
  });
}

/** Announces a file and uploads it with its presigned URL; answers the file id the client was given. */
export async function dropFile(api: ApiClient, name: string, bytes: Uint8Array): Promise<string> {
  const announced = await withRetries('files', 201, () =>
    api.call('files', {
      method: 'POST',
      body: { filename: name, contentType: 'application/pdf', size: bytes.length },
    }),
  );
  const { fileId, upload } = announced.json as {
    fileId: string;
    upload: { method: string; url: string; headers: Record<string, string> };
  };
  // fetch sets Content-Length itself from the body.
  const { 'Content-Length': _length, ...headers } = upload.headers;
  // A retried upload whose first attempt did arrive meets its own If-None-Match: 412 means the file is there.
  await retried(
    'files',
    200,
    () => fetch(upload.url, { method: upload.method, headers, body: bytes }),
    (response) => response.text(),
    412,
  );
  return fileId;
}
