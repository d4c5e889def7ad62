import { describe, expect, it } from 'vitest';
import { costPerMillion, PRICES, renderCostMarkdown } from '../../../bench/cost-model.ts';
import { type BenchResults, type PatternResult, renderMarkdown, renderSvg } from '../../../bench/report.ts';
import { percentile, percentilesAtMaximum, summarize, withConcurrency } from '../../../bench/stats.ts';

describe('latency statistics', () => {
  it('takes nearest-rank percentiles: p50 of 1..10 is 5, p95 and p99 the largest', () => {
    const sorted = Array.from({ length: 10 }, (_, i) => i + 1);
    expect([50, 90, 95, 99, 100].map((p) => percentile(sorted, p))).toEqual([5, 9, 10, 10, 10]);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        99,
      ),
    ).toBe(99);
    expect(percentile([], 50)).toBeNaN();
  });

  it('tells which tail percentiles a sample is too small for: they are its maximum', () => {
    expect(percentilesAtMaximum(15, [95, 99])).toEqual([95, 99]);
    expect(percentilesAtMaximum(19, [95, 99])).toEqual([95, 99]);
    expect(percentilesAtMaximum(20, [95, 99])).toEqual([99]);
    expect(percentilesAtMaximum(21, [95, 99])).toEqual([99]);
    expect(percentilesAtMaximum(99, [95, 99])).toEqual([99]);
    expect(percentilesAtMaximum(100, [95, 99])).toEqual([]);
    for (const samples of [15, 19, 20, 21, 99, 100, 101]) {
      const sorted = Array.from({ length: samples }, (_, i) => i + 1);
      for (const p of [95, 99]) {
        expect(percentile(sorted, p) === samples, `p${p} of ${samples}`).toBe(
          percentilesAtMaximum(samples, [p]).length === 1,
        );
      }
    }
  });

  it('summarizes a sample in any order', () => {
    expect(summarize([30, 10, 20])).toEqual({
      count: 3,
      p50: 20,
      p95: 30,
      p99: 30,
      min: 10,
      max: 30,
      mean: 20,
    });
  });

  it('never runs more than the concurrency at once, and keeps results in item order', async () => {
    let running = 0;
    let peak = 0;
    const results = await withConcurrency([5, 1, 3, 2, 4], 2, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, item));
      running--;
      return item * 10;
    });
    expect(results).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
  });
});

describe('the report', () => {
  const summary = (p50: number, p95: number) => ({
    count: 5,
    p50,
    p95,
    p99: p95,
    min: p50,
    max: p95,
    mean: p50,
  });
  const patterns: PatternResult[] = [
    {
      id: 'sync',
      name: '1. API payload',
      visibleWhen: '201',
      coldVisibleMs: 400,
      response: summary(20, 30),
      visible: summary(20, 30),
      throughputPerSecond: 40,
    },
    {
      id: 'queue',
      name: '2. Message queue <&>',
      visibleWhen: 'DONE',
      coldVisibleMs: 3000,
      response: summary(25, 35),
      visible: summary(1500, 2500),
    },
  ];
  const results: BenchResults = {
    startedAt: '2026-11-22T12:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24, node: '22.20.0' },
    settings: { samples: 5, throughputItems: 10, concurrency: 2, pollIntervalMs: 25, versusRequests: 100 },
    synthMs: 20_000,
    bootMs: 9_000,
    patterns,
    functions: [
      { name: 'ApiPayloadRecordOrder', bundleBytes: 204_800, initMs: 180 },
      { name: 'Unused', bundleBytes: 1024 },
    ],
    overhead: { api: summary(12, 20), rawDynamoDb: summary(3, 5), overheadP50Ms: 9 },
    throttledRequests: 0,
  };

  it('puts every pattern in the Markdown table with its figures, and the chart beside it', () => {
    const markdown = renderMarkdown(results, 'latency.svg');
    expect(markdown).toContain('![Latency to visible, per pattern](latency.svg)');
    expect(markdown).toContain('| 1. API payload | 20 ms | 20 ms | 30 ms | 30 ms | 400 ms | 40.0 | 201 |');
    expect(markdown).toContain(
      '| 2. Message queue <&> | 25 ms | 1500 ms | 2500 ms | 2500 ms | 3000 ms | n/a | DONE |',
    );
    expect(markdown).toContain('9 ms at p50');
    expect(markdown).toContain(
      'With 5 samples, p95 and p99 are both the slowest pass (nearest rank): the maximum, not a tail estimate.',
    );
  });

  it('says nothing of the maximum when the sample is large enough for a p95 and a p99', () => {
    const large = { ...results, settings: { ...results.settings, samples: 200 } };
    expect(renderMarkdown(large, 'latency.svg')).not.toContain('slowest pass');
  });

  it('draws a bar per pattern, scaled to the slowest p95, with names escaped', () => {
    const svg = renderSvg(patterns);
    expect(svg.match(/<rect /g)).toHaveLength(4);
    expect(svg).toContain('Message queue &lt;&amp;&gt;');
    expect(svg).toContain('1500 / 2500 ms');
    expect(svg).toContain('width="460.0"');
  });

  it('leaves the slowest bar’s label room inside the picture', () => {
    const svg = renderSvg([
      {
        ...(patterns[1] as PatternResult),
        visible: { ...(patterns[1] as PatternResult).visible, p50: 9999, p95: 19999 },
      },
    ]);
    const width = Number(/<svg [^>]*width="(\d+)"/.exec(svg)?.[1]);
    const label = /<text x="([\d.]+)"[^>]*>(9999 \/ 19999 ms)<\/text>/.exec(svg);
    // Sans-serif digits at 13 px are at most about 8 px wide.
    expect(Number(label?.[1]) + (label?.[2]?.length ?? 99) * 8).toBeLessThanOrEqual(width);
  });
});

