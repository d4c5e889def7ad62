import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import WebSocket from 'ws';
import { SUBSCRIBERS } from '../lambda/domain/order-event.ts';
import {
  type DemoIds,
  type DemoTarget,
  demoIds,
  demoTarget,
  describeError,
  describePushes,
  exitCode,
  missingOutputsMessage,
  type PatternOutcome,
  pushedStatuses,
  renderTable,
  resourceName,
  s3Location,
} from './demo-report.ts';

/** Each pattern gets this long, from its first request until its result is readable, unless --timeout says. */
const DEFAULT_TIMEOUT_SECONDS = 30;
/** How often a result is read again while it is not there yet. */
const POLL_INTERVAL_MS = 50;

interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
}

/** A pattern's run: the API, the ids of this run, and the signal that ends the pattern at its deadline. */
interface Run {
  readonly target: DemoTarget;
  readonly apiKey: string;
  readonly ids: DemoIds;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** The outcome learned so far, kept when a later step fails. */
  partial: Omit<PatternOutcome, 'pattern'>;
}

async function callApi(
  run: Run,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { 'x-api-key': run.apiKey, ...init.headers };
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(new URL(path, run.target.apiUrl), {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: run.signal,
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: the status says enough.
  }
  return { status: response.status, headers: response.headers, json };
}

/** Fails with the response's problem detail unless the status is `expected`. */
function expectStatus(response: ApiResponse, expected: number, what: string): void {
  if (response.status !== expected) {
    const detail = response.json.detail ?? response.json.title ?? response.json.message ?? '';
    throw new Error(`${what} answered ${response.status}${detail ? `: ${String(detail)}` : ''}`);
  }
}

/** Reads until `check` returns a value; the pattern's signal bounds the wait. */
async function until<T>(run: Run, what: string, check: () => Promise<T | undefined>): Promise<T> {
  const timedOut = () => new Error(`timed out after ${run.timeoutMs / 1000} s waiting for ${what}`);
  for (;;) {
    let value: T | undefined;
    try {
      value = await check();
    } catch (error) {
      throw run.signal.aborted ? timedOut() : error;
    }
    if (value !== undefined) {
      return value;
    }
    if (run.signal.aborted) {
      throw timedOut();
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

const since = (start: number) => performance.now() - start;

function order(orderId: string) {
  return {
    orderId,
    customerId: 'customer-42',
    currency: 'EUR',
    placedAt: new Date().toISOString(),
    lines: [
      { sku: 'book-ddia', quantity: 2, unitPriceCents: 4599 },
      { sku: 'mug-lambda', quantity: 1, unitPriceCents: 1250 },
    ],
  };
}

async function syncPattern(run: Run): Promise<void> {
  const orderId = run.ids.syncOrderId;
  const start = performance.now();
  const response = await callApi(run, 'sync/orders', { method: 'POST', body: order(orderId) });
  expectStatus(response, 201, 'POST /sync/orders');
  run.partial = {
    response: `201 totalCents=${String(response.json.totalCents)}`,
    visible: { afterMs: since(start), what: 'in the response' },
    landedIn: `item ${orderId} in the orders table (DynamoDB)`,
  };
}

/** A WebSocket client that keeps every message with its arrival time. */
interface PushClient {
  readonly socket: WebSocket;
  readonly received: Array<{ readonly at: number; readonly message: unknown }>;
}

function connect(url: string, signal: AbortSignal): Promise<PushClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { signal });
    const received: PushClient['received'] = [];
    socket.on('message', (data) => {
      try {
        received.push({ at: performance.now(), message: JSON.parse(String(data)) });
      } catch {
        received.push({ at: performance.now(), message: String(data) });
      }
    });
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`the WebSocket handshake was refused with ${response.statusCode}`)),
    );
    socket.once('error', reject);
    socket.once('open', () => resolve({ socket, received }));
  });
}

/**
 * Patterns 2 and 8 together: a WebSocket client subscribes to the order first, then the order is queued; the
 * queue's row is the status URL reading DONE, the push row the socket receiving it.
 */
