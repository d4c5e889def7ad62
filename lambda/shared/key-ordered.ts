import { recordFailure } from './record-failures.ts';

/** A record not processed because an earlier record of its key failed in the same batch. */
export class EarlierRecordFailedError extends Error {
  override readonly name = 'EarlierRecordFailedError';

  constructor(readonly key: string) {
    super(`Not processed: an earlier record of key ${key} failed in this batch, and is retried before it`);
  }
}

/**
 * A record processor for one batch that runs records of the same key one after another, in batch order, while
 * records of different keys run side by side. Powertools' BatchProcessor starts every record at once; a stream
 * keeps order only per partition key, and that is the order that matters.
 *
 * Once a record of a key fails in a way a retry may cure, the key's later records in the batch are not run: they
 * fail with `EarlierRecordFailedError`, so they are reported as failed with it and retried after it, in their
 * order. (With `ReportBatchItemFailures`, Lambda retries a stream batch from the lowest sequence number reported;
 * later records of other keys come again too, which the consumers' idempotence absorbs.) A record whose content is
 * invalid (a permanent failure) holds nothing back: it can never be applied, so no later record overtakes it.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
 *
 * Make one per batch.
 */
export function inKeyOrder<R>(
  keyOf: (record: R) => string,
  process: (record: R) => Promise<void>,
): (record: R) => Promise<void> {
  // Per key: the last record's run, resolved when it is safe for the next one to run, rejected when it is not.
  const tails = new Map<string, Promise<void>>();
  return (record) => {
    const key = keyOf(record);
    const previous = tails.get(key) ?? Promise.resolve();
    const current = previous.then(
      () => process(record),
      () => {
        throw new EarlierRecordFailedError(key);
      },
    );
    const tail = current.catch((error: unknown) => {
      if (error instanceof EarlierRecordFailedError || !recordFailure(error).permanent) {
        throw error;
      }
    });
    // The key's last record has no successor to observe its tail: that is not an unhandled rejection.
    tail.catch(() => undefined);
    tails.set(key, tail);
    return current;
  };
}