describe('the cost model', () => {
  it('prices the synchronous pattern from its API request, transactional write and one small invocation', () => {
    const [sync] = costPerMillion();
    // 3.50 (API) + 2 x 0.625 (write units) + 0.20 (Lambda requests) + 0.0125 GB-s x 13.3334 (Lambda compute).
    expect(sync).toMatchObject({ id: 'sync', usdPerMillion: 5.12, largest: 'REST API request' });
  });

  it('prices every pattern, states a fixed monthly cost where one exists, and cites every price', () => {
    const costs = costPerMillion();
    expect(costs.map((c) => c.id)).toEqual([
      'sync',
      'queue',
      'stream',
      'file',
      'shared',
      'pubsub',
      'cqrs',
      'push',
    ]);
    for (const cost of costs) {
      expect(cost.usdPerMillion).toBeGreaterThan(0);
    }
    expect(costs.find((c) => c.id === 'stream')?.fixedMonthlyUsd).toBeCloseTo(21.9);
    const markdown = renderCostMarkdown(costs);
    expect(markdown).toContain('| 1. API payload | $5.12 | REST API request |');
    expect(markdown).toContain('+ $21.90/month');
    for (const price of Object.values(PRICES)) {
      expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
    }
  });
});

describe('the side-by-side with serverless-offline', () => {
  const side = {
    requestsPerSecond: 812.4,
    latency: { count: 100, p50: 15, p95: 30, p99: 42, min: 5, max: 50, mean: 18 },
    errors: 0,
  };
  const base = {
    startedAt: '2026-11-22T12:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24, node: '22.20.0' },
    settings: { samples: 5, throughputItems: 10, concurrency: 2, pollIntervalMs: 25, versusRequests: 100 },
    synthMs: 1,
    bootMs: 1,
    patterns: [],
    functions: [],
    overhead: { api: side.latency, rawDynamoDb: side.latency, overheadP50Ms: 0 },
    throttledRequests: 0,
  };
  const versions = { serverless: '3.40.0', 'serverless-offline': '13.9.0' } as const;

  it('shows both sides at the same concurrency', () => {
    const markdown = renderMarkdown(
      {
        ...base,
        versus: {
          requests: 100,
          concurrency: 16,
          localCloud: side,
          serverlessOffline: { ...side, requestsPerSecond: 400 },
          versions,
        },
      },
      'latency.svg',
    );
    expect(markdown).toContain('100 GETs at 16 in');
    expect(markdown).toContain('| local cloud | 812 | 15 ms | 42 ms | 0 |');
    expect(markdown).toContain('| serverless-offline | 400 | 15 ms | 42 ms | 0 |');
  });

  it('says why serverless-offline was not measured', () => {
    const markdown = renderMarkdown(
      {
        ...base,
        versus: { requests: 100, concurrency: 16, localCloud: side, skipped: 'no registry', versions },
      },
      'latency.svg',
    );
    expect(markdown).toContain('| serverless-offline | not measured: no registry |');
  });
});
