import { mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalCloud,
  startLocalCloud,
  synthesize,
} from '@serverless-data-sharing/local-cloud';
import { ApiClient, until } from './api.ts';
import { bundleSizes } from './bundle-size.ts';
import { readFunctionBaseline } from './function-comparison.ts';
import { measureInnerLoop } from './inner-loop.ts';
import { POLL_INTERVAL_MS, pushToDone, SCENARIOS, type Timing } from './patterns.ts';
import type { BenchResults, FunctionResult, PatternResult } from './report.ts';
import { readStoredResults, type StoredResults, withInnerLoop, writeResultFiles } from './results-file.ts';
import { summarize, withConcurrency } from './stats.ts';
import { versusServerlessOffline } from './versus-serverless-offline.ts';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
const STATE = path.join(PROJECT_ROOT, '.local-cloud', 'bench');
/** The functions' figures before one-pass bundling, which every report compares with. */
const BASELINE_FILE = path.join(PROJECT_ROOT, 'bench-results', 'functions-baseline.json');

const USAGE = `Usage: npm run bench -- [options]

Boots the local cloud and measures every pattern: time to response and to visible result (p50/p95/p99), throughput,
boot time, bundle sizes and init times (beside bench-results/functions-baseline.json), and the local cloud's overhead.
Then the inner loop, as whole processes in a throwaway copy of the project: cdk synth cold / nothing changed / one
handler edited, npm start cold / warm and Ctrl-C, and npm start -- --watch from an edit's write to the first answer
showing it (a handler's message, at least 5 edits; a route added in lib/). Writes bench-results/.

Options:
  --samples <n>      sequential passes per pattern after a cold one (default 15)
  --items <n>        items per pattern for throughput (default 20)
  --concurrency <n>  items in flight for throughput (default 4)
  --versus-requests <n>  requests per side against serverless-offline (default 2000; installs it once)
  --loop-runs <n>    repetitions of each inner-loop figure (default 3), reported as min / median / max
  --suite            also time npm test in the project, once (minutes; off by default)
  --only inner-loop  measure the inner loop alone (a few minutes): its section replaces the one in results.json,
                     every other section is kept, and report.md is written again from it (latency.svg untouched)
  --out <dir>        where results go (default bench-results)`;

/** The pattern figures' settings, recorded with the results. */
type Settings = BenchResults['settings'];

function positive(name: string, value: string | undefined, fallback: number): number {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 100_000) {
    usageError(`--${name} must be a whole number from 1 to 100000, got ${value}`);
  }
  return parsed;
}

function usageError(message: string): never {
  console.error(message);
  process.exit(2);
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      samples: { type: 'string' },
      items: { type: 'string' },
      concurrency: { type: 'string' },
      'versus-requests': { type: 'string' },
      'loop-runs': { type: 'string' },
      suite: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string', default: 'bench-results' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.only !== undefined && values.only !== 'inner-loop') {
    usageError(`--only takes inner-loop, got ${values.only}`);
  }
  const settings: Settings = {
    samples: positive('samples', values.samples, 15),
    throughputItems: positive('items', values.items, 20),
    concurrency: positive('concurrency', values.concurrency, 4),
    pollIntervalMs: POLL_INTERVAL_MS,
    versusRequests: positive('versus-requests', values['versus-requests'], 2_000),
  };
  return {
    help: values.help,
    innerLoopOnly: values.only === 'inner-loop',
    loopRuns: positive('loop-runs', values['loop-runs'], 3),
    suite: values.suite,
    out: path.resolve(PROJECT_ROOT, values.out ?? 'bench-results'),
    settings,
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const measured: StoredResults | undefined = options.innerLoopOnly
    ? await readStoredResults(options.out)
    : await measureWholeRun(options.settings);
  console.log('Measuring the inner loop');
  const innerLoop = await measureInnerLoop({
    runs: options.loopRuns,
    suite: options.suite,
    log: console.log,
  });
  const report = await writeResultFiles(
    options.out,
    withInnerLoop(measured, innerLoop),
    await readFunctionBaseline(BASELINE_FILE),
  );
  console.log(`\n${report}\nWritten to ${path.relative(PROJECT_ROOT, options.out)}/`);
}

/** Synthesis, boot, every pattern, the functions, the overhead, then the side by side with serverless-offline. */
async function measureWholeRun(settings: Settings): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  await rm(STATE, { recursive: true, force: true });
  await mkdir(STATE, { recursive: true });
  const assemblyDirectory = path.join(STATE, 'cdk.out');

  let clock = performance.now();
  console.log('Synthesizing');
  await synthesize({ outputDirectory: assemblyDirectory });
  const synthMs = performance.now() - clock;

  console.log('Booting the local cloud');
  clock = performance.now();
  const cloud = await startLocalCloud({ assemblyDirectory, stateDirectory: STATE, port: 0 });
  let results: BenchResults;
  try {
    const outputs = cloud.outputs.DataSharingStack ?? {};
    const api = new ApiClient(String(outputs.ApiUrl), String(outputs.ApiKey));
    await until(
      async () => ((await api.call('sync/orders/bench-probe')).status === 404 ? true : undefined),
      'the REST API',
    );
    await pushToDone(api, `bench-probe-${Date.now().toString(36)}`);
    const bootMs = performance.now() - clock;
    const patterns = await measurePatterns(api, settings);
    console.log('Measuring the local cloud’s overhead');
    const overhead = await measureOverhead(cloud, api, settings.samples * 2);
    results = {
      startedAt,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.versions.node,
      },
      settings,
      synthMs,
      bootMs,
      patterns,
      functions: await functionResults(assemblyDirectory, cloud),
      overhead,
      throttledRequests: api.throttled,
    };
  } finally {
    await cloud.stop();
  }
  return {
    ...results,
    versus: await versusServerlessOffline({
      stateDirectory: STATE,
      requests: settings.versusRequests,
      concurrency: 16,
      log: console.log,
    }),
  };
}

