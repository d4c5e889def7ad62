import type { PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import {
  putRecordsWithRetries,
  retryDelayMs,
  type StreamRecord,
} from '../../../lambda/message-stream/put-records-with-retries.ts';

const records: StreamRecord[] = ['a', 'b', 'c'].map((key) => ({
  partitionKey: key,
  data: `{"sku":"${key}"}`,
}));
const written = (sequenceNumber: string): PutRecordsResultEntry => ({
  ShardId: 'shardId-0',
  SequenceNumber: sequenceNumber,
});
const throttled: PutRecordsResultEntry = {
  ErrorCode: 'ProvisionedThroughputExceededException',
  ErrorMessage: 'Rate exceeded for shard shardId-0',
};

describe('retryDelayMs', () => {
  it('waits up to 100 ms before the first retry, doubling up to a second, never less than 0', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((retry) => retryDelayMs(retry, () => 0.9999))).toEqual([
      99, 199, 399, 799, 999, 999, 999,
    ]);
    expect(retryDelayMs(3, () => 0)).toBe(0);
    expect(retryDelayMs(3, () => 0.5)).toBe(400);
  });
});

describe('putRecordsWithRetries', () => {
  it('sends each refused record again until it is written, and answers every outcome in the records’ order', async () => {
    const sent: string[][] = [];
    const outcomes = await putRecordsWithRetries(records, {
      putRecords: async (batch) => {
        sent.push(batch.map((record) => record.partitionKey));
        return batch.map((record) =>
          record.partitionKey === 'b' && sent.length < 3
            ? throttled
            : written(`${record.partitionKey}${sent.length}`),
        );
      },
      sleep: async () => {},
      now: () => 0,
      random: () => 0.5,
      deadline: 10_000,
    });
    expect(sent).toEqual([['a', 'b', 'c'], ['b'], ['b']]);
    expect(outcomes).toEqual([
      { shardId: 'shardId-0', sequenceNumber: 'a1' },
      { shardId: 'shardId-0', sequenceNumber: 'b3' },
      { shardId: 'shardId-0', sequenceNumber: 'c1' },
    ]);
  });

  it('starts no attempt that, as slow as the slowest so far, would end after the deadline', async () => {
    let clock = 0;
    const attemptsStartedAt: number[] = [];
    const outcomes = await putRecordsWithRetries(records, {
      putRecords: async (batch) => {
        attemptsStartedAt.push(clock);
        clock += attemptsStartedAt.length === 1 ? 3_000 : 1_000;
        return batch.map(() => throttled);
      },
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => clock,
      random: () => 0.9999,
      deadline: 10_000,
    });
    // The first attempt takes 3 s: retries after waits of 0.1, 0.2 and 0.4 s still end by 10 s if as slow; after the
    // fourth (ends at 6.7 s), 0.8 s of wait and 3 s of attempt would not.
    expect(attemptsStartedAt).toEqual([0, 3_099, 4_298, 5_697]);
    expect(clock).toBeLessThanOrEqual(10_000);
    expect(outcomes.every((outcome) => 'errorCode' in outcome)).toBe(true);
    expect(outcomes[0]).toEqual({
      errorCode: 'ProvisionedThroughputExceededException',
      errorMessage: 'Rate exceeded for shard shardId-0',
    });
  });
});