async function queueAndPushPatterns(queueRun: Run, pushRun: Run): Promise<void> {
  const orderId = queueRun.ids.queueOrderId;
  const ticket = await callApi(pushRun, 'push/tickets', { method: 'POST' });
  expectStatus(ticket, 201, 'POST /push/tickets');
  const socketUrl = new URL(String(ticket.json.url));
  pushRun.partial = {
    response: '201 ticket',
    landedIn: `pushed over ${socketUrl.origin}${socketUrl.pathname}`,
  };
  const client = await connect(socketUrl.href, pushRun.signal);
  try {
    client.socket.send(JSON.stringify({ action: 'subscribe', orderId }));
    await until(pushRun, 'the subscription', async () =>
      client.received.find(({ message }) => (message as { type?: string }).type === 'subscribed'),
    );
    pushRun.partial = { ...pushRun.partial, response: '201 ticket, then subscribed' };

    const start = performance.now();
    const submitted = await callApi(queueRun, 'queue/orders', { method: 'POST', body: order(orderId) });
    expectStatus(submitted, 202, 'POST /queue/orders');
    const statusUrl = String(submitted.json.statusUrl);
    queueRun.partial = {
      response: '202 statusUrl',
      landedIn: `queue ${resourceName(queueRun.target.outputs.OrderQueueUrl)}`,
    };
    const done = await until(queueRun, 'the status DONE', async () => {
      const status = await fetch(statusUrl, {
        headers: { 'x-api-key': queueRun.apiKey },
        signal: queueRun.signal,
      });
      const body = (await status.json()) as { status?: string; reason?: string; receipt?: { url: string } };
      if (body.status === 'FAILED') {
        throw new Error(`the order FAILED: ${body.reason}`);
      }
      return body.status === 'DONE' ? { afterMs: since(start), receiptUrl: body.receipt?.url } : undefined;
    });
    queueRun.partial = {
      ...queueRun.partial,
      visible: { afterMs: done.afterMs, what: 'status DONE' },
      landedIn: done.receiptUrl
        ? `receipt PDF in ${s3Location(done.receiptUrl)}`
        : 'DONE without a receipt link',
    };

    const pushes = () =>
      pushedStatuses(
        client.received.map(({ at, message }) => ({ receivedAfterMs: at - start, message })),
        orderId,
      );
    const pushedDone = await until(pushRun, 'DONE over the WebSocket', async () =>
      pushes().find(({ status }) => status === 'DONE' || status === 'FAILED'),
    );
    pushRun.partial = {
      ...pushRun.partial,
      visible: { afterMs: pushedDone.afterMs, what: `${pushedDone.status} pushed` },
      landedIn: `${describePushes(pushes())} ${pushRun.partial.landedIn}`,
    };
  } finally {
    client.socket.close();
  }
}

async function streamPattern(run: Run): Promise<void> {
  const sku = run.ids.sku;
  const at = new Date().toISOString();
  const events = [
    { eventId: `${sku}-view`, sku, type: 'view', occurredAt: at },
    { eventId: `${sku}-review`, sku, type: 'review', rating: 5, occurredAt: at },
    { eventId: `${sku}-purchase`, sku, type: 'purchase', quantity: 2, occurredAt: at },
  ];
  const start = performance.now();
  const published = await callApi(run, 'stream/events', { method: 'POST', body: { events } });
  expectStatus(published, 202, 'POST /stream/events');
  const stream = resourceName(run.target.outputs.EventStreamName);
  run.partial = { response: `202 accepted=${String(published.json.accepted)}`, landedIn: `stream ${stream}` };
  const afterMs = await until(run, `the stats counting ${events.length} events`, async () => {
    const stats = await callApi(run, `stream/stats/${sku}`);
    const { views = 0, reviews = 0, purchases = 0 } = stats.json as Record<string, number>;
    return stats.status === 200 && views + reviews + purchases === events.length ? since(start) : undefined;
  });
  run.partial = {
    ...run.partial,
    visible: { afterMs, what: `stats count ${events.length} events` },
    landedIn: `stream ${stream} -> stats of ${sku} (DynamoDB)`,
  };
}

