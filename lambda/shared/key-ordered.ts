/**
 * A record processor for one batch that runs records of the same key one after another, in batch order, while
 * records of different keys run side by side. Powertools' BatchProcessor starts every record at once; a stream
 * keeps order only per partition key, and that is the order that matters. A record whose predecessor failed still
 * runs: the failure is reported, and retried, on its own. Make one per batch.
 */
export function inKeyOrder<R>(
  keyOf: (record: R) => string,
  process: (record: R) => Promise<void>,
): (record: R) => Promise<void> {
  const tails = new Map<string, Promise<unknown>>();
  return (record) => {
    const key = keyOf(record);
    const current = (tails.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => process(record));
    tails.set(key, current);
    return current;
  };
}
