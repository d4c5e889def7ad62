import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { callApi, uniqueId } from './api-client.ts';
import { kinesisClient, sqsClient } from './aws-clients.ts';

type EventType = 'view' | 'review' | 'purchase';

interface Stats {
  sku: string;
  views: number;
  reviews: number;
  averageRating: number | null;
  purchases: number;
  units: number;
  lastEventAt: string | null;
  lastSequenceNumber: string | null;
}

/** The i-th event of a deterministic mix over `skus`: views, reviews rated 1-5, purchases of 1-3 units. */
function event(i: number, skus: readonly string[], prefix: string): Record<string, unknown> {
  const type: EventType = (['view', 'view', 'review', 'purchase'] as const)[i % 4] as EventType;
  return {
    eventId: `${prefix}-${i}`,
    sku: skus[i % skus.length],
    type,
    occurredAt: new Date(Date.UTC(2026, 10, 22, 10, 0, 0) + i * 1000).toISOString(),
    ...(type === 'review' ? { rating: (i % 5) + 1 } : {}),
    ...(type === 'purchase' ? { quantity: (i % 3) + 1 } : {}),
  };
}

/** What the stats must be for a list of events. */
function expectedStats(
  events: ReadonlyArray<Record<string, unknown>>,
): Map<string, Omit<Stats, 'lastEventAt' | 'lastSequenceNumber'>> {
  const stats = new Map<
    string,
    { sku: string; views: number; reviews: number; ratingSum: number; purchases: number; units: number }
  >();
  for (const e of events) {
    const s = stats.get(String(e.sku)) ?? {
      sku: String(e.sku),
      views: 0,
      reviews: 0,
      ratingSum: 0,
      purchases: 0,
      units: 0,
    };
    if (e.type === 'view') s.views++;
    if (e.type === 'review') {
      s.reviews++;
      s.ratingSum += Number(e.rating);
    }
    if (e.type === 'purchase') {
      s.purchases++;
      s.units += Number(e.quantity);
    }
    stats.set(s.sku, s);
  }
  return new Map(
    [...stats].map(([sku, s]) => [
      sku,
      {
        sku,
        views: s.views,
        reviews: s.reviews,
        averageRating: s.reviews ? Math.round((s.ratingSum / s.reviews) * 100) / 100 : null,
        purchases: s.purchases,
        units: s.units,
      },
    ]),
  );
}

async function publish(events: ReadonlyArray<Record<string, unknown>>): Promise<{
  accepted: number;
  failed: unknown[];
  records: Array<{ eventId: string; sequenceNumber: string }>;
}> {
  const response = await callApi('stream/events', { method: 'POST', body: { events } });
  expect(response.status).toBe(202);
  return response.json as {
    accepted: number;
    failed: unknown[];
    records: Array<{ eventId: string; sequenceNumber: string }>;
  };
}

async function stats(sku: string): Promise<Stats | undefined> {
  const response = await callApi(`stream/stats/${sku}`);
  return response.status === 200 ? (response.json as Stats) : undefined;
}

/**
 * Waits until every SKU's counts equal `expected`, and returns the stats. While the consumer works it asks for one
 * SKU at a time, the first not yet matching (requests for every SKU each round would take the machine's time from the
 * consumer being waited for); then it reads every SKU again, together, and they must all match.
 */
/** A message on the consumer's failure queue: Lambda's description of a batch, or a record the consumer set aside. */
interface FailureMessage {
  readonly requestContext?: { readonly condition?: string };
  readonly KinesisBatchInfo?: { readonly shardId?: string; readonly startSequenceNumber?: string };
  readonly code?: string;
  readonly reason?: string;
  readonly eventId?: string;
  readonly rejectedRecord?: { readonly data: string; readonly partitionKey: string };
}

/** Waits for the message on the consumer's failure queue whose JSON body `matches`, deletes it and returns the body. */
async function takeFailure(
  matches: (body: FailureMessage) => boolean,
  what: string,
): Promise<FailureMessage> {
  const sqs = sqsClient();
  const queueUrl = inject('target').outputs.EventConsumerFailuresQueueUrl;
  try {
    const message = await eventually(
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const mine = Messages.find((candidate) => matches(JSON.parse(String(candidate.Body))));
        if (mine) {
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: String(mine.ReceiptHandle) }),
          );
        }
        return mine;
      },
      { timeoutMs: 60_000, what },
    );
    return JSON.parse(String(message.Body));
  } finally {
    sqs.destroy();
  }
}

async function statsMatching(expected: Map<string, object>, timeoutMs = 90_000): Promise<Map<string, Stats>> {
  const skus = [...expected.keys()];
  let matched = 0;
  let last: Stats | undefined;
  await eventually(
    async () => {
      for (; matched < skus.length; matched++) {
        const sku = skus[matched] as string;
        last = await stats(sku);
        if (last === undefined || JSON.stringify(counts(last)) !== JSON.stringify(expected.get(sku))) {
          return undefined;
        }
      }
      return true;
    },
    { timeoutMs, intervalMs: 250, what: 'the stats to match the events sent' },
  ).catch((error: Error) => {
    const sku = skus[matched] as string;
    throw new Error(
      `${error.message}: ${matched} of ${skus.length} SKUs matched; ${sku} had ${JSON.stringify(last && counts(last))}, not ${JSON.stringify(expected.get(sku))}`,
    );
  });
  const all = await Promise.all(skus.map(stats));
  expect(all.map((s) => s && counts(s))).toEqual(skus.map((sku) => expected.get(sku)));
  return new Map(all.map((s) => [(s as Stats).sku, s as Stats]));
}

function counts(s: Stats) {
  return {
    sku: s.sku,
    views: s.views,
    reviews: s.reviews,
    averageRating: s.averageRating,
    purchases: s.purchases,
    units: s.units,
  };
}

