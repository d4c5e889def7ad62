import { describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/helpers/eventually.ts';
import {
  type ShardInfo,
  type ShardReader,
  type ShardRecord,
  StreamEventSource,
  type StreamEventSourceSettings,
} from '../../src/event-sources/stream-event-source.ts';
import type { FunctionInvoker } from '../../src/lambda/types.ts';

/** One open shard that holds what the test appends; an iterator is the index of the next record. */
class AppendableStream implements ShardReader {
  readonly streamArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/Events';
  readonly batchInfoKey = 'KinesisBatchInfo' as const;
  readonly records: ShardRecord[] = [];
  iteratorRequests = 0;

  append(...sequenceNumbers: string[]): void {
    for (const sequenceNumber of sequenceNumbers) {
      this.records.push({ sequenceNumber, arrival: new Date(), eventRecord: { sequenceNumber } });
    }
  }

  async listShards(): Promise<ShardInfo[]> {
    return [{ shardId: 'only' }];
  }

  async shardIterator(): Promise<string> {
    this.iteratorRequests++;
    return '0';
  }

  async getRecords(_shardId: string, iterator: string, limit: number) {
    const from = Number(iterator);
    const records = this.records.slice(from, from + limit);
    return { records, nextIterator: String(from + records.length) };
  }
}

const settings = (functionName: string, batchSize: number): StreamEventSourceSettings => ({
  functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
  batchSize,
  maximumBatchingWindowSeconds: 0,
  startingPosition: { type: 'TRIM_HORIZON' },
  bisectBatchOnFunctionError: false,
  maximumRetryAttempts: 0,
  maximumRecordAgeSeconds: -1,
  reportBatchItemFailures: false,
});

describe('StreamEventSource.reconfigure', () => {
  it('reads on from its checkpoint with the new settings: the new function, the new batch size, nothing twice', async () => {
    const batches: string[] = [];
    const invoker: FunctionInvoker = {
      invoke: async (arn, payload) => {
        const sequenceNumbers = JSON.parse(payload).Records.map(
          (r: { sequenceNumber: string }) => r.sequenceNumber,
        );
        batches.push(`${arn.split(':').pop()} ${sequenceNumbers.join(',')}`);
        return { status: 'succeeded', payload: 'null', durationMs: 1 };
      },
    };
    const stream = new AppendableStream();
    const source = new StreamEventSource(settings('first', 1), stream, invoker);
    await source.start();
    try {
      stream.append('1');
      await eventually(async () => (batches.length === 1 ? true : undefined), { what: 'the first batch' });

      source.reconfigure(settings('second', 2));
      stream.append('2', '3');
      await eventually(async () => (batches.length === 2 ? true : undefined), { what: 'the second batch' });
      expect(batches).toEqual(['first 1', 'second 2,3']);
      // The shard was not read again from its start.
      expect(stream.iteratorRequests).toBe(1);
    } finally {
      await source.stop();
    }
  });
});
