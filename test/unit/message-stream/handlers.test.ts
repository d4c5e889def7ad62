import type { PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type {
  ProductEvent,
  ProductStats,
  ProductStatsStore,
  SequencedEvent,
} from '../../../lambda/domain/product-event.ts';
import { eventFingerprint, statsIncrement } from '../../../lambda/domain/product-event.ts';
import { logger } from '../../../lambda/shared/logger.ts';
import type { RejectedRecords, Rejection } from '../../../lambda/shared/sqs-rejected-records.ts';
import { restApiEvent } from '../../helpers/events.ts';

vi.stubEnv('EVENT_STREAM_NAME', 'events');
vi.stubEnv('STATS_TABLE_NAME', 'stats');
vi.stubEnv('APPLIED_EVENTS_TABLE_NAME', 'applied');
vi.stubEnv('FAILURES_QUEUE_URL', 'http://127.0.0.1:1/000000000000/failures');
let publish: typeof import('../../../lambda/message-stream/publish-events.ts').makeHandler;
let ANSWER_MARGIN_MS: number;
let aggregate: typeof import('../../../lambda/message-stream/aggregate-events.ts').makeHandler;
let getStats: typeof import('../../../lambda/message-stream/get-stats.ts').makeHandler;
beforeAll(async () => {
  ({ makeHandler: publish, ANSWER_MARGIN_MS } = await import(
    '../../../lambda/message-stream/publish-events.ts'
  ));
  aggregate = (await import('../../../lambda/message-stream/aggregate-events.ts')).makeHandler;
  getStats = (await import('../../../lambda/message-stream/get-stats.ts')).makeHandler;
});

/**
 * In-memory stats with the store's semantics: an event id applies once; events applied together all or none.
 * Records the order of application and how many writes it took; `together: false` refuses every joint write.
 */
class FakeStats implements ProductStatsStore {
  readonly stats = new Map<string, ProductStats>();
  readonly applied: string[] = [];
  readonly fingerprints = new Map<string, string>();
  writes = 0;
  constructor(private readonly options: { together: boolean } = { together: true }) {}
  async applyTogether(sequenced: readonly SequencedEvent[]) {
    if (!this.options.together || sequenced.some(({ event }) => this.applied.includes(event.eventId))) {
      return 'not applied' as const;
    }
    this.writes++;
    for (const { event, sequenceNumber } of sequenced) {
      this.add(event, sequenceNumber);
    }
    return 'applied' as const;
  }
  async apply(event: ProductEvent, sequenceNumber: string) {
    const applied = this.fingerprints.get(event.eventId);
    if (applied !== undefined && applied !== eventFingerprint(event)) {
      return {
        outcome: 'conflict' as const,
        fingerprint: eventFingerprint(event),
        appliedFingerprint: applied,
        appliedSequenceNumber: 's-applied',
      };
    }
    if (this.applied.includes(event.eventId)) return 'duplicate' as const;
    this.writes++;
    await new Promise((resolve) => setTimeout(resolve, event.type === 'view' ? 5 : 0));
    this.add(event, sequenceNumber);
    return 'applied' as const;
  }
  private add(event: ProductEvent, sequenceNumber: string) {
    this.applied.push(event.eventId);
    this.fingerprints.set(event.eventId, eventFingerprint(event));
    const current = this.stats.get(event.sku) ?? {
      sku: event.sku,
      views: 0,
      reviews: 0,
      ratingSum: 0,
      purchases: 0,
      units: 0,
    };
    const add = statsIncrement(event);
    this.stats.set(event.sku, {
      sku: event.sku,
      views: current.views + add.views,
      reviews: current.reviews + add.reviews,
      ratingSum: current.ratingSum + add.ratingSum,
      purchases: current.purchases + add.purchases,
      units: current.units + add.units,
      lastSequenceNumber: sequenceNumber,
    });
  }
  async find(sku: string) {
    return this.stats.get(sku);
  }
}

const events = [
  { eventId: 'e1', sku: 'book', type: 'view', occurredAt: '2026-11-22T10:00:00Z' },
  { eventId: 'e2', sku: 'mug', type: 'purchase', quantity: 2, occurredAt: '2026-11-22T10:00:01Z' },
  { eventId: 'e3', sku: 'book', type: 'review', rating: 4, occurredAt: '2026-11-22T10:00:02Z' },
];

function kinesisRecord(data: string, sequenceNumber: string, partitionKey: string): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(data).toString('base64'),
      approximateArrivalTimestamp: 1,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/consumer',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/events',
  };
}

