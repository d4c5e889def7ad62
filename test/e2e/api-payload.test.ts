import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { purchaseOrder } from '../helpers/orders.ts';
import { callApi, uniqueId } from './api-client.ts';

const MIB = 1024 * 1024;

function anOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return purchaseOrder({ orderId: uniqueId('sync'), ...overrides });
}

function expectProblem(
  response: { headers: Headers; json: unknown },
  status: number,
): Record<string, unknown> {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = response.json as Record<string, unknown>;
  expect(problem.type).toMatch(/^urn:problem:serverless-data-sharing:/);
  expect(typeof problem.title).toBe('string');
  if (problem.status !== undefined) {
    expect(problem.status).toBe(status);
  }
  return problem;
}

describe('POST /sync/orders (API payload, synchronous)', () => {
  it('records an order and answers 201 with the priced record and its Location', async () => {
    const order = anOrder();
    const response = await callApi('sync/orders', { method: 'POST', body: order });

    expect(response.status).toBe(201);
    const recorded = response.json as Record<string, unknown>;
    expect(recorded).toMatchObject({
      orderId: order.orderId,
      customerId: 'customer-42',
      currency: 'EUR',
      totalCents: 2 * 4599 + 1250,
      lines: [
        { sku: 'book-ddia', quantity: 2, unitPriceCents: 4599, lineTotalCents: 9198 },
        { sku: 'mug-lambda', quantity: 1, unitPriceCents: 1250, lineTotalCents: 1250 },
      ],
    });
    expect(Date.parse(String(recorded.recordedAt))).not.toBeNaN();
    expect(recorded).not.toHaveProperty('fingerprint');
    const location = String(response.headers.get('location'));
    expect(location).toMatch(new RegExp(`/sync/orders/${order.orderId}$`));

    // The Location works as it is: it is the URL of the recorded order.
    const readBack = await callApi(location);
    expect(readBack.status).toBe(200);
    expect(readBack.text).toBe(response.text);
  });

  it('answers 200 with the same record when the same order is sent again', async () => {
    const order = anOrder();
    const first = await callApi('sync/orders', { method: 'POST', body: order });
    // Same order, other key order and whitespace: still the same body.
    const again = await callApi('sync/orders', {
      method: 'POST',
      rawBody: JSON.stringify(Object.fromEntries(Object.entries(order).reverse()), null, 2),
      headers: { 'content-type': 'application/json' },
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
  });

  it('records an order once when the same order arrives many times at once', async () => {
    const order = anOrder();
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => callApi('sync/orders', { method: 'POST', body: order })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const recordedAt = new Set(
      responses.map((response) => (response.json as { recordedAt: string }).recordedAt),
    );
    expect(recordedAt.size).toBe(1);
  });

  it('answers 409 when the same orderId comes with another body', async () => {
    const order = anOrder();
    await callApi('sync/orders', { method: 'POST', body: order });
    const response = await callApi('sync/orders', {
      method: 'POST',
      body: { ...order, lines: [{ sku: 'book-ddia', quantity: 3, unitPriceCents: 4599 }] },
    });
    expect(response.status).toBe(409);
    expect(expectProblem(response, 409).detail).toMatch(new RegExp(String(order.orderId)));
    const stored = await callApi(`sync/orders/${order.orderId}`);
    expect((stored.json as { totalCents: number }).totalCents).toBe(10448);
  });

  it('answers 400 naming the missing and unknown fields, and records nothing', async () => {
    const order = anOrder({ couponCode: 'FREE' });
    delete order.customerId;
    const response = await callApi('sync/orders', { method: 'POST', body: order });
    expect(response.status).toBe(400);
    const problem = expectProblem(response, 400);
    expect(JSON.stringify(problem)).toContain('customerId');
    expect(JSON.stringify(problem)).toContain('couponCode');
    expect((await callApi(`sync/orders/${order.orderId}`)).status).toBe(404);
  });

  it('answers 400 for out-of-range numbers and a bad currency', async () => {
    const response = await callApi('sync/orders', {
      method: 'POST',
      body: anOrder({ currency: 'EURO', lines: [{ sku: 'x', quantity: 0, unitPriceCents: -1 }] }),
    });
    expect(response.status).toBe(400);
    expectProblem(response, 400);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await callApi('sync/orders', {
      method: 'POST',
      rawBody: '{"orderId": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expectProblem(response, 400);
  });

  it('keeps an attachment of exactly 1 MiB and reports its size and SHA-256', async () => {
    const bytes = Buffer.alloc(MIB, 7);
    const order = anOrder({
      attachment: {
        filename: 'terms and conditions.pdf',
        contentType: 'application/pdf',
        base64: bytes.toString('base64'),
      },
    });
    const response = await callApi('sync/orders', { method: 'POST', body: order });
    expect(response.status).toBe(201);
    expect((response.json as { attachment: unknown }).attachment).toEqual({
      filename: 'terms and conditions.pdf',
      contentType: 'application/pdf',
      sizeBytes: MIB,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  });

  it('answers 413 for an attachment over 1 MiB decoded, and records nothing', async () => {
    const order = anOrder({
      attachment: {
        filename: 'big.pdf',
        contentType: 'application/pdf',
        base64: Buffer.alloc(MIB + 1).toString('base64'),
      },
    });
    const response = await callApi('sync/orders', { method: 'POST', body: order });
    expect(response.status).toBe(413);
    expectProblem(response, 413);
    expect((await callApi(`sync/orders/${order.orderId}`)).status).toBe(404);
  });
});

describe('GET /sync/orders/{orderId}', () => {
  it('answers 404 problem for an order never recorded', async () => {
    const response = await callApi(`sync/orders/${uniqueId('never')}`);
    expect(response.status).toBe(404);
    expectProblem(response, 404);
  });
});

describe('API keys and routes', () => {
  it('answers 403 without an API key, on every method', async () => {
    const post = await callApi('sync/orders', { method: 'POST', body: anOrder(), apiKey: null });
    const get = await callApi('sync/orders/anything', { apiKey: null });
    expect([post.status, get.status]).toEqual([403, 403]);
    expectProblem(post, 403);
  });

  it('answers 403 with a wrong API key', async () => {
    const response = await callApi('sync/orders/anything', { apiKey: 'not-a-key-0123456789' });
    expect(response.status).toBe(403);
    expectProblem(response, 403);
  });

  it('answers 404 problem for a route that does not exist', async () => {
    const response = await callApi('sync/invoices');
    expect(response.status).toBe(404);
    expectProblem(response, 404);
  });
});

describe('content types', () => {
  it('answers 415 for a body sent as form data, which the edge does not validate', async () => {
    const response = await callApi('sync/orders', {
      method: 'POST',
      rawBody: 'orderId=form-1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(415);
    expectProblem(response, 415);
  });
});
