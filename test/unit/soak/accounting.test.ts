import { describe, expect, it } from 'vitest';
import {
  type AccountRow,
  compareStats,
  expectedStats,
  formatAccounts,
  rowHolds,
  tally,
} from '../../../soak/accounting.ts';

const row = (overrides: Partial<AccountRow> = {}): AccountRow => ({
  pattern: 'message queue',
  sent: 3,
  appliedOnce: 3,
  missing: 0,
  appliedTwice: 0,
  poisonSent: 2,
  poisonParked: 2,
  goodParked: 0,
  ...overrides,
});

describe('soak accounting', () => {
  it('tallies each expected key: once, missing or more than once, ignoring keys nobody expected', () => {
    expect(tally(['a', 'b', 'c', 'd'], ['a', 'b', 'b', 'd', 'zz', 'd', 'd'])).toEqual({
      once: 1,
      missing: 1,
      twice: 2,
    });
  });

  it('holds only when every good item is applied once and only poison is parked', () => {
    expect(rowHolds(row())).toBe(true);
    expect(rowHolds(row({ missing: 1, appliedOnce: 2 }))).toBe(false);
    expect(rowHolds(row({ appliedTwice: 1, appliedOnce: 2 }))).toBe(false);
    expect(rowHolds(row({ goodParked: 1 }))).toBe(false);
    expect(rowHolds(row({ poisonParked: 1 }))).toBe(false);
  });

  it('derives the statistics of distinct events, whatever their repetitions', () => {
    const stats = expectedStats([
      { eventId: 'e1', sku: 'A', type: 'view' },
      { eventId: 'e1', sku: 'A', type: 'view' },
      { eventId: 'e2', sku: 'A', type: 'review', rating: 4 },
      { eventId: 'e3', sku: 'B', type: 'purchase', quantity: 3 },
    ]);
    expect(stats).toEqual(
      new Map([
        ['A', { views: 1, reviews: 1, ratingSum: 4, purchases: 0, units: 0 }],
        ['B', { views: 0, reviews: 0, ratingSum: 0, purchases: 1, units: 3 }],
      ]),
    );
  });

  it('reads statistics that fall short as lost events and statistics in excess as events applied twice', () => {
    const expected = new Map([
      ['A', { views: 3, reviews: 1, ratingSum: 5, purchases: 0, units: 0 }],
      ['B', { views: 1, reviews: 0, ratingSum: 0, purchases: 2, units: 4 }],
      ['C', { views: 1, reviews: 0, ratingSum: 0, purchases: 0, units: 0 }],
    ]);
    const actual = new Map([
      ['A', { views: 2, reviews: 1, ratingSum: 5, purchases: 0, units: 0 }],
      ['B', { views: 1, reviews: 0, ratingSum: 0, purchases: 3, units: 6 }],
    ]);
    expect(compareStats(expected, actual)).toEqual({
      missingEvents: 2,
      extraEvents: 1,
      skusWrong: ['A', 'B', 'C'],
    });
    expect(compareStats(expected, expected)).toEqual({ missingEvents: 0, extraEvents: 0, skusWrong: [] });
  });

  it('prints a table with a verdict per pattern', () => {
    const table = formatAccounts([row(), row({ pattern: 'stream', missing: 1, appliedOnce: 2 })]);
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toMatch(/\| message queue \| +3 \| +3 \| +0 \| +0 \| +2 \| +2 \| +0 \| +ok \|/);
    expect(table).toMatch(/\| stream +\| .* FAILED \|$/);
  });
});
