import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalCloud, startLocalCloud } from '../local/cloud.ts';
import type { CfnTemplate } from '../local/cloudformation/types.ts';
import { synthesize } from '../local/synth.ts';
import { ApiClient, until } from './api.ts';
import { costPerMillion, renderCostMarkdown } from './cost-model.ts';
import { POLL_INTERVAL_MS, pushToDone, SCENARIOS, type Timing } from './patterns.ts';
import {
  type BenchResults,
  type FunctionResult,
  type PatternResult,
  renderMarkdown,
  renderSvg,
} from './report.ts';
import { summarize, withConcurrency } from './stats.ts';
import { versusServerlessOffline } from './versus-serverless-offline.ts';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
const STATE = path.join(PROJECT_ROOT, '.local-cloud', 'bench');

const USAGE = `Usage: npm run bench -- [options]

Boots the local cloud and measures every pattern: time to response and to visible result (p50/p95/p99), throughput,
boot time, bundle sizes and init times, and the local cloud's overhead. Writes bench-results/.

Options:
  --samples <n>      sequential passes per pattern after a cold one (default 15)
  --items <n>        items per pattern for throughput (default 20)
  --concurrency <n>  items in flight for throughput (default 4)
  --versus-requests <n>  requests per side against serverless-offline (default 2000; installs it once)
  --out <dir>        where results go (default bench-results)`;

function positive(name: string, value: string | undefined, fallback: number): number {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 100_000) {
    console.error(`--${name} must be a whole number from 1 to 100000, got ${value}`);
    process.exit(2);
  }
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      samples: { type: 'string' },
      items: { type: 'string' },
      concurrency: { type: 'string' },
      'versus-requests': { type: 'string' },
      out: { type: 'string', default: 'bench-results' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const settings = {
    samples: positive('samples', values.samples, 15),
    throughputItems: positive('items', values.items, 20),
    concurrency: positive('concurrency', values.concurrency, 4),
    pollIntervalMs: POLL_INTERVAL_MS,
    versusRequests: positive('versus-requests', values['versus-requests'], 2_000),
  };
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
  results = {
    ...results,
    versus: await versusServerlessOffline({
      stateDirectory: STATE,
      requests: settings.versusRequests,
      concurrency: 16,
      log: console.log,
    }),
  };

  const out = path.resolve(PROJECT_ROOT, values.out ?? 'bench-results');
  await mkdir(out, { recursive: true });
  const costs = costPerMillion();
  await writeFile(path.join(out, 'results.json'), `${JSON.stringify({ ...results, costs }, null, 2)}\n`);
  await writeFile(path.join(out, 'latency.svg'), renderSvg(results.patterns));
  const report = `${renderMarkdown(results, 'latency.svg')}\n${renderCostMarkdown(costs)}`;
  await writeFile(path.join(out, 'report.md'), report);
  console.log(
    `\n${report}\nWritten to ${path.relative(PROJECT_ROOT, out)}/ (results.json, report.md, latency.svg)`,
  );
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

/** Each function's bundle (its `.mjs` files, source maps excluded) and its first REPORT's init duration. */
async function functionResults(assemblyDirectory: string, cloud: LocalCloud): Promise<FunctionResult[]> {
  const deployed = cloud.stacks.find((stack) => stack.stackName === 'DataSharingStack')?.resources;
  const template = JSON.parse(
    await readFile(path.join(assemblyDirectory, 'DataSharingStack.template.json'), 'utf8'),
  ) as CfnTemplate;
  const results: FunctionResult[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (resource.Type !== 'AWS::Lambda::Function' || typeof assetPath !== 'string') {
      continue;
    }
    const directory = path.join(assemblyDirectory, assetPath);
    let bundleBytes = 0;
    for (const file of await readdir(directory).catch(() => [] as string[])) {
      if (file.endsWith('.mjs') || file.endsWith('.js')) {
        bundleBytes += (await stat(path.join(directory, file))).size;
      }
    }
    const name = logicalId.replace(/Function[0-9A-F]{8}$/, '');
    const functionName = deployed?.get(logicalId)?.physicalId;
    results.push({ name, bundleBytes, initMs: functionName ? await initDuration(functionName) : undefined });
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
