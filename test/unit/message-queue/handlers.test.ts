import type { Context, SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { DownloadHeaders } from '../../../lambda/domain/download.ts';
import type { OrderStatus, OrderStatusStore } from '../../../lambda/domain/queued-order.ts';
import { logger } from '../../../lambda/shared/logger.ts';
import { restApiEvent, sqsRecord } from '../../helpers/events.ts';

// Lambda sets AWS_REGION in every function's environment; the S3 client reads it at init.
vi.stubEnv('AWS_REGION', 'eu-west-1');
vi.stubEnv('ORDER_STATUS_TABLE_NAME', 'statuses');
vi.stubEnv('ORDER_QUEUE_URL', 'http://127.0.0.1:1/000000000000/orders');
vi.stubEnv('CLAIM_CHECK_BUCKET_NAME', 'claims');
vi.stubEnv('RECEIPTS_BUCKET_NAME', 'receipts');
vi.stubEnv('MAX_RECEIVE_COUNT', '3');
let submit: typeof import('../../../lambda/message-queue/submit-order.ts').makeHandler;
let getStatus: typeof import('../../../lambda/message-queue/get-status.ts').makeHandler;
let processOrders: typeof import('../../../lambda/message-queue/process-orders.ts').makeHandler;
beforeAll(async () => {
  submit = (await import('../../../lambda/message-queue/submit-order.ts')).makeHandler;
  getStatus = (await import('../../../lambda/message-queue/get-status.ts')).makeHandler;
  processOrders = (await import('../../../lambda/message-queue/process-orders.ts')).makeHandler;
});

/** In-memory statuses with the store's conditional semantics: DONE never changes. */
class FakeStatuses implements OrderStatusStore {
  readonly items = new Map<string, OrderStatus>();
  async create(status: OrderStatus) {
    const existing = this.items.get(status.orderId);
    if (existing) return { outcome: 'exists' as const, existing };
    this.items.set(status.orderId, status);
    return { outcome: 'created' as const };
  }
  async markSent(orderId: string) {
    this.update(orderId, { sent: true });
  }
  async find(orderId: string) {
    return this.items.get(orderId);
  }
  async startProcessing(orderId: string, at: Date) {
    const current = this.items.get(orderId);
    if (current?.status === 'DONE') return false;
    this.items.set(orderId, {
      ...(current ?? { orderId, fingerprint: '', queuedAt: at.toISOString(), sent: true }),
      status: 'PROCESSING',
      updatedAt: at.toISOString(),
      attempts: (current?.attempts ?? 0) + 1,
    } as OrderStatus);
    return true;
  }
  async markDone(orderId: string, result: Partial<OrderStatus>, at: Date) {
    this.update(orderId, { ...result, status: 'DONE', updatedAt: at.toISOString() });
  }
  async markFailed(orderId: string, reason: string, at: Date) {
    const current = this.items.get(orderId);
    this.items.set(orderId, {
      ...(current ?? { orderId, fingerprint: '', queuedAt: at.toISOString(), sent: true }),
      status: 'FAILED',
      reason,
      updatedAt: at.toISOString(),
    } as OrderStatus);
  }
  private update(orderId: string, change: Partial<OrderStatus>) {
    const current = this.items.get(orderId);
    if (current && current.status !== 'DONE') this.items.set(orderId, { ...current, ...change });
  }
}

const order = {
  orderId: 'order-42',
  customerId: 'customer-1',
  currency: 'EUR',
  placedAt: '2026-11-22T10:15:00Z',
  lines: [{ sku: 'book', quantity: 2, unitPriceCents: 1500 }],
};
const now = () => new Date('2026-11-22T11:00:00Z');
const context = {} as Context;

/** SQS's rule for a message body: XML 1.0 characters only, else the whole send fails (InvalidMessageContents). */
const SQS_BODY = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;

describe('POST /queue/orders', () => {
  it('queues any order it accepts, noncharacters and emoji in the attachment name included', async () => {
    const statuses = new FakeStatuses();
    const sent: string[] = [];
    const handler = submit({
      statuses,
      send: async (body) => {
        if (!SQS_BODY.test(body)) throw new Error('InvalidMessageContents: Invalid characters found.');
        sent.push(body);
      },
      claims: { bucket: 'claims', put: async () => {} },
      now,
    });
    const attachment = {
      filename: 'scan \uffff 😀.pdf',
      contentType: 'application/pdf',
      base64: 'JVBERi0xLjcK',
    };
    const result = await handler(
      restApiEvent({ path: '/queue/orders', body: JSON.stringify({ ...order, attachment }) }),
    );
    expect(result.statusCode).toBe(202);
    expect(JSON.parse(sent[0] as string).order.attachment).toEqual(attachment);
    expect(statuses.items.get('order-42')?.sent).toBe(true);
  });

  it('answers 202 with the status URL in the body and Location, and sends the order once', async () => {
    const statuses = new FakeStatuses();
    const sent: string[] = [];
    const handler = submit({
      statuses,
      send: async (body) => void sent.push(body),
      claims: { bucket: 'claims', put: async () => {} },
      now,
    });
    const result = await handler(restApiEvent({ path: '/queue/orders', body: JSON.stringify(order) }));
    expect(result.statusCode).toBe(202);
    const statusUrl = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/queue/orders/order-42';
    expect(JSON.parse(result.body)).toEqual({ orderId: 'order-42', status: 'QUEUED', statusUrl });
    expect(result.headers?.Location).toBe(statusUrl);
    expect(JSON.parse(sent[0] as string)).toEqual({
      orderId: 'order-42',
      order,
      recordedAt: '2026-11-22T11:00:00.000Z',
    });
    expect(statuses.items.get('order-42')?.sent).toBe(true);

    const again = await handler(restApiEvent({ path: '/queue/orders', body: JSON.stringify(order) }));
    expect(again.statusCode).toBe(202);
    expect(sent).toHaveLength(1);
  });

  it('resends an order whose first send failed, when the client retries', async () => {
    const statuses = new FakeStatuses();
    let failing = true;
    const sent: string[] = [];
    const handler = submit({
      statuses,
      send: async (body) => {
        if (failing) throw new Error('queue unavailable');
        sent.push(body);
      },
      claims: { bucket: 'claims', put: async () => {} },
      now,
    });
    expect(
      (await handler(restApiEvent({ path: '/queue/orders', body: JSON.stringify(order) }))).statusCode,
    ).toBe(500);
    failing = false;
    expect(
      (await handler(restApiEvent({ path: '/queue/orders', body: JSON.stringify(order) }))).statusCode,
    ).toBe(202);
    expect(sent).toHaveLength(1);
  });

  it('answers 409 for the same orderId with another body', async () => {
    const statuses = new FakeStatuses();
    const handler = submit({
      statuses,
      send: async () => {},
      claims: { bucket: 'claims', put: async () => {} },
      now,
    });
    await handler(restApiEvent({ path: '/queue/orders', body: JSON.stringify(order) }));
    const result = await handler(
      restApiEvent({ path: '/queue/orders', body: JSON.stringify({ ...order, currency: 'USD' }) }),
    );
    expect(result.statusCode).toBe(409);
  });

  it('stores an order too big for a message in S3 and sends a claim check', async () => {
    const stored = new Map<string, string>();
    const sent: string[] = [];
    const attachment = {
      filename: 'a.pdf',
      contentType: 'application/pdf',
      base64: Buffer.alloc(800_000).toString('base64'),
    };
    const handler = submit({
      statuses: new FakeStatuses(),
      send: async (body) => void sent.push(body),
      claims: { bucket: 'claims', put: async (key, body) => void stored.set(key, String(body)) },
      now,
    });
    await handler(restApiEvent({ path: '/queue/orders', body: JSON.stringify({ ...order, attachment }) }));
    expect(JSON.parse(sent[0] as string)).toEqual({
      orderId: 'order-42',
      claimCheck: { bucket: 'claims', key: 'claims/order-42.json' },
    });
    expect(JSON.parse(stored.get('claims/order-42.json') as string).order.attachment.base64).toBe(
      attachment.base64,
    );
  });
});

describe('the queue worker', () => {
  function worker(
    statuses: FakeStatuses,
    extra: {
      receipts?: Map<string, Uint8Array | string>;
      /** The headers each document was stored with, by key. */
      storedHeaders?: Map<string, unknown>;
      delays?: Array<[string, number]>;
      claims?: Map<string, string>;
      /** Receipt keys whose upload fails, as when S3 is briefly unavailable. */
      failingKeys?: string[];
    } = {},
  ) {
    const receipts = extra.receipts ?? new Map();
    return processOrders({
      statuses,
      receipts: {
        put: async (key, body, _contentType, download) => {
          if (extra.failingKeys?.includes(key)) throw new Error('S3 is unavailable');
          receipts.set(key, body);
          extra.storedHeaders?.set(key, download);
        },
      },
      claims: { getText: async (key) => extra.claims?.get(key) ?? '' },
      delayRetry: async (handle, seconds) => void extra.delays?.push([handle, seconds]),
      maxReceiveCount: 3,
      now,
    });
  }
  const message = (body: unknown = order) =>
    JSON.stringify({ orderId: order.orderId, order: body, recordedAt: '2026-11-22T11:00:00.000Z' });

  it('renders the receipt into S3 and marks the order DONE', async () => {
    const statuses = new FakeStatuses();
    const receipts = new Map<string, Uint8Array | string>();
    const response = await worker(statuses, { receipts })(
      { Records: [sqsRecord(message())] } as SQSEvent,
      context,
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(statuses.items.get('order-42')).toMatchObject({
      status: 'DONE',
      totalCents: 3000,
      receipt: { key: 'orders/order-42/receipt.pdf' },
    });
    expect(
      Buffer.from(receipts.get('orders/order-42/receipt.pdf') as Uint8Array)
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });

  it('stores an attachment declared as HTML as an attachment of opaque bytes, and the receipt as a PDF download', async () => {
    const statuses = new FakeStatuses();
    const storedHeaders = new Map<string, unknown>();
    const attachment = {
      filename: 'page.html',
      contentType: 'text/html',
      base64: Buffer.from('<script>alert(document.domain)</script>').toString('base64'),
    };
    await worker(statuses, { storedHeaders })(
      { Records: [sqsRecord(message({ ...order, attachment }))] } as SQSEvent,
      context,
    );
    expect(statuses.items.get('order-42')?.status).toBe('DONE');
    expect(storedHeaders.get('orders/order-42/attachment/page.html')).toEqual({
      contentType: 'application/octet-stream',
      contentDisposition: `attachment; filename="page.html"; filename*=UTF-8''page.html`,
    });
    expect(storedHeaders.get('orders/order-42/receipt.pdf')).toMatchObject({
      contentType: 'application/pdf',
    });
  });

  it('changes nothing for a duplicate delivery of a DONE order', async () => {
    const statuses = new FakeStatuses();
    await worker(statuses)({ Records: [sqsRecord(message())] } as SQSEvent, context);
    const done = statuses.items.get('order-42');
    const receipts = new Map<string, Uint8Array | string>();
    await worker(statuses, { receipts })({ Records: [sqsRecord(message())] } as SQSEvent, context);
    expect(receipts.size).toBe(0);
    expect(statuses.items.get('order-42')).toEqual(done);
  });

  it('reports only the failing record, and delays its retry with backoff', async () => {
    const statuses = new FakeStatuses();
    const delays: Array<[string, number]> = [];
    const good = sqsRecord(
      JSON.stringify({
        orderId: 'order-43',
        order: { ...order, orderId: 'order-43' },
        recordedAt: '2026-11-22T11:00:00.000Z',
      }),
    );
    const failing = sqsRecord(message(), 2);
    const response = await worker(statuses, { delays, failingKeys: ['orders/order-42/receipt.pdf'] })(
      { Records: [good, failing] } as SQSEvent,
      context,
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: failing.messageId }] });
    expect(delays).toEqual([['rh-2', 4]]);
    expect(statuses.items.get('order-43')?.status).toBe('DONE');
    expect(statuses.items.get('order-42')?.status).toBe('PROCESSING');
  });

  it('marks FAILED with the reason on the last attempt and releases the message to the DLQ at once', async () => {
    const statuses = new FakeStatuses();
    const delays: Array<[string, number]> = [];
    const last = sqsRecord(message(), 3);
    // Every record failed: still a partial batch response naming each, not a function error.
    const response = await worker(statuses, { delays, failingKeys: ['orders/order-42/receipt.pdf'] })(
      { Records: [last] } as SQSEvent,
      context,
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: last.messageId }] });
    expect(statuses.items.get('order-42')).toMatchObject({
      status: 'FAILED',
      reason: 'Error: S3 is unavailable',
    });
    expect(delays).toEqual([['rh-3', 0]]);
  });

  it('fails every message that is not a valid order message, says why by message id, and releases it at once', async () => {
    const statuses = new FakeStatuses();
    const delays: Array<[string, number]> = [];
    const warn = vi.spyOn(logger, 'warn');
    const good = sqsRecord(message());
    const bad = [
      'not json',
      '',
      'null',
      '[1,2]',
      JSON.stringify({ hello: 'world' }),
      JSON.stringify({
        orderId: 'order-44',
        order: { ...order, orderId: 'order-44' },
        recordedAt: 'yesterday',
      }),
      message({ ...order, lines: [] }),
      JSON.stringify({ orderId: 'order-45', claimCheck: { bucket: 'claims' } }),
    ].map((body) => sqsRecord(body));
    const response = await worker(statuses, { delays })({ Records: [good, ...bad] } as SQSEvent, context);
    expect(response.batchItemFailures).toEqual(bad.map((record) => ({ itemIdentifier: record.messageId })));
    expect(statuses.items.get('order-42')?.status).toBe('DONE');
    // No backoff for a message no attempt can fix: SQS dead-letters it after maxReceiveCount quick receives.
    expect(delays).toEqual(bad.map(() => ['rh-1', 0]));
    for (const record of bad) {
      expect(warn).toHaveBeenCalledWith(
        'Order failed',
        expect.objectContaining({
          messageId: record.messageId,
          receiveCount: 1,
          permanent: true,
          reason: expect.stringMatching(/^ValidationError: /),
          errors: expect.arrayContaining([expect.objectContaining({ pointer: expect.any(String) })]),
        }),
      );
    }
    warn.mockRestore();
  });

  it('marks FAILED only an order id an order could have: a broken message names none', async () => {
    const statuses = new FakeStatuses();
    const delays: Array<[string, number]> = [];
    const records = [
      sqsRecord(JSON.stringify({ orderId: '', order: {}, recordedAt: '2026-11-22T11:00:00Z' }), 3),
      sqsRecord(JSON.stringify({ orderId: 'x'.repeat(3000), order: {} }), 3),
      sqsRecord(JSON.stringify({ orderId: 'order-46', order: { orderId: 'order-46' } }), 3),
    ];
    await worker(statuses, { delays })({ Records: records } as SQSEvent, context);
    expect([...statuses.items.keys()]).toEqual(['order-46']);
    expect(statuses.items.get('order-46')).toMatchObject({
      status: 'FAILED',
      reason: expect.stringMatching(/^ValidationError/),
    });
    expect(delays).toEqual([
      ['rh-3', 0],
      ['rh-3', 0],
      ['rh-3', 0],
    ]);
  });

  it('reads an order from its claim check', async () => {
    const statuses = new FakeStatuses();
    const claims = new Map([['claims/order-42.json', message()]]);
    const body = JSON.stringify({
      orderId: 'order-42',
      claimCheck: { bucket: 'claims', key: 'claims/order-42.json' },
    });
    await worker(statuses, { claims })({ Records: [sqsRecord(body)] } as SQSEvent, context);
    expect(statuses.items.get('order-42')?.status).toBe('DONE');
  });
});

