import { createHash } from 'node:crypto';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { purchaseOrder } from '../helpers/orders.ts';
import { pdfText } from '../helpers/pdf.ts';
import { callApi, uniqueId } from './api-client.ts';
import { sqsClient } from './aws-clients.ts';

const MIB = 1024 * 1024;

interface StatusBody {
  orderId: string;
  status: 'QUEUED' | 'PROCESSING' | 'DONE' | 'FAILED';
  attempts: number;
  totalCents?: number;
  reason?: string;
  receipt?: { url: string; sha256: string; sizeBytes: number; expiresAt: string };
  attachment?: { url: string; sha256: string; sizeBytes: number; filename: string };
}

function anOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return purchaseOrder({ orderId: uniqueId('queue'), ...overrides });
}

/** Polls the status URL until the order is DONE or FAILED. */
async function finalStatus(orderId: string, timeoutMs = 30_000): Promise<StatusBody> {
  return eventually(
    async () => {
      const response = await callApi(`queue/orders/${orderId}`);
      const body = response.json as StatusBody;
      return response.status === 200 && (body.status === 'DONE' || body.status === 'FAILED')
        ? body
        : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `order ${orderId} to finish` },
  );
}

/**
 * Waits until every order is DONE or FAILED, and returns their statuses in order. While the worker works it polls one
 * order at a time, the first not yet finished (fifty polls a round would take the machine's time from the worker
 * being waited for, and the API key's usage plan from the test); then it reads every status again, together.
 */