/** Rejected records, collected; `nothingRejected` fails a test that rejects one. */
class FakeRejected implements RejectedRecords {
  readonly records: Array<{ sequenceNumber: string; rejection: Rejection }> = [];
  async reject(record: KinesisStreamRecord, rejection: Rejection) {
    this.records.push({ sequenceNumber: record.kinesis.sequenceNumber, rejection });
  }
}
const nothingRejected: RejectedRecords = {
  reject: async (record) => {
    throw new Error(`unexpected rejection of ${record.kinesis.sequenceNumber}`);
  },
};

/** A Lambda context with this much time left, as the runtime gives it. */
const timeLeft = (ms: number) => ({ getRemainingTimeInMillis: () => ms });

describe('POST /stream/events', () => {
  it('retries only the records Kinesis refused, and reports what still failed by index', async () => {
    const calls: string[][] = [];
    let call = 0;
    let clock = 0;
    const handler = publish({
      putRecords: async (records) => {
        calls.push(records.map((record) => JSON.parse(record.data).eventId));
        call++;
        clock += 200;
        return records.map((record, index): PutRecordsResultEntry => {
          const id = JSON.parse(record.data).eventId;
          if (id === 'e3' || (id === 'e2' && call === 1)) {
            return {
              ErrorCode: 'ProvisionedThroughputExceededException',
              ErrorMessage: 'Rate exceeded for shard',
            };
          }
          return { ShardId: 'shardId-000000000000', SequenceNumber: String(100 + call * 10 + index) };
        });
      },
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => clock,
      random: () => 0.999,
    });
    // 4 s, less the second kept to answer: attempts of 200 ms after waits of 100, 200, 400 and 800 ms fit, not 1 s more.
    const result = await handler(
      restApiEvent({ path: '/stream/events', body: JSON.stringify({ events }) }),
      timeLeft(4_000),
    );
    expect(result.statusCode).toBe(202);
    const body = JSON.parse(result.body);
    expect(body.accepted).toBe(2);
    expect(body.failed).toEqual([
      {
        index: 2,
        eventId: 'e3',
        errorCode: 'ProvisionedThroughputExceededException',
        errorMessage: 'Rate exceeded for shard',
      },
    ]);
    expect(calls).toEqual([['e1', 'e2', 'e3'], ['e2', 'e3'], ['e3'], ['e3'], ['e3']]);
    expect(clock).toBeLessThanOrEqual(4_000 - ANSWER_MARGIN_MS);
    expect(body.records[1]).toMatchObject({ index: 1, eventId: 'e2', sequenceNumber: '120' });
  });

  it('answers at once with the refused records when the invocation has no time left for a retry', async () => {
    const sleep = vi.fn(async () => {});
    const handler = publish({
      putRecords: async (records) =>
        records.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' })),
      sleep,
    });
    const result = await handler(
      restApiEvent({ path: '/stream/events', body: JSON.stringify({ events }) }),
      timeLeft(ANSWER_MARGIN_MS),
    );
    expect(result.statusCode).toBe(202);
    expect(JSON.parse(result.body)).toMatchObject({
      accepted: 0,
      failed: [0, 1, 2].map((index) => ({ index, errorCode: 'InternalFailure' })),
    });
    expect(sleep).not.toHaveBeenCalled();
  });

  it('sends nothing when one event is invalid, and names its index', async () => {
    const putRecords = vi.fn();
    const result = await publish({ putRecords, sleep: async () => {} })(
      restApiEvent({
        path: '/stream/events',
        body: JSON.stringify({ events: [events[0], { ...events[2], rating: 9 }] }),
      }),
      timeLeft(25_000),
    );
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).detail).toMatch(/indexes 1\.$/);
    expect(putRecords).not.toHaveBeenCalled();
  });
});