describe('GET /queue/orders/{orderId}', () => {
  const served = new Map<string, DownloadHeaders>();
  const receipts = {
    downloadUrl: async (key: string, _now: Date, headers: DownloadHeaders) => {
      served.set(key, headers);
      return { url: `https://s3.example/${key}?signed`, expiresAt: '2026-11-22T11:15:00.000Z' };
    },
  };
  const event = (orderId: string) =>
    restApiEvent({ method: 'GET', path: `/queue/orders/${orderId}`, pathParameters: { orderId } });

  it('gives DONE orders a download link with the receipt checksum', async () => {
    const statuses = new FakeStatuses();
    statuses.items.set('o1', {
      orderId: 'o1',
      status: 'DONE',
      fingerprint: 'f',
      queuedAt: 'q',
      updatedAt: 'u',
      sent: true,
      attempts: 1,
      totalCents: 5,
      currency: 'EUR',
      receipt: { key: 'orders/o1/receipt.pdf', sha256: 'abc', sizeBytes: 10 },
    });
    const result = await getStatus({ statuses, receipts, now })(event('o1'));
    expect(JSON.parse(result.body)).toMatchObject({
      status: 'DONE',
      receipt: { url: 'https://s3.example/orders/o1/receipt.pdf?signed', sha256: 'abc', sizeBytes: 10 },
    });
  });

  it('links the receipt and the attachment as downloads of inert types, whatever type the client declared', async () => {
    const statuses = new FakeStatuses();
    statuses.items.set('o4', {
      orderId: 'o4',
      status: 'DONE',
      fingerprint: 'f',
      queuedAt: 'q',
      updatedAt: 'u',
      sent: true,
      receipt: { key: 'orders/o4/receipt.pdf', sha256: 'abc', sizeBytes: 10 },
      attachment: {
        key: 'orders/o4/attachment/page.html',
        filename: 'page.html',
        contentType: 'text/html',
        sha256: 'def',
        sizeBytes: 20,
      },
    });
    const body = JSON.parse((await getStatus({ statuses, receipts, now })(event('o4'))).body);
    expect(body.attachment).toMatchObject({ filename: 'page.html', contentType: 'text/html' });
    expect(served.get('orders/o4/attachment/page.html')).toEqual({
      contentType: 'application/octet-stream',
      contentDisposition: `attachment; filename="page.html"; filename*=UTF-8''page.html`,
    });
    expect(served.get('orders/o4/receipt.pdf')).toEqual({
      contentType: 'application/pdf',
      contentDisposition: `attachment; filename="receipt-o4.pdf"; filename*=UTF-8''receipt-o4.pdf`,
    });
  });

  it('gives FAILED orders their reason, and unknown ones 404', async () => {
    const statuses = new FakeStatuses();
    statuses.items.set('o2', {
      orderId: 'o2',
      status: 'FAILED',
      fingerprint: 'f',
      queuedAt: 'q',
      updatedAt: 'u',
      sent: true,
      reason: 'ValidationError: bad',
    });
    expect(JSON.parse((await getStatus({ statuses, receipts, now })(event('o2'))).body)).toMatchObject({
      status: 'FAILED',
      reason: 'ValidationError: bad',
    });
    expect((await getStatus({ statuses, receipts, now })(event('o3'))).statusCode).toBe(404);
  });
});
