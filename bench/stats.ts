/** Summary statistics of a sample of durations, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * The `p`th percentile (0-100) by the nearest-rank method: the smallest value with at least p% of the sample at or
 * below it. With n samples, percentiles above (n-1)/n are the maximum: a p99 of 20 samples is their worst.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/**
 * Which of `percentiles` are, by nearest rank, simply the largest of `samples` values: every p with
 * ceil(p/100 x n) = n. With 15 samples p95 and p99 both are, so a report must not read them as a tail estimate.
 */
export function percentilesAtMaximum(samples: number, percentiles: readonly number[]): number[] {
  return percentiles.filter((p) => Math.ceil((p / 100) * samples) >= samples);
}

/** Summarizes durations (any order), rounded to 0.1 ms. */
export function summarize(durations: readonly number[]): LatencySummary {
  const sorted = [...durations].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    min: round(sorted[0] ?? Number.NaN),
    max: round(sorted.at(-1) ?? Number.NaN),
    mean: round(sorted.reduce((sum, value) => sum + value, 0) / (sorted.length || 1)),
  };
}

/** Runs `work` for every item with at most `concurrency` in flight; resolves with the results in item order. */
export async function withConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
