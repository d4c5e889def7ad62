import type { InnerLoopResult } from '../../../bench/inner-loop-report.ts';
import type { BenchResults } from '../../../bench/report.ts';
import { summarize } from '../../../bench/stats.ts';

/** An inner loop's results, with figures of the size a 2-core machine shows. */
export const innerLoop: InnerLoopResult = {
  startedAt: '2026-11-24T10:00:00.000Z',
  machine: { cpus: 2, loadAverage: { atStart: [4.37, 11.32, 12.69], atEnd: [2, 3, 4] } },
  runs: 3,
  pollIntervalMs: 20,
  synth: {
    cold: summarize([52_000, 48_000, 61_000]),
    warm: summarize([1_300, 1_250, 1_400]),
    handlerEdited: summarize([9_000, 8_000, 10_000]),
  },
  start: {
    cold: summarize([70_000, 65_000, 80_000]),
    warm: summarize([10_000, 9_500, 11_000]),
    stop: summarize([3_000, 2_000, 2_500, 2_600, 2_700, 2_800]),
  },
  reload: { handler: summarize([420, 380, 900, 400, 410]), route: summarize([12_000, 11_000, 13_000]) },
  bundles: [
    {
      name: 'ApiPayloadGetOrder',
      logicalId: 'ApiPayloadGetOrderFunction40AE5B45',
      bundleBytes: 200 * 1024,
      gzipBytes: 50 * 1024,
    },
  ],
};

/** A whole run's results, one pattern and two functions. */
export const wholeRun: BenchResults = {
  startedAt: '2026-11-24T09:00:00.000Z',
  machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24, node: '22.23.5' },
  settings: { samples: 5, throughputItems: 10, concurrency: 2, pollIntervalMs: 25, versusRequests: 100 },
  synthMs: 20_000,
  bootMs: 9_000,
  patterns: [
    {
      id: 'sync',
      name: '1. API payload',
      visibleWhen: '201',
      coldVisibleMs: 400,
      response: summarize([20, 30]),
      visible: summarize([20, 30]),
      throughputPerSecond: 40,
    },
  ],
  functions: [
    { name: 'ApiPayloadGetOrder', bundleBytes: 300 * 1024, gzipBytes: 80 * 1024, initMs: 150 },
    { name: 'SharedDatabaseGetInbox', bundleBytes: 200 * 1024, gzipBytes: 50 * 1024 },
  ],
  overhead: { api: summarize([12]), rawDynamoDb: summarize([3]), overheadP50Ms: 9 },
  throttledRequests: 0,
};