/** Each pattern: one cold pass, `samples` sequential passes, then throughput at `concurrency` in flight. */
async function measurePatterns(api: ApiClient, settings: Settings): Promise<PatternResult[]> {
  const patterns: PatternResult[] = [];
  const run = `b${Date.now().toString(36)}`;
  const scenarios = [
    ...SCENARIOS,
    {
      id: 'push',
      name: '8. Real-time push',
      visibleWhen: 'a queue order’s DONE pushed to its socket',
      run: pushToDone,
    },
  ];
  for (const scenario of scenarios) {
    console.log(`Measuring ${scenario.name}`);
    const cold = await scenario.run(api, `${run}-${scenario.id}-cold`);
    const timings: Timing[] = [];
    for (let i = 0; i < settings.samples; i++) {
      timings.push(await scenario.run(api, `${run}-${scenario.id}-${i}`));
    }
    let throughputPerSecond: number | undefined;
    if (scenario.id !== 'push') {
      const started = performance.now();
      await withConcurrency(
        Array.from({ length: settings.throughputItems }, (_, i) => `${run}-${scenario.id}-t${i}`),
        settings.concurrency,
        (id) => scenario.run(api, id),
      );
      throughputPerSecond = settings.throughputItems / ((performance.now() - started) / 1000);
    }
    patterns.push({
      id: scenario.id,
      name: scenario.name,
      visibleWhen: scenario.visibleWhen,
      coldVisibleMs: cold.visibleMs,
      response: summarize(timings.map((t) => t.responseMs)),
      visible: summarize(timings.map((t) => t.visibleMs)),
      throughputPerSecond,
    });
  }
  return patterns;
}

/**
 * `GET /sync/orders/{id}` against the one `GetItem` its handler makes, sent straight to DynamoDB Local: what the
 * API Gateway emulation, the Lambda worker and the handler add.
 */
async function measureOverhead(
  cloud: LocalCloud,
  api: ApiClient,
  samples: number,
): Promise<BenchResults['overhead']> {
  const orderId = `bench-overhead-${Date.now().toString(36)}`;
  await api.expect(201, 'sync/orders', {
    method: 'POST',
    body: {
      orderId,
      customerId: 'c',
      currency: 'EUR',
      placedAt: '2026-11-22T10:15:00Z',
      lines: [{ sku: 's', quantity: 1, unitPriceCents: 1 }],
    },
  });
  const stack = cloud.stacks.find((s) => s.stackName === 'DataSharingStack');
  const table = [...(stack?.resources.values() ?? [])].find(
    (resource) =>
      resource.type === 'AWS::DynamoDB::Table' && resource.logicalId.startsWith('ApiPayloadOrders'),
  );
  const dynamodb = new DynamoDBClient({
    endpoint: cloud.emulatorEndpoints.AWS_ENDPOINT_URL_DYNAMODB,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const apiTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < samples; i++) {
      let started = performance.now();
      await api.expect(200, `sync/orders/${orderId}`);
      apiTimes.push(performance.now() - started);
      started = performance.now();
      await dynamodb.send(
        new GetItemCommand({
          TableName: table?.physicalId,
          Key: { orderId: { S: orderId }, part: { S: 'order' } },
          ConsistentRead: true,
        }),
      );
      rawTimes.push(performance.now() - started);
    }
    const apiSummary = summarize(apiTimes);
    const rawSummary = summarize(rawTimes);
    return { api: apiSummary, rawDynamoDb: rawSummary, overheadP50Ms: apiSummary.p50 - rawSummary.p50 };
  } finally {
    dynamodb.destroy();
  }
}

/** Each function's bundle (raw and gzipped) and its first REPORT's init duration. */
async function functionResults(assemblyDirectory: string, cloud: LocalCloud): Promise<FunctionResult[]> {
  const deployed = cloud.stacks.find((stack) => stack.stackName === 'DataSharingStack')?.resources;
  const results: FunctionResult[] = [];
  for (const { name, logicalId, bundleBytes, gzipBytes } of await bundleSizes(
    assemblyDirectory,
    'DataSharingStack',
  )) {
    const functionName = deployed?.get(logicalId)?.physicalId;
    results.push({
      name,
      bundleBytes,
      gzipBytes,
      initMs: functionName ? await initDuration(functionName) : undefined,
    });
  }
  return results;
}

/** The `Init Duration` of the function's first REPORT line in the local cloud's log, if it ran. */
async function initDuration(functionName: string): Promise<number | undefined> {
  const log = await readFile(path.join(STATE, 'logs', `${functionName}.log`), 'utf8').catch(() => '');
  const match = /Init Duration: ([\d.]+) ms/.exec(log);
  return match ? Number(match[1]) : undefined;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