describe('the stream consumer', () => {
  it('applies each SKU’s events of a batch in one write, and reports an unreadable record among them', async () => {
    const stats = new FakeStats();
    const records = [
      kinesisRecord(JSON.stringify(events[0]), '1', 'book'),
      kinesisRecord(JSON.stringify(events[1]), '2', 'mug'),
      kinesisRecord('not json', '3', 'book'),
      kinesisRecord(JSON.stringify(events[2]), '4', 'book'),
    ];
    const response = await aggregate(stats, nothingRejected)(
      { Records: records } as KinesisStreamEvent,
      {} as Context,
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '3' }] });
    expect(stats.writes).toBe(2);
    expect(stats.stats.get('book')).toMatchObject({
      views: 1,
      reviews: 1,
      ratingSum: 4,
      lastSequenceNumber: '4',
    });
    expect(stats.stats.get('mug')).toMatchObject({ purchases: 1, units: 2, lastSequenceNumber: '2' });
  });

  it('applies a SKU’s events one by one, in order, from the first run that holds an event applied before', async () => {
    const stats = new FakeStats();
    await stats.apply(events[2] as ProductEvent, '4');
    const later = { ...events[0], eventId: 'e4' };
    const records = [
      kinesisRecord(JSON.stringify(events[0]), '5', 'book'),
      kinesisRecord(JSON.stringify(events[2]), '6', 'book'),
      kinesisRecord(JSON.stringify(later), '7', 'book'),
      kinesisRecord(JSON.stringify(events[0]), '8', 'book'),
    ];
    const response = await aggregate(stats, nothingRejected)(
      { Records: records } as KinesisStreamEvent,
      {} as Context,
    );
    expect(response).toEqual({ batchItemFailures: [] });
    // e3 was applied before, so e1, e3, e4 could not go together; e1 again starts another run, also refused.
    expect(stats.applied).toEqual(['e3', 'e1', 'e4']);
    expect(stats.stats.get('book')).toMatchObject({ views: 2, reviews: 1, lastSequenceNumber: '7' });
  });

  it('keeps a SKU’s order when one of its events fails: its later events fail with it and apply after its retry', async () => {
    // Record by record (no joint writes), and the store refuses e3 once, as a throttled table would.
    const stats = new FakeStats({ together: false });
    const apply = stats.apply.bind(stats);
    let refusals = 1;
    stats.apply = async (event, sequenceNumber) => {
      if (event.eventId === 'e3' && refusals-- > 0) {
        throw new Error('ProvisionedThroughputExceededException');
      }
      return apply(event, sequenceNumber);
    };
    const later = { ...events[0], eventId: 'e4' };
    const records = [
      kinesisRecord(JSON.stringify(events[0]), '1', 'book'),
      kinesisRecord(JSON.stringify(events[1]), '2', 'mug'),
      kinesisRecord(JSON.stringify(events[2]), '3', 'book'),
      kinesisRecord(JSON.stringify(later), '4', 'book'),
    ];
    const first = await aggregate(stats, nothingRejected)(
      { Records: records } as KinesisStreamEvent,
      {} as Context,
    );
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: '3' }, { itemIdentifier: '4' }] });
    expect([...stats.applied].sort()).toEqual(['e1', 'e2']);

    // Lambda retries from the lowest sequence number reported: e3, then e4, in their order.
    const retry = await aggregate(stats, nothingRejected)(
      { Records: records.slice(2) } as KinesisStreamEvent,
      {} as Context,
    );
    expect(retry).toEqual({ batchItemFailures: [] });
    expect(stats.applied.slice(2)).toEqual(['e3', 'e4']);
    expect(stats.stats.get('book')).toMatchObject({ views: 2, reviews: 1, lastSequenceNumber: '4' });
  });

  it('skips a true redelivery, and sets aside an event that reuses an applied id for other content', async () => {
    const stats = new FakeStats();
    const rejected = new FakeRejected();
    const view = events[0] as ProductEvent;
    await stats.apply(view, '1');
    // The same event again (its keys in another order), then another event under the same id.
    const reordered = Object.fromEntries(Object.entries(view).reverse());
    const reused = { ...view, sku: 'mug' };
    const records = [
      kinesisRecord(JSON.stringify(reordered), '2', view.sku),
      kinesisRecord(JSON.stringify(reused), '3', 'mug'),
    ];
    const response = await aggregate(stats, rejected)(
      { Records: records } as KinesisStreamEvent,
      {} as Context,
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(stats.applied).toEqual([view.eventId]);
    expect(stats.stats.has('mug')).toBe(false);
    expect(rejected.records).toEqual([
      {
        sequenceNumber: '3',
        rejection: {
          code: 'ConflictingEventId',
          reason: expect.stringContaining(
            `Event id ${view.eventId} was applied before for an event with other content`,
          ),
          details: {
            eventId: view.eventId,
            fingerprint: eventFingerprint(reused),
            appliedFingerprint: eventFingerprint(view),
            appliedSequenceNumber: 's-applied',
          },
        },
      },
    ]);
  });

  it('fails a record whose set-aside could not be sent, so that it is retried, not lost', async () => {
    const stats = new FakeStats();
    const view = events[0] as ProductEvent;
    await stats.apply(view, '1');
    const records = [
      kinesisRecord(JSON.stringify({ ...view, sku: 'mug' }), '2', 'mug'),
      kinesisRecord(JSON.stringify(events[1]), '3', 'mug'),
      kinesisRecord(JSON.stringify(events[2]), '4', 'book'),
    ];
    const response = await aggregate(stats, nothingRejected)(
      { Records: records } as KinesisStreamEvent,
      {} as Context,
    );
    // Its SKU's later event waits for it, in order.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }, { itemIdentifier: '3' }] });
  });

  it('splits a SKU’s events into runs of at most 99, and where an event id comes again', async () => {
    const { runsBySku } = await import('../../../lambda/message-stream/apply-by-sku.ts');
    const books = Array.from({ length: 120 }, (_, i) =>
      kinesisRecord(JSON.stringify({ ...events[0], eventId: `v${i}` }), String(i), 'book'),
    );
    const mugs = ['m0', 'm1', 'm0', 'm2'].map((eventId, i) =>
      kinesisRecord(JSON.stringify({ ...events[1], eventId }), String(200 + i), 'mug'),
    );
    const runs = runsBySku([...books, ...mugs]);
    expect(runs.map((skuRuns) => skuRuns.map((run) => run.length))).toEqual([
      [99, 21],
      [2, 2],
    ]);
    expect(
      runs[1]?.map((run) => run.map(({ event, sequenceNumber }) => `${event.eventId}@${sequenceNumber}`)),
    ).toEqual([
      ['m0@200', 'm1@201'],
      ['m0@202', 'm2@203'],
    ]);
  });

  it('applies every event once, a SKU’s events in sequence order, and reports an unreadable record by sequence number', async () => {
    const stats = new FakeStats({ together: false });
    const records = [
      kinesisRecord(JSON.stringify(events[0]), '1', 'book'),
      kinesisRecord(JSON.stringify(events[1]), '2', 'mug'),
      kinesisRecord('not json', '3', 'book'),
      kinesisRecord(JSON.stringify(events[2]), '4', 'book'),
      kinesisRecord(JSON.stringify(events[0]), '5', 'book'),
    ];
    const response = await aggregate(stats, nothingRejected)(
      { Records: records } as KinesisStreamEvent,
      {} as Context,
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '3' }] });
    // e1 is slow (a view) yet e3 of the same SKU waits for it; the duplicate of e1 changes nothing.
    expect(stats.applied.filter((id) => id !== 'e2')).toEqual(['e1', 'e3']);
    expect(stats.stats.get('book')).toMatchObject({
      views: 1,
      reviews: 1,
      ratingSum: 4,
      lastSequenceNumber: '4',
    });
    expect(stats.stats.get('mug')).toMatchObject({ purchases: 1, units: 2 });
  });

  it('reports each record that is not a product event (binary, not JSON, another shape, out of range) and logs why', async () => {
    const warn = vi.spyOn(logger, 'warn');
    const stats = new FakeStats();
    const binary = kinesisRecord('', '12', 'book');
    const records = [
      kinesisRecord('not json', '10', 'book'),
      kinesisRecord(JSON.stringify({ hello: 'world' }), '11', 'book'),
      {
        ...binary,
        kinesis: { ...binary.kinesis, data: Buffer.from([0xff, 0x00, 0xfe, 0x7b]).toString('base64') },
      },
      kinesisRecord(JSON.stringify({ ...events[2], rating: 9 }), '13', 'book'),
      kinesisRecord(JSON.stringify(events[0]), '14', 'book'),
    ];
    const response = await aggregate(stats, nothingRejected)(
      { Records: records } as KinesisStreamEvent,
      {} as Context,
    );
    expect(response.batchItemFailures).toEqual(
      ['10', '11', '12', '13'].map((id) => ({ itemIdentifier: id })),
    );
    expect(stats.applied).toEqual(['e1']);
    for (const sequenceNumber of ['10', '11', '12', '13']) {
      expect(warn).toHaveBeenCalledWith(
        'Stream record failed',
        expect.objectContaining({
          sequenceNumber,
          eventID: `shardId-000000000000:${sequenceNumber}`,
          permanent: true,
          reason: expect.stringMatching(/^ValidationError: /),
        }),
      );
    }
    expect(
      warn.mock.calls.find(([, fields]) => (fields as { sequenceNumber?: string }).sequenceNumber === '13'),
    ).toEqual([
      'Stream record failed',
      expect.objectContaining({ errors: [expect.objectContaining({ pointer: '#/rating' })] }),
    ]);
    warn.mockRestore();
  });
});

describe('GET /stream/stats/{sku}', () => {
  it('shows the average rating and answers 404 for a SKU with no events', async () => {
    const stats = new FakeStats();
    await stats.apply(events[2] as ProductEvent, '9');
    const found = await getStats(stats)(
      restApiEvent({ method: 'GET', path: '/stream/stats/book', pathParameters: { sku: 'book' } }),
    );
    expect(JSON.parse(found.body)).toMatchObject({
      sku: 'book',
      reviews: 1,
      averageRating: 4,
      lastSequenceNumber: '9',
    });
    const missing = await getStats(stats)(
      restApiEvent({ method: 'GET', path: '/stream/stats/none', pathParameters: { sku: 'none' } }),
    );
    expect(missing.statusCode).toBe(404);
  });
});