async function fileDropPattern(run: Run): Promise<void> {
  const pdf = await readFile(new URL('../examples/invoice.pdf', import.meta.url));
  const start = performance.now();
  const announced = await callApi(run, 'files', {
    method: 'POST',
    body: { filename: 'invoice.pdf', contentType: 'application/pdf', size: pdf.length },
  });
  expectStatus(announced, 201, 'POST /files');
  const { fileId, upload } = announced.json as {
    fileId: string;
    upload: { method: string; url: string; headers: Record<string, string> };
  };
  run.partial = {
    response: '201 upload.url',
    landedIn: `s3://${run.target.outputs.FilesBucketName}/incoming/`,
  };
  // fetch sets Content-Length from the body; the other signed headers go as given.
  const { 'Content-Length': _length, ...headers } = upload.headers;
  const put = await fetch(upload.url, { method: upload.method, headers, body: pdf, signal: run.signal });
  if (put.status !== 200) {
    throw new Error(`the presigned PUT answered ${put.status}`);
  }
  run.partial = { ...run.partial, response: '201 upload.url, PUT 200' };
  const processed = await until(run, 'the file PROCESSED', async () => {
    const file = await callApi(run, `files/${fileId}`);
    if (file.json.status === 'REJECTED') {
      throw new Error(`the file was REJECTED: ${String(file.json.reason)}`);
    }
    const download = file.json.download as { url?: string } | undefined;
    return file.json.status === 'PROCESSED' ? { afterMs: since(start), url: download?.url } : undefined;
  });
  run.partial = {
    ...run.partial,
    visible: { afterMs: processed.afterMs, what: 'file PROCESSED' },
    landedIn: processed.url ? `PDF in ${s3Location(processed.url)}` : 'PROCESSED without a download link',
  };
}

async function sharedDatabasePattern(run: Run): Promise<void> {
  const orderId = run.ids.sharedOrderId;
  const start = performance.now();
  const created = await callApi(run, `shared/orders/${orderId}`, {
    method: 'PUT',
    body: { customerId: 'customer-42', currency: 'EUR', lines: order(orderId).lines },
  });
  expectStatus(created, 201, `PUT /shared/orders/${orderId}`);
  const table = run.target.outputs.SharedOrdersTableName ?? 'the shared orders table';
  run.partial = {
    response: `201 ETag ${created.headers.get('etag')}`,
    landedIn: `item ${orderId} in ${table}`,
  };
  const afterMs = await until(run, 'the change in the history', async () => {
    const changes = await callApi(run, `shared/orders/${orderId}/changes`);
    const entries = (changes.json.entries ?? []) as Array<{ version?: number }>;
    return entries.some((entry) => entry.version === 1) ? since(start) : undefined;
  });
  run.partial = {
    ...run.partial,
    visible: { afterMs, what: 'version 1 in the change history' },
    landedIn: `item ${orderId} in ${table}, its change in the history`,
  };
}

async function pubSubPattern(run: Run): Promise<void> {
  const orderId = run.ids.publishedOrderId;
  const start = performance.now();
  const published = await callApi(run, 'events/orders', {
    method: 'POST',
    body: {
      ...order(orderId),
      shipTo: {
        name: 'Ada Lovelace',
        line1: '12 St James Square',
        city: 'London',
        postalCode: 'SW1Y 4JH',
        country: 'GB',
      },
    },
  });
  expectStatus(published, 202, 'POST /events/orders');
  const topic = resourceName(run.target.outputs.OrderEventsTopicArn);
  run.partial = { response: '202 messageId', landedIn: `topic ${topic}` };
  const afterMs = await until(run, `deliveries to ${SUBSCRIBERS.join(', ')}`, async () => {
    const listed = await callApi(run, `events/orders/${orderId}/deliveries`);
    const deliveries = (listed.json.deliveries ?? []) as Array<{ subscriber?: string }>;
    const reached = new Set(deliveries.map((delivery) => delivery.subscriber));
    return SUBSCRIBERS.every((subscriber) => reached.has(subscriber)) ? since(start) : undefined;
  });
  run.partial = {
    ...run.partial,
    visible: { afterMs, what: `${SUBSCRIBERS.length} subscribers' deliveries` },
    landedIn: `topic ${topic} -> queues of ${SUBSCRIBERS.join(', ')}`,
  };
}

