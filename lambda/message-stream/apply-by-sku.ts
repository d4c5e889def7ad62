import type { KinesisStreamRecord } from 'aws-lambda';
import { type ProductStatsStore, parseStreamedEvent, type SequencedEvent } from '../domain/product-event.ts';
import { MAX_EVENTS_TOGETHER } from '../shared/dynamodb-product-stats-store.ts';
import { logger } from '../shared/logger.ts';
import { recordFailure } from '../shared/record-failures.ts';

/**
 * Splits a batch's readable events by SKU, each SKU's in stream order, into runs to apply together: at most
 * `MAX_EVENTS_TOGETHER` events a run, and a new run where an event id comes again (one write cannot hold it twice).
 * Unreadable records are left out; the record-by-record pass reports them.
 */
export function runsBySku(records: readonly KinesisStreamRecord[]): SequencedEvent[][][] {
  const runs = new Map<string, SequencedEvent[][]>();
  for (const record of records) {
    let event: SequencedEvent['event'];
    try {
      event = parseStreamedEvent(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
    } catch {
      continue;
    }
    const skuRuns = runs.get(event.sku) ?? [];
    const current = skuRuns.at(-1);
    const startsRun =
      !current ||
      current.length >= MAX_EVENTS_TOGETHER ||
      current.some((sequenced) => sequenced.event.eventId === event.eventId);
    if (startsRun) {
      skuRuns.push([]);
    }
    skuRuns.at(-1)?.push({ event, sequenceNumber: record.kinesis.sequenceNumber });
    runs.set(event.sku, skuRuns);
  }
  return [...runs.values()];
}

/**
 * Applies each SKU's events of a batch a run at a time, SKUs side by side: a hundred events cost a few writes per
 * SKU instead of two each. A SKU stops at its first run not applied (an id applied before, a failed write), so that
 * what is left of it is applied record by record, still in stream order. Returns the sequence numbers applied.
 */
export async function applyBySku(
  records: readonly KinesisStreamRecord[],
  stats: ProductStatsStore,
): Promise<Set<string>> {
  const applied = new Set<string>();
  await Promise.all(
    runsBySku(records).map(async (skuRuns) => {
      for (const run of skuRuns) {
        const outcome = await stats.applyTogether(run).catch((error: unknown) => {
          logger.warn('Events not applied together; applying them one by one', { ...recordFailure(error) });
          return 'not applied' as const;
        });
        if (outcome !== 'applied') {
          return;
        }
        for (const { sequenceNumber } of run) {
          applied.add(sequenceNumber);
        }
      }
    }),
  );
  return applied;
}
