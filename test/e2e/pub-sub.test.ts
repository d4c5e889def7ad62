import { PublishCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { purchaseOrder, shippingAddress } from '../helpers/orders.ts';
import { callApi, uniqueId } from './api-client.ts';
import { snsClient, sqsClient } from './aws-clients.ts';
import { functionLogRecords } from './function-logs.ts';

const shipTo = shippingAddress;

interface Delivery {
  readonly subscriber: string;
  readonly eventId: string;
  readonly style: string;
  readonly detailsFrom: string;
  readonly details: Record<string, unknown>;
}

async function publish(order: Record<string, unknown>, style?: 'fat' | 'thin') {
  const response = await callApi(`events/orders${style ? `?style=${style}` : ''}`, {
    method: 'POST',
    body: order,
  });
  expect(response.status, response.text).toBe(202);
  return response.json as { orderId: string; eventId: string; deliveries: string };
}

async function deliveries(orderId: string): Promise<Delivery[]> {
  const response = await callApi(`events/orders/${orderId}/deliveries`);
  expect(response.status, response.text).toBe(200);
  return (response.json as { deliveries: Delivery[] }).deliveries;
}

/** Waits until exactly these subscribers have recorded the order's event. */
function deliveredTo(orderId: string, subscribers: readonly string[]): Promise<Delivery[]> {
  const wanted = [...subscribers].sort().join(',');
  return eventually(
    async () => {
      const found = await deliveries(orderId);
      return found
        .map((d) => d.subscriber)
        .sort()
        .join(',') === wanted
        ? found
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 300, what: `deliveries of ${orderId} to ${wanted}` },
  );
}

/**
 * Waits until the order's event, published again `times` times, has reached each subscriber again and been ignored.
 * On the local cloud its subscribers' logs say so; elsewhere (logs in CloudWatch) a fresh order published after the
 * replays is waited for instead: the replays were in the queues before it.
 */
async function replaysIgnored(orderId: string, subscribers: readonly string[], times: number): Promise<void> {
  if (inject('target').name !== 'local') {
    await deliveredTo(
      (await publish(purchaseOrder({ orderId: uniqueId('ps-after-replays') }))).orderId,
      subscribers,
    );
    return;
  }
  const functionNamePart = (subscriber: string) =>
    `PubSub${subscriber[0]?.toUpperCase()}${subscriber.slice(1)}SubscriberFunction`;
  await eventually(
    async () => {
      const ignored = await Promise.all(
        subscribers.map(async (subscriber) =>
          (await functionLogRecords(functionNamePart(subscriber))).filter(
            (record) => record.orderId === orderId && String(record.message).includes('duplicate ignored'),
          ),
        ),
      );
      return ignored.every((records) => records.length >= times) ? true : undefined;
    },
    {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: `${times} replays of ${orderId} ignored by ${subscribers.join()}`,
    },
  );
}

describe('publish/subscribe: one event, a queue per subscriber', () => {
  it('delivers an order to accounting and analytics, and to shipping only when it needs shipping', async () => {
    const digital = await publish(purchaseOrder({ orderId: uniqueId('ps-digital') }));
    const some = await deliveredTo(digital.orderId, ['accounting', 'analytics']);
    // Published once the digital order was processed: had the digital order passed shipping's filter policy, it
    // would have waited in shipping's queue all that time, before this one.
    const shipped = await publish(purchaseOrder({ orderId: uniqueId('ps-shipped'), shipTo }));
    const all = await deliveredTo(shipped.orderId, ['accounting', 'analytics', 'shipping']);
    expect(all.find((d) => d.subscriber === 'shipping')?.details).toEqual({ shipTo, units: 3 });
    expect(all.every((d) => d.eventId === shipped.eventId && d.detailsFrom === 'event')).toBe(true);
    expect(some.find((d) => d.subscriber === 'accounting')?.details).toEqual({
      customerId: 'customer-42',
      currency: 'EUR',
      totalCents: 10_448,
    });
    expect(some.find((d) => d.subscriber === 'analytics')?.details).toEqual({
      totalBand: 'medium',
      currency: 'EUR',
      lineCount: 2,
    });
    // Shipping's filter policy kept the digital order out of its queue: it has delivered the later shipped one.
    expect((await deliveries(digital.orderId)).map((d) => d.subscriber).sort()).toEqual([
      'accounting',
      'analytics',
    ]);
  });

  it('completes a thin event through the publisher’s API: every record holds the fetched details', async () => {
    const thin = await publish(purchaseOrder({ orderId: uniqueId('ps-thin'), shipTo }), 'thin');
    const found = await deliveredTo(thin.orderId, ['accounting', 'analytics', 'shipping']);
    for (const delivery of found) {
      expect(delivery).toMatchObject({ style: 'thin', detailsFrom: 'api' });
    }
    expect(found.find((d) => d.subscriber === 'accounting')?.details).toMatchObject({ totalCents: 10_448 });
    expect(found.find((d) => d.subscriber === 'shipping')?.details).toEqual({ shipTo, units: 3 });
  });

  it('records each delivery once when the same event is published again', async () => {
    const order = purchaseOrder({ orderId: uniqueId('ps-again') });
    await publish(order);
    await deliveredTo(order.orderId as string, ['accounting', 'analytics']);
    await publish(order, 'thin');
    await publish(order);
    await replaysIgnored(order.orderId as string, ['accounting', 'analytics'], 2);
    expect(await deliveries(order.orderId as string)).toHaveLength(2);
  });

  it('dead-letters what one subscriber cannot process, while the others process it', {
    timeout: 90_000,
  }, async () => {
    // A producer bug: the attributes say the order ships, the order has no address. Shipping cannot prepare a shipment.
    const order = purchaseOrder({ orderId: uniqueId('ps-poison') });
    const published = await publish(order);
    await deliveredTo(published.orderId, ['accounting', 'analytics']);
    const recorded = await callApi(`events/orders/${published.orderId}/deliveries`);
    expect(recorded.status).toBe(200);
    const event = {
      eventType: 'OrderPlaced',
      eventId: `OrderPlaced-${published.orderId}-replay`,
      occurredAt: new Date().toISOString(),
      orderId: published.orderId,
      style: 'fat',
      order: { ...order, totalCents: 10_448 },
    };
    await snsClient().send(
      new PublishCommand({
        TopicArn: inject('target').outputs.OrderEventsTopicArn,
        Message: JSON.stringify(event),
        MessageAttributes: {
          eventType: { DataType: 'String', StringValue: 'OrderPlaced' },
          needsShipping: { DataType: 'String', StringValue: 'true' },
          totalBand: { DataType: 'String', StringValue: 'medium' },
        },
      }),
    );
    const sqs = sqsClient();
    const deadLetter = await eventually(
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: inject('target').outputs.ShippingDeadLetterQueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        return Messages.find((message) => message.Body?.includes(event.eventId));
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the poison event in the shipping dead-letter queue' },
    );
    expect(JSON.parse(deadLetter.Body ?? '{}')).toEqual(event);
    // Accounting and analytics saw the replay as the event they had already applied for this order: still one each.
    expect((await deliveries(published.orderId)).map((d) => d.subscriber).sort()).toEqual([
      'accounting',
      'analytics',
    ]);
    // And shipping still serves everyone else.
    const next = await publish(purchaseOrder({ orderId: uniqueId('ps-after'), shipTo }));
    await deliveredTo(next.orderId, ['accounting', 'analytics', 'shipping']);
  });

  it('answers bad requests with problems, and keeps the order API to IAM-signed callers', async () => {
    const invalid = await callApi('events/orders', { method: 'POST', body: purchaseOrder({ lines: [] }) });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain('application/problem+json');
    const badStyle = await callApi('events/orders?style=skinny', { method: 'POST', body: purchaseOrder() });
    expect(badStyle.status).toBe(400);
    const badShip = await callApi('events/orders', {
      method: 'POST',
      body: purchaseOrder({ orderId: uniqueId('ps-bad'), shipTo: { ...shipTo, country: 'England' } }),
    });
    expect(badShip.status).toBe(400);

    const order = purchaseOrder({ orderId: uniqueId('ps-conflict') });
    await publish(order);
    const conflict = await callApi('events/orders', {
      method: 'POST',
      body: { ...order, customerId: 'customer-7' },
    });
    expect(conflict.status).toBe(409);

    // IAM authorization, not the API key: API Gateway answers an unsigned call as it answers an unknown route.
    const withKeyOnly = await callApi(`events/orders/${order.orderId}`);
    expect(withKeyOnly.status).toBe(404);
    expect((withKeyOnly.json as { detail: string }).detail).toContain('SigV4');
    const badlySigned = await callApi(`events/orders/${order.orderId}`, {
      headers: {
        Authorization:
          'AWS4-HMAC-SHA256 Credential=local/20261122/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00',
        'X-Amz-Date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''),
      },
    });
    expect(badlySigned.status).toBe(403);
    expect((await callApi(`events/orders/${uniqueId('ps-none')}/deliveries`)).status).toBe(404);
    expect(
      (await callApi('events/orders', { method: 'POST', body: purchaseOrder(), apiKey: null })).status,
    ).toBe(403);
  });
});