async function cqrsPattern(run: Run): Promise<void> {
  const start = performance.now();
  const placed = await callApi(run, 'cqrs/orders', {
    method: 'POST',
    body: { customerId: 'customer-42', currency: 'EUR', lines: order('').lines },
  });
  expectStatus(placed, 202, 'POST /cqrs/orders');
  const { orderId, version } = placed.json as { orderId: string; version: number };
  const log = run.target.outputs.CqrsEventLogTableName ?? 'the event log';
  run.partial = { response: `202 version=${version}`, landedIn: `event v${version} in ${log}` };
  const afterMs = await until(run, `the view at version ${version}`, async () => {
    const view = await callApi(run, `cqrs/orders/${orderId}`);
    return view.status === 200 && Number(view.json.version) >= version ? since(start) : undefined;
  });
  run.partial = {
    ...run.partial,
    visible: { afterMs, what: `view at version ${version}` },
    landedIn: `${run.partial.landedIn} -> view in ${run.target.outputs.CqrsOrderViewsTableName ?? 'the order views'}`,
  };
}

/** Runs one or more patterns under their deadline; a failure ends in its rows, never in the other patterns. */
async function runPatterns(
  context: Omit<Run, 'signal' | 'partial'>,
  names: readonly string[],
  body: (...runs: Run[]) => Promise<void>,
): Promise<PatternOutcome[]> {
  const signal = AbortSignal.timeout(context.timeoutMs);
  const runs: Run[] = names.map(() => ({ ...context, signal, partial: {} }));
  let error: string | undefined;
  try {
    await body(...runs);
  } catch (caught) {
    error = describeError(caught, context.timeoutMs);
  }
  return names.map((pattern, index) => {
    const partial = runs[index]?.partial ?? {};
    // A shared failure belongs to the rows it left without a result.
    return error && !partial.visible ? { pattern, ...partial, error } : { pattern, ...partial };
  });
}

async function apiKeyValue(target: DemoTarget): Promise<string> {
  if (target.apiKey) {
    return target.apiKey;
  }
  const client = new APIGatewayClient({});
  try {
    const key = await client.send(new GetApiKeyCommand({ apiKey: target.apiKeyId, includeValue: true }));
    if (!key.value) {
      throw new Error(`API key ${target.apiKeyId} has no value`);
    }
    return key.value;
  } finally {
    client.destroy();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      outputs: { type: 'string', default: '.local-cloud/outputs.json' },
      timeout: { type: 'string', default: String(DEFAULT_TIMEOUT_SECONDS) },
    },
  });
  const timeoutMs = Number(values.timeout) * 1000;
  if (!(timeoutMs > 0)) {
    console.error(`--timeout takes a number of seconds above 0; got ${values.timeout}`);
    return 1;
  }
  let text: string;
  try {
    text = await readFile(values.outputs, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(missingOutputsMessage(values.outputs));
      return 1;
    }
    throw error;
  }
  const target = demoTarget(text, values.outputs);
  const context = {
    target,
    apiKey: await apiKeyValue(target),
    ids: demoIds(new Date(), randomBytes(3).toString('hex')),
    timeoutMs,
  };
  console.log(`Sending one order through every pattern at ${target.apiUrl} (run ${context.ids.run})\n`);
  const outcomes = [
    ...(await runPatterns(context, ['1 sync API'], syncPattern)),
    ...(await runPatterns(context, ['2 message queue', '8 WebSocket push'], (queue, push) =>
      queueAndPushPatterns(queue as Run, push as Run),
    )),
    ...(await runPatterns(context, ['3 Kinesis stream'], streamPattern)),
    ...(await runPatterns(context, ['4 S3 file drop'], fileDropPattern)),
    ...(await runPatterns(context, ['5 shared DynamoDB'], sharedDatabasePattern)),
    ...(await runPatterns(context, ['6 pub/sub'], pubSubPattern)),
    ...(await runPatterns(context, ['7 CQRS'], cqrsPattern)),
  ].sort((a, b) => a.pattern.localeCompare(b.pattern, 'en', { numeric: true }));
  console.log(renderTable(outcomes));
  return exitCode(outcomes);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
