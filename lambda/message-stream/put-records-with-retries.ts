import type { PutRecordsResultEntry } from '@aws-sdk/client-kinesis';

/** One record for the stream: the SKU as partition key keeps each SKU's events in one shard, in order. */
export interface StreamRecord {
  readonly partitionKey: string;
  readonly data: string;
}

/** What became of one record: written (its shard and sequence number), or refused by the last attempt. */
export type RecordOutcome =
  | { readonly shardId: string; readonly sequenceNumber: string }
  | { readonly errorCode: string; readonly errorMessage: string };

export interface PutRecordsWithRetriesOptions {
  /** Writes records; answers one entry per record, in order, with a sequence number or an error code. */
  readonly putRecords: (records: readonly StreamRecord[]) => Promise<PutRecordsResultEntry[]>;
  readonly sleep: (ms: number) => Promise<void>;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** A number in [0, 1), for the jitter. */
  readonly random: () => number;
  /** Epoch milliseconds by which the last attempt must have ended: no attempt starts that could not end by then. */
  readonly deadline: number;
}

/** First backoff before a retry, doubled each retry. */
const BASE_DELAY_MS = 100;
/** Longest backoff: a shard's write limits (1,000 records/s, 1 MB/s) are per second, so a second's wait refills them. */
const MAX_DELAY_MS = 1_000;

/**
 * The wait before the `retry`-th retry (0 for the first): exponential backoff with full jitter, 100 ms doubling up to
 * 1 s, so the retries of concurrent requests spread out instead of hitting the shard together.
 * https://docs.aws.amazon.com/general/latest/gr/api-retries.html
 */
export function retryDelayMs(retry: number, random: () => number): number {
  return Math.floor(random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** retry));
}

/**
 * Writes records with PutRecords (at most 500 a call) and retries only those Kinesis refused (a throttled shard
 * answers ProvisionedThroughputExceededException for its records, the others are written), for as long as another
 * attempt, waited for and as slow as the slowest so far, still ends by the deadline. Answers one outcome per record,
 * in order. https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 */
export async function putRecordsWithRetries(
  records: readonly StreamRecord[],
  { putRecords, sleep, now, random, deadline }: PutRecordsWithRetriesOptions,
): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = [];
  let pending = records.map((_, index) => index);
  let slowestAttemptMs = 0;
  for (let retry = 0; ; retry++) {
    const started = now();
    const entries = await putRecords(pending.map((index) => records[index] as StreamRecord));
    slowestAttemptMs = Math.max(slowestAttemptMs, now() - started);
    const refused: number[] = [];
    pending.forEach((index, position) => {
      const entry = entries[position];
      if (entry?.SequenceNumber && entry.ShardId) {
        outcomes[index] = { shardId: entry.ShardId, sequenceNumber: entry.SequenceNumber };
      } else {
        outcomes[index] = {
          errorCode: entry?.ErrorCode ?? 'Unknown',
          errorMessage: entry?.ErrorMessage ?? '',
        };
        refused.push(index);
      }
    });
    pending = refused;
    const delayMs = retryDelayMs(retry, random);
    if (pending.length === 0 || now() + delayMs + slowestAttemptMs >= deadline) {
      return outcomes;
    }
    await sleep(delayMs);
  }
}