describe('message stream (Kinesis) with per-SKU statistics', () => {
  it('counts 2,000 events sent at once over 50 SKUs exactly, and applies each SKU’s events in sequence order', {
    timeout: 180_000,
  }, async () => {
    const run = uniqueId('s');
    const skus = Array.from({ length: 50 }, (_, i) => `${run}-sku-${i}`);
    // Exact counting is the point, not the volume: four requests of 500 events (the most one takes), sent at once,
    // are at least 20 consumer batches over both shards, 40 events per SKU interleaved across requests and batches.
    const events = Array.from({ length: 2_000 }, (_, i) => event(i, skus, run));
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, part) => publish(events.slice(part * 500, part * 500 + 500))),
    );
    expect(results.map((r) => r.accepted)).toEqual(Array(4).fill(500));

    const final = await statsMatching(expectedStats(events), 150_000);
    // Ordered per SKU: the last event applied is the one with the SKU's highest sequence number.
    const records = results.flatMap((r) => r.records);
    for (const sku of skus.slice(0, 5)) {
      const sequences = records
        .filter((record) => events.find((e) => e.eventId === record.eventId)?.sku === sku)
        .map((record) => BigInt(record.sequenceNumber));
      const highest = sequences.reduce((a, b) => (a > b ? a : b));
      expect(final.get(sku)?.lastSequenceNumber).toBe(highest.toString());
    }
  });

  it('leaves the stats unchanged when the same events are sent again', { timeout: 120_000 }, async () => {
    const run = uniqueId('d');
    const skus = [`${run}-a`, `${run}-b`];
    const events = Array.from({ length: 40 }, (_, i) => event(i, skus, run));
    await publish(events);
    const before = await statsMatching(expectedStats(events));
    await publish(events);
    // A fresh event per SKU after the duplicates: once it is counted, the duplicates before it were read too.
    const sentinels = skus.map((sku, i) => ({
      ...event(4 * i, [sku], `${run}-sentinel`),
      type: 'view',
      sku,
    }));
    await publish(sentinels);
    const after = await statsMatching(expectedStats([...events, ...sentinels]));
    for (const sku of skus) {
      expect(after.get(sku)?.views).toBe((before.get(sku)?.views ?? 0) + 1);
      expect(after.get(sku)?.purchases).toBe(before.get(sku)?.purchases);
    }
  });

  it('sends a poison record’s batch description to the failure queue, counts everything else once, and is not blocked', {
    timeout: 120_000,
  }, async () => {
    const run = uniqueId('p');
    const sku = `${run}-sku`;
    const first = Array.from({ length: 10 }, (_, i) => event(i, [sku], run));
    await publish(first);
    const kinesis = kinesisClient();
    const poison = await kinesis.send(
      new PutRecordCommand({
        StreamName: inject('target').outputs.EventStreamName,
        PartitionKey: sku,
        Data: Buffer.from('not an event'),
      }),
    );
    const later = Array.from({ length: 10 }, (_, i) => event(100 + i, [sku], run));
    await publish(later);

    await statsMatching(expectedStats([...first, ...later]));
    const record = await takeFailure(
      (body) => body.KinesisBatchInfo?.startSequenceNumber === poison.SequenceNumber,
      'the poison batch on the failure queue',
    );
    expect(record.requestContext?.condition).toBe('RetryAttemptsExhausted');
    expect(record.KinesisBatchInfo).toMatchObject({
      shardId: poison.ShardId,
      startSequenceNumber: poison.SequenceNumber,
    });
    expect(record).not.toHaveProperty('Records');
    kinesis.destroy();
  });

  it('counts a resent event once, and sets aside an event that reuses an applied id for other content', {
    timeout: 120_000,
  }, async () => {
    const run = uniqueId('r');
    const sku = `${run}-sku`;
    const original = event(0, [sku], run);
    await publish([original]);
    await statsMatching(expectedStats([original]));
    // The same event again: a client's retry. Then the same id for another event.
    const reused = { ...original, type: 'purchase', quantity: 3 };
    await publish([original, reused]);
    const body = await takeFailure(
      (message) => message.eventId === original.eventId,
      'the reused event id on the failure queue',
    );
    expect(body.code).toBe('ConflictingEventId');
    expect(body.reason).toContain(
      `Event id ${original.eventId} was applied before for an event with other content`,
    );
    expect(JSON.parse(Buffer.from(body.rejectedRecord?.data ?? '', 'base64').toString('utf8'))).toEqual(
      reused,
    );
    expect(body.rejectedRecord?.partitionKey).toBe(sku);
    // Counted once, as a view: neither the resend nor the reuse changed the stats.
    await statsMatching(expectedStats([original]));
  });

  it('answers 400 naming the invalid events by index, and sends none of the batch', async () => {
    const run = uniqueId('v');
    const good = event(0, [`${run}-sku`], run);
    const response = await callApi('stream/events', {
      method: 'POST',
      body: {
        events: [
          good,
          { ...event(2, [`${run}-sku`], run), rating: 7 },
          { ...good, eventId: `${run}-x`, type: 'click' },
        ],
      },
    });
    expect(response.status).toBe(400);
    expect((response.json as { detail: string }).detail).toMatch(/indexes 1, 2/);
    expect((await callApi(`stream/stats/${run}-sku`)).status).toBe(404);
  });

  it('answers 400 at the edge for an empty batch or one over 500 events', async () => {
    expect((await callApi('stream/events', { method: 'POST', body: { events: [] } })).status).toBe(400);
    const tooMany = Array.from({ length: 501 }, (_, i) => event(i, ['x'], 'too-many'));
    expect((await callApi('stream/events', { method: 'POST', body: { events: tooMany } })).status).toBe(400);
  });
});
