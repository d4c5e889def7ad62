import { describe, expect, it } from 'vitest';
import {
  change,
  compareFunctions,
  type FunctionBaseline,
  renderFunctionComparison,
} from '../../../bench/function-comparison.ts';

const baseline: FunctionBaseline = {
  note: 'One esbuild process per function.',
  commit: 'd8add53',
  measuredAt: '2026-11-23T00:23:31.870Z',
  functions: [
    { name: 'ApiPayloadGetOrder', bundleBytes: 800 * 1024, initMs: 500 },
    { name: 'SharedDatabaseGetInbox', bundleBytes: 400 * 1024 },
    { name: 'Retired', bundleBytes: 100 * 1024, initMs: 300 },
  ],
};

describe('functions before and after', () => {
  it('pairs functions by name, the baseline’s order first, then the ones only the later run has', () => {
    const rows = compareFunctions(baseline.functions, [
      { name: 'New', bundleBytes: 1 },
      { name: 'ApiPayloadGetOrder', bundleBytes: 2 },
    ]);
    expect(rows.map((row) => [row.name, row.before?.bundleBytes, row.after?.bundleBytes])).toEqual([
      ['ApiPayloadGetOrder', 800 * 1024, 2],
      ['SharedDatabaseGetInbox', 400 * 1024, undefined],
      ['Retired', 100 * 1024, undefined],
      ['New', undefined, 1],
    ]);
  });

  it('states a change in whole percent, signed, and nothing when a side is missing', () => {
    expect(change(800, 200)).toBe(' (-75%)');
    expect(change(200, 300)).toBe(' (+50%)');
    expect(change(200, 200)).toBe(' (0%)');
    expect(change(undefined, 200)).toBe('');
    expect(change(200, undefined)).toBe('');
  });

  it('puts each function’s bundle, gzip and init before and after side by side, with totals of the pairs', () => {
    const markdown = renderFunctionComparison(baseline, {
      source: 'a later run',
      functions: [
        { name: 'ApiPayloadGetOrder', bundleBytes: 200 * 1024, gzipBytes: 60 * 1024, initMs: 125 },
        { name: 'SharedDatabaseGetInbox', bundleBytes: 100 * 1024, gzipBytes: 30 * 1024 },
        { name: 'New', bundleBytes: 50 * 1024, gzipBytes: 10 * 1024, initMs: 90 },
      ],
    });
    expect(markdown).toContain(
      'Before: 2026-11-23T00:23:31.870Z (commit d8add53). One esbuild process per function.',
    );
    expect(markdown).toContain('After: a later run');
    expect(markdown).toContain(
      '| ApiPayloadGetOrder | 800 KiB | 200 KiB (-75%) | 60 KiB | 500 ms | 125 ms (-75%) |',
    );
    expect(markdown).toContain('| SharedDatabaseGetInbox | 400 KiB | 100 KiB (-75%) | 30 KiB | – | – |');
    expect(markdown).toContain('| Retired | 100 KiB | – | – | 300 ms | – |');
    expect(markdown).toContain('| New | – | 50 KiB | 10 KiB | – | 90 ms |');
    // Only functions in both runs are summed, so the totals compare like with like.
    expect(markdown).toContain(
      '| **all 2 in both runs** (bundles summed; init: median of the 1 invoked in both) | 1200 KiB | 300 KiB (-75%) | 90 KiB | 500 ms | 125 ms (-75%) |',
    );
  });

  it('shows the baseline alone, and says how to measure the rest, when nothing was measured since', () => {
    const markdown = renderFunctionComparison(baseline, undefined);
    expect(markdown).toContain('After: not measured since: run `npm run bench`');
    expect(markdown).toContain('| ApiPayloadGetOrder | 800 KiB | – | – | 500 ms | – |');
    expect(markdown).not.toContain('**all');
  });
});