async function finalStatuses(orderIds: readonly string[], timeoutMs: number): Promise<StatusBody[]> {
  let finished = 0;
  await eventually(
    async () => {
      for (; finished < orderIds.length; finished++) {
        const response = await callApi(`queue/orders/${orderIds[finished]}`);
        const { status } = response.json as StatusBody;
        if (response.status !== 200 || (status !== 'DONE' && status !== 'FAILED')) {
          return undefined;
        }
      }
      return true;
    },
    { timeoutMs, intervalMs: 250, what: `${orderIds.length} orders to finish` },
  );
  const responses = await Promise.all(orderIds.map((orderId) => callApi(`queue/orders/${orderId}`)));
  return responses.map((response) => response.json as StatusBody);
}

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('message queue with a status URL', () => {
  let sqs: SQSClient;
  beforeAll(() => {
    sqs = sqsClient();
  });
  afterAll(() => sqs.destroy());

  it('answers 202 with a status URL, then reports DONE with a receipt PDF showing the total', async () => {
    const order = anOrder();
    const submitted = await callApi('queue/orders', { method: 'POST', body: order });
    expect(submitted.status).toBe(202);
    const body = submitted.json as { orderId: string; status: string; statusUrl: string };
    expect(body).toMatchObject({ orderId: order.orderId, status: 'QUEUED' });
    expect(submitted.headers.get('location')).toBe(body.statusUrl);

    const done = await finalStatus(String(order.orderId));
    expect(done).toMatchObject({ status: 'DONE', attempts: 1, totalCents: 10448 });
    const pdf = await download(String(done.receipt?.url));
    expect(sha256(pdf)).toBe(done.receipt?.sha256);
    expect(pdf.length).toBe(done.receipt?.sizeBytes);
    expect(await pdfText(pdf)).toContain('Total EUR 104.48');
  });

  it('issues one receipt per order for 50 concurrent orders, and a repeated POST changes nothing', async () => {
    const orders = Array.from({ length: 50 }, () => anOrder());
    const responses = await Promise.all(
      orders.map((order) => callApi('queue/orders', { method: 'POST', body: order })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(202));
    const repeated = await callApi('queue/orders', { method: 'POST', body: orders[0] });
    expect(repeated.status).toBe(202);
    expect(repeated.json).toMatchObject({ orderId: orders[0]?.orderId });

    const finals = await finalStatuses(
      orders.map((order) => String(order.orderId)),
      60_000,
    );
    expect(finals.map((status) => status.status)).toEqual(Array(50).fill('DONE'));
    expect(finals.map((status) => status.attempts)).toEqual(Array(50).fill(1));
    expect(new Set(finals.map((status) => status.receipt?.url.split('?')[0])).size).toBe(50);
  });

  it('answers 409 when the orderId comes again with another body', async () => {
    const order = anOrder();
    await callApi('queue/orders', { method: 'POST', body: order });
    const response = await callApi('queue/orders', { method: 'POST', body: { ...order, currency: 'USD' } });
    expect(response.status).toBe(409);
  });

  it('carries a 2 MB attachment by claim check, and it comes out intact', async () => {
    const bytes = Buffer.alloc(2 * MIB);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = (i * 31 + 7) % 256;
    }
    const order = anOrder({
      attachment: {
        filename: 'scan 2.pdf',
        contentType: 'application/pdf',
        base64: bytes.toString('base64'),
      },
    });
    expect((await callApi('queue/orders', { method: 'POST', body: order })).status).toBe(202);
    const done = await finalStatus(String(order.orderId));
    expect(done.status).toBe('DONE');
    expect(done.attachment).toMatchObject({
      filename: 'scan 2.pdf',
      sizeBytes: 2 * MIB,
      sha256: sha256(bytes),
    });
    expect(sha256(await download(String(done.attachment?.url)))).toBe(sha256(bytes));
  });

  it('serves an attachment declared as HTML, and the receipt, as downloads that no browser renders', async () => {
    const html = Buffer.from('<html><script>alert(document.domain)</script></html>');
    const order = anOrder({
      attachment: { filename: 'page.html', contentType: 'text/html', base64: html.toString('base64') },
    });
    expect((await callApi('queue/orders', { method: 'POST', body: order })).status).toBe(202);
    const done = await finalStatus(String(order.orderId));
    expect(done.status).toBe('DONE');
    const attachment = await fetch(String(done.attachment?.url));
    expect(attachment.status).toBe(200);
    expect(attachment.headers.get('content-type')).toBe('application/octet-stream');
    expect(attachment.headers.get('content-disposition')).toMatch(/^attachment; filename="page\.html"/);
    expect(Buffer.from(await attachment.arrayBuffer()).equals(html)).toBe(true);
    const receipt = await fetch(String(done.receipt?.url));
    expect(receipt.headers.get('content-type')).toBe('application/pdf');
    expect(receipt.headers.get('content-disposition')).toMatch(
      new RegExp(`^attachment; filename="receipt-${order.orderId}\\.pdf"`),
    );
  });

  it('answers 413 for an attachment over 4 MiB', async () => {
    const order = anOrder({
      attachment: {
        filename: 'huge.pdf',
        contentType: 'application/pdf',
        base64: Buffer.alloc(4 * MIB + 3).toString('base64'),
      },
    });
    const response = await callApi('queue/orders', { method: 'POST', body: order });
    expect(response.status).toBe(413);
  });

  it('retries a message that always fails, then dead-letters it and reports FAILED with the reason', async () => {
    const orderId = uniqueId('poison');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: inject('target').outputs.OrderQueueUrl,
        MessageBody: JSON.stringify({ orderId, order: { orderId }, recordedAt: new Date().toISOString() }),
      }),
    );
    const failed = await finalStatus(orderId, 45_000);
    // FAILED is recorded on the delivery that reaches maxReceiveCount (3): the message was tried three times.
    expect(failed.status).toBe('FAILED');
    expect(failed.reason).toMatch(/^ValidationError: The purchase order is invalid/);
    const deadLetter = await eventually(
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: inject('target').outputs.OrderDeadLetterQueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        const found = Messages.find((message) => message.Body?.includes(orderId));
        for (const message of Messages) {
          if (message === found) {
            await sqs.send(
              new DeleteMessageCommand({
                QueueUrl: inject('target').outputs.OrderDeadLetterQueueUrl,
                ReceiptHandle: String(message.ReceiptHandle),
              }),
            );
          }
        }
        return found;
      },
      { timeoutMs: 30_000, what: 'the poison message in the DLQ' },
    );
    expect(JSON.parse(String(deadLetter.Body)).orderId).toBe(orderId);
  });

  it('processes the good messages of a batch once when one message in it fails', async () => {
    const good = Array.from({ length: 4 }, () => anOrder());
    const poisonId = uniqueId('poison');
    const recordedAt = new Date().toISOString();
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: inject('target').outputs.OrderQueueUrl,
        Entries: [
          ...good.map((order, index) => ({
            Id: `good${index}`,
            MessageBody: JSON.stringify({ orderId: order.orderId, order, recordedAt }),
          })),
          {
            Id: 'poison',
            MessageBody: JSON.stringify({ orderId: poisonId, order: { orderId: poisonId }, recordedAt }),
          },
        ],
      }),
    );
    const finals = await Promise.all(good.map((order) => finalStatus(String(order.orderId))));
    expect(finals.map((status) => [status.status, status.attempts])).toEqual(Array(4).fill(['DONE', 1]));
    const poison = await finalStatus(poisonId, 45_000);
    expect(poison.status).toBe('FAILED');
    // The good ones were not run again while the bad one was retried.
    const after = await Promise.all(good.map((order) => finalStatus(String(order.orderId))));
    expect(after.map((status) => status.attempts)).toEqual([1, 1, 1, 1]);
  });
});

describe('redriving the dead-letter queue', () => {
  it('sends dead letters back to the order queue, where a valid order is then processed', async () => {
    const { redriveDeadLetters } = await import('../../scripts/redrive-dead-letters.ts');
    const sqs = sqsClient();
    const { OrderQueueUrl, OrderDeadLetterQueueUrl } = inject('target').outputs;
    // An order that failed while, say, a dependency was down, and so sits in the DLQ.
    const order = anOrder();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: OrderDeadLetterQueueUrl,
        MessageBody: JSON.stringify({ orderId: order.orderId, order, recordedAt: new Date().toISOString() }),
      }),
    );
    const moved = await redriveDeadLetters(sqs, {
      from: String(OrderDeadLetterQueueUrl),
      to: String(OrderQueueUrl),
    });
    expect(moved).toBeGreaterThanOrEqual(1);
    expect((await finalStatus(String(order.orderId))).status).toBe('DONE');
    sqs.destroy();
  });
});
