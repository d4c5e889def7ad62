import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from '../helpers/eventually.ts';
import { purchaseOrder } from '../helpers/orders.ts';
import { callApi, uniqueId } from './api-client.ts';

interface Ticket {
  readonly ticket: string;
  readonly expiresAt: string;
  readonly url: string;
}

async function ticket(): Promise<Ticket> {
  const response = await callApi('push/tickets', { method: 'POST' });
  expect(response.status, response.text).toBe(201);
  return response.json as Ticket;
}

/** A connected client that keeps every message it receives. */
interface Client {
  readonly socket: WebSocket;
  readonly messages: Array<Record<string, unknown>>;
  send(message: unknown): void;
  /** Waits for a message matching `match`. */
  next(match: (message: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
}

function connect(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const messages: Array<Record<string, unknown>> = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    socket.once('unexpected-response', (_request, response) =>
      reject(
        Object.assign(new Error(`handshake refused: ${response.statusCode}`), {
          status: response.statusCode,
        }),
      ),
    );
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        socket,
        messages,
        send: (message) => socket.send(JSON.stringify(message)),
        next: (match, what) =>
          eventually(async () => messages.find(match), { timeoutMs: 30_000, intervalMs: 50, what }),
      }),
    );
  });
}

/** The status a handshake was refused with. */
async function refusal(url: string): Promise<number> {
  try {
    const client = await connect(url);
    client.socket.close();
    return 101;
  } catch (error) {
    return (error as { status?: number }).status ?? 0;
  }
}

describe('real-time push over WebSocket', () => {
  it('refuses a connection without a ticket (401), with an unknown ticket or one already used (403)', async () => {
    const base = inject('target').outputs.WebSocketUrl as string;
    expect(await refusal(base)).toBe(401);
    expect(await refusal(`${base}?ticket=${'A'.repeat(43)}`)).toBe(403);
    const issued = await ticket();
    const client = await connect(issued.url);
    client.socket.close();
    expect(await refusal(issued.url)).toBe(403);
  });

  it('pushes QUEUED, PROCESSING and DONE to a client subscribed to a queued order', async () => {
    const client = await connect((await ticket()).url);
    try {
      const orderId = uniqueId('push');
      client.send({ action: 'subscribe', orderId });
      await client.next((m) => m.type === 'subscribed' && m.orderId === orderId, 'the subscription');
      const sentAt = performance.now();
      const submitted = await callApi('queue/orders', { method: 'POST', body: purchaseOrder({ orderId }) });
      expect(submitted.status, submitted.text).toBe(202);
      await client.next((m) => m.type === 'status' && m.status === 'DONE', 'DONE');
      console.log(
        `push: DONE reached the socket ${Math.round(performance.now() - sentAt)} ms after the POST`,
      );
      const statuses = client.messages.filter((m) => m.type === 'status');
      expect(statuses.map((m) => m.status)).toEqual(['QUEUED', 'PROCESSING', 'DONE']);
      for (const message of statuses) {
        expect(message).toMatchObject({ pattern: 'queue', orderId, at: expect.any(String) });
      }
    } finally {
      client.socket.close();
    }
  });

  it('pushes a CQRS order’s new status, and only to the clients that follow it', async () => {
    const follower = await connect((await ticket()).url);
    const bystander = await connect((await ticket()).url);
    try {
      const placed = await callApi('cqrs/orders', {
        method: 'POST',
        body: {
          customerId: 'customer-42',
          currency: 'EUR',
          lines: [{ sku: 'book', quantity: 1, unitPriceCents: 100 }],
        },
      });
      expect(placed.status, placed.text).toBe(202);
      const { orderId } = placed.json as { orderId: string };
      follower.send({ action: 'subscribe', orderId });
      await follower.next((m) => m.type === 'subscribed', 'the subscription');
      const paid = await callApi(`cqrs/orders/${orderId}/pay`, {
        method: 'POST',
        body: { paymentReference: 'psp:1', expectedVersion: 1 },
      });
      expect(paid.status, paid.text).toBe(202);
      const pushed = await follower.next((m) => m.type === 'status' && m.status === 'PAID', 'PAID');
      expect(pushed).toMatchObject({ pattern: 'cqrs', orderId });
      expect(bystander.messages).toEqual([]);
    } finally {
      follower.socket.close();
      bystander.socket.close();
    }
  });

  it('pushes PROCESSED to a client following a dropped file', async () => {
    const pdf = await readFile('examples/invoice.pdf');
    const announced = await callApi('files', {
      method: 'POST',
      body: { filename: 'invoice.pdf', contentType: 'application/pdf', size: pdf.length },
    });
    expect(announced.status, announced.text).toBe(201);
    const { fileId, upload } = announced.json as {
      fileId: string;
      upload: { method: string; url: string; headers: Record<string, string> };
    };
    const client = await connect((await ticket()).url);
    try {
      client.send({ action: 'subscribe', orderId: fileId });
      await client.next((m) => m.type === 'subscribed', 'the subscription');
      // fetch sets Content-Length from the body; the other signed headers go as given.
      const { 'Content-Length': _length, ...headers } = upload.headers;
      expect((await fetch(upload.url, { method: upload.method, headers, body: pdf })).status).toBe(200);
      const pushed = await client.next(
        (m) => m.type === 'status' && m.status !== 'AWAITING_UPLOAD',
        'the file status',
      );
      expect(pushed).toMatchObject({ pattern: 'file', orderId: fileId, status: 'PROCESSED' });
    } finally {
      client.socket.close();
    }
  });

  it('answers a bad or unknown message on the socket instead of dropping it', async () => {
    const client = await connect((await ticket()).url);
    try {
      client.send({ action: 'subscribe', orderId: '../../etc' });
      const invalid = await client.next((m) => m.type === 'error', 'an error reply');
      expect(invalid.title).toBe('The subscribe message is invalid.');
      client.send({ action: 'dance' });
      await client.next(
        (m) => m.type === 'error' && m.title === 'Unknown action',
        'the unknown action reply',
      );
      client.socket.send('not json');
      await eventually(
        async () =>
          client.messages.filter((m) => m.title === 'Unknown action').length >= 2 ? true : undefined,
        {
          timeoutMs: 10_000,
          what: 'a reply to a message that is not JSON',
        },
      );
    } finally {
      client.socket.close();
    }
  });
});
