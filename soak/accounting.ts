/**
 * The soak's accounting: what was sent against what the consumers left behind. Pure functions over plain values,
 * so the arithmetic that decides "nothing lost, nothing applied twice" is tested on its own.
 */

/** One row of the accounting table. */
export interface AccountRow {
  readonly pattern: string;
  /** Good items the client had accepted (2xx), or raw poison items put on the channel. */
  readonly sent: number;
  /** Good items whose effect is there exactly once. */
  readonly appliedOnce: number;
  /** Good items with no effect (or a partial one): lost. */
  readonly missing: number;
  /** Good items whose effect is there more than once (a counter added twice, two records). */
  readonly appliedTwice: number;
  /** Deliberate poison items sent. */
  readonly poisonSent: number;
  /** Poison items found in the dead-letter queue or on-failure destination. */
  readonly poisonParked: number;
  /** Messages in the dead-letter path that are not poison: good items parked, which counts as lost. */
  readonly goodParked: number;
}

/** The verdict on a row: every good item applied once, every poison item parked, nothing else parked. */
export function rowHolds(row: AccountRow): boolean {
  return (
    row.missing === 0 &&
    row.appliedTwice === 0 &&
    row.goodParked === 0 &&
    row.poisonParked === row.poisonSent &&
    row.appliedOnce === row.sent
  );
}

/** Counts per key: how many times each expected key's effect is present. */
export function tally(
  expected: Iterable<string>,
  present: Iterable<string>,
): { once: number; missing: number; twice: number } {
  const counts = new Map<string, number>();
  for (const key of expected) {
    counts.set(key, 0);
  }
  for (const key of present) {
    if (counts.has(key)) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  let once = 0;
  let missing = 0;
  let twice = 0;
  for (const count of counts.values()) {
    if (count === 0) {
      missing++;
    } else if (count === 1) {
      once++;
    } else {
      twice++;
    }
  }
  return { once, missing, twice };
}

/** A product event as the soak sends it, reduced to what the statistics count. */
export interface CountedEvent {
  readonly eventId: string;
  readonly sku: string;
  readonly type: 'view' | 'review' | 'purchase';
  readonly rating?: number;
  readonly quantity?: number;
}

/** The statistics the stream consumer keeps per SKU. */
export interface SkuCounts {
  views: number;
  reviews: number;
  ratingSum: number;
  purchases: number;
  units: number;
}

/** The statistics that applying each distinct event exactly once must produce, per SKU. */
export function expectedStats(events: Iterable<CountedEvent>): Map<string, SkuCounts> {
  const seen = new Set<string>();
  const stats = new Map<string, SkuCounts>();
  for (const event of events) {
    if (seen.has(event.eventId)) {
      continue;
    }
    seen.add(event.eventId);
    let counts = stats.get(event.sku);
    if (!counts) {
      counts = { views: 0, reviews: 0, ratingSum: 0, purchases: 0, units: 0 };
      stats.set(event.sku, counts);
    }
    if (event.type === 'view') {
      counts.views++;
    } else if (event.type === 'review') {
      counts.reviews++;
      counts.ratingSum += event.rating ?? 0;
    } else {
      counts.purchases++;
      counts.units += event.quantity ?? 0;
    }
  }
  return stats;
}

/**
 * Compares statistics with the expected ones, as events: an SKU whose counts fall short lost that many events,
 * one whose counts exceed them applied that many twice.
 */
export function compareStats(
  expected: ReadonlyMap<string, SkuCounts>,
  actual: ReadonlyMap<string, SkuCounts>,
): { missingEvents: number; extraEvents: number; skusWrong: string[] } {
  let missingEvents = 0;
  let extraEvents = 0;
  const skusWrong: string[] = [];
  for (const [sku, want] of expected) {
    const have = actual.get(sku) ?? { views: 0, reviews: 0, ratingSum: 0, purchases: 0, units: 0 };
    const wantEvents = want.views + want.reviews + want.purchases;
    const haveEvents = have.views + have.reviews + have.purchases;
    if (
      have.views !== want.views ||
      have.reviews !== want.reviews ||
      have.ratingSum !== want.ratingSum ||
      have.purchases !== want.purchases ||
      have.units !== want.units
    ) {
      skusWrong.push(sku);
    }
    missingEvents += Math.max(0, wantEvents - haveEvents);
    extraEvents += Math.max(0, haveEvents - wantEvents);
  }
  return { missingEvents, extraEvents, skusWrong };
}

/** The accounting table, as `npm run soak` prints it. */
export function formatAccounts(rows: readonly AccountRow[]): string {
  const header = [
    'pattern',
    'sent',
    'applied once',
    'missing',
    'applied twice',
    'poison sent',
    'poison in DLQ',
    'good in DLQ',
    'verdict',
  ];
  const body = rows.map((row) => [
    row.pattern,
    String(row.sent),
    String(row.appliedOnce),
    String(row.missing),
    String(row.appliedTwice),
    String(row.poisonSent),
    String(row.poisonParked),
    String(row.goodParked),
    rowHolds(row) ? 'ok' : 'FAILED',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => `-${'-'.repeat(width)}${column === 0 ? '-' : ':'}`).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}
