import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '@serverless-data-sharing/local-cloud';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { callApi, uniqueId } from './api-client.ts';
import { dynamoDbClient } from './aws-clients.ts';
import {
  type BadRequest,
  type CorpusContext,
  corpusIds,
  FAMILIES,
  type Family,
  familyCorpus,
} from './bad-input/corpus.ts';
import { closeConnections, Pacer, type RawAnswer, sendRaw } from './bad-input/raw-client.ts';
import { type Outcome, summaryMarkdown, summaryOf } from './bad-input/summary.ts';
import { verdict } from './bad-input/verdict.ts';
import { STATE_DIRECTORY } from './global-setup.ts';

const target = inject('target');
const stageUrl = new URL(target.apiUrl);
const region = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(stageUrl.hostname)?.[1] ?? LOCAL_REGION;
const runId = uniqueId('run');
const ids = corpusIds(runId);
// Requests with the key count against its usage plan (50 requests/s, bursts of 100); the others only against the
// stage's 100/s. Together they stay under both; a 429 from another caller's share is waited out and sent again.
const keyed = new Pacer(48, 90, 8);
const keyless = new Pacer(30, 30, 4);
const outcomes = new Map<Family, Outcome[]>();
let context: CorpusContext;
/** The shared order the corpus must leave as it was, as first written. */
let sharedOrderBefore: unknown;

beforeAll(async () => {
  const sharedOrderId = `bad-shared-kept-${runId}`;
  const shared = await callApi(`shared/orders/${sharedOrderId}`, {
    method: 'PUT',
    body: {
      customerId: `good-${runId}`,
      currency: 'EUR',
      lines: [{ sku: 'book-ddia', quantity: 2, unitPriceCents: 4599 }],
    },
  });
  expect(shared.status, shared.text).toBe(201);
  sharedOrderBefore = (await callApi(`shared/orders/${sharedOrderId}`)).json;
  const placed = await callApi('cqrs/orders', {
    method: 'POST',
    body: {
      customerId: `good-${runId}`,
      currency: 'EUR',
      lines: [{ sku: 'book-ddia', quantity: 1, unitPriceCents: 4599 }],
    },
  });
  expect(placed.status, placed.text).toBe(202);
  context = {
    runId,
    apiKey: target.apiKey,
    apiKeyId: target.outputs.ApiKeyId ?? 'no-key-id',
    sharedOrderId,
    cqrsOrderId: (placed.json as { orderId: string }).orderId,
    accessKeyId: LOCAL_CREDENTIALS.accessKeyId,
    region,
  };
});

afterAll(async () => {
  closeConnections();
  if (outcomes.size === 0) {
    return;
  }
  const summary = summaryOf(outcomes);
  const markdown = summaryMarkdown(summary);
  await mkdir(STATE_DIRECTORY, { recursive: true });
  await writeFile(
    path.join(STATE_DIRECTORY, 'bad-input-summary.json'),
    `${JSON.stringify(summary, null, 2)}\n`,
  );
  await writeFile(path.join(STATE_DIRECTORY, 'bad-input-summary.md'), markdown);
  console.log(`Bad input on ${target.name}:\n${markdown}`);
});

/** Sends a bad request with its key and signature; a 429 is waited out and sent again, never taken as an answer. */
async function send(request: BadRequest): Promise<RawAnswer> {
  const pacer = request.apiKey.kind === 'valid' ? keyed : keyless;
  return pacer.run(async () => {
    const body = request.body?.();
    let answer: RawAnswer | undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      const headers: Record<string, string> = { ...request.headers };
      if (request.apiKey.kind === 'valid') {
        headers['x-api-key'] = target.apiKey;
      } else if (request.apiKey.kind === 'value') {
        headers['x-api-key'] = request.apiKey.value;
      }
      if (request.signing) {
        Object.assign(headers, await signatureHeaders(request));
      }
      await pacer.token();
      answer = await sendRaw(stageUrl, {
        method: request.method,
        path: request.path,
        headers,
        ...(body ? { body } : {}),
      });
      if (answer.status !== 429) {
        return answer;
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
    return answer as RawAnswer;
  });
}

/** SigV4 headers for a request, signed wrongly in the way the request says. */
async function signatureHeaders(request: BadRequest): Promise<Record<string, string>> {
  const signing = request.signing;
  if (!signing) {
    return {};
  }
  const signer = new SignatureV4({
    service: signing.service ?? 'execute-api',
    region: signing.region ?? region,
    credentials: {
      accessKeyId: signing.accessKeyId,
      secretAccessKey: signing.secretAccessKey,
      ...(signing.sessionToken ? { sessionToken: signing.sessionToken } : {}),
    },
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: stageUrl.protocol,
      hostname: stageUrl.hostname,
      ...(stageUrl.port ? { port: Number(stageUrl.port) } : {}),
      path: `${stageUrl.pathname}${signing.signedPath ?? request.path}`,
      query: {},
      headers: { host: stageUrl.host },
    },
    { signingDate: new Date(Date.now() - (signing.ageSeconds ?? 0) * 1000) },
  );
  return signed.headers;
}

describe('bad input: every bad request gets a 4xx problem and changes nothing', () => {
  for (const family of FAMILIES) {
    it(`${family}: answers each of its bad requests with a 4xx problem, never a 5xx`, async () => {
      const corpus = familyCorpus(family, context);
      expect(corpus.length).toBeGreaterThanOrEqual(100);
      const results = await Promise.all(
        corpus.map(async (request) => {
          try {
            const answer = await send(request);
            const problem = String(answer.headers['content-type']).startsWith('application/problem+json');
            return { request, status: answer.status, problem, wrong: verdict(request, answer) };
          } catch (error) {
            return { request, status: 0, problem: false, wrong: `no answer: ${(error as Error).message}` };
          }
        }),
      );
      outcomes.set(
        family,
        results.map(({ request, status, problem, wrong }) => ({
          name: request.name,
          category: request.category,
          status,
          ok: wrong === undefined,
          problem,
        })),
      );
      const wrong = results.flatMap(({ request, wrong }) => (wrong ? [`${request.name}: ${wrong}`] : []));
      expect(wrong).toEqual([]);
    }, 300_000);

    it(`${family}: wrote nothing for any of them`, async () => {
      await noWrites[family]();
    }, 60_000);
  }
});

/** For each family, what would be there had a bad request been half-applied. */
const noWrites: Readonly<Record<Family, () => Promise<void>>> = {
  sync: async () => {
    expect((await callApi(`sync/orders/${ids.syncOrderId}`)).status).toBe(404);
  },
  queue: async () => {
    // The status is recorded before the message is sent: no status, no message.
    expect((await callApi(`queue/orders/${ids.queueOrderId}`)).status).toBe(404);
  },
  stream: async () => {
    // One good event for the corpus's SKU: once it is counted, every earlier event of the SKU (same shard, in
    // order) would be too. The stats must hold that event alone.
    const canary = await callApi('stream/events', {
      method: 'POST',
      body: {
        events: [
          {
            eventId: `canary-${runId}`,
            sku: ids.streamSku,
            type: 'view',
            occurredAt: '2026-11-22T10:15:00Z',
          },
        ],
      },
    });
    expect(canary.status, canary.text).toBe(202);
    const stats = await eventually(
      async () => {
        const response = await callApi(`stream/stats/${ids.streamSku}`);
        return response.status === 200 ? response.json : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: `the canary event counted for ${ids.streamSku}` },
    );
    expect(stats).toMatchObject({ views: 1, reviews: 0, purchases: 0, units: 0 });
  },
  files: async () => {
    // Every file name of the corpus carries the marker (but ".", ".." and ""): no record may hold it.
    const found = await scanCount(target.outputs.FileRecordsTableName as string, {
      FilterExpression: 'contains(filename, :marker)',
      ExpressionAttributeValues: { ':marker': { S: ids.fileMarker } },
    });
    expect(found).toBe(0);
  },
  shared: async () => {
    const kept = await callApi(`shared/orders/${context.sharedOrderId}`);
    expect(kept.status).toBe(200);
    expect(kept.headers.get('etag')).toBe('"1"');
    expect(kept.json).toEqual(sharedOrderBefore);
    expect((await callApi(`shared/orders/${ids.sharedNewOrderId}`)).status).toBe(404);
  },
  cqrs: async () => {
    const log = target.outputs.CqrsEventLogTableName as string;
    const { Count } = await dynamoDbClient().send(
      new QueryCommand({
        TableName: log,
        KeyConditionExpression: 'orderId = :id',
        ExpressionAttributeValues: { ':id': { S: context.cqrsOrderId } },
        ConsistentRead: true,
      }),
    );
    expect(Count).toBe(1);
    const placed = await scanCount(log, {
      FilterExpression: '#data.#customer = :customer',
      ExpressionAttributeNames: { '#data': 'data', '#customer': 'customerId' },
      ExpressionAttributeValues: { ':customer': { S: ids.cqrsCustomerId } },
    });
    expect(placed).toBe(0);
  },
  pubsub: async () => {
    // Recorded before it is published: an order never recorded was never published.
    expect((await callApi(`events/orders/${ids.pubsubOrderId}/deliveries`)).status).toBe(404);
  },
  push: async () => {
    // Tickets are stored as anonymous hashes, so there is nothing to look up; every refusal comes before the
    // ticket is made (test/unit/status-push), and no answer above carried one.
    expect(outcomes.get('push')?.every((outcome) => outcome.status >= 400)).toBe(true);
  },
};

/** Items of a table matching a filter, over every page of a strongly consistent scan. */
async function scanCount(
  tableName: string,
  filter: Pick<
    ConstructorParameters<typeof ScanCommand>[0],
    'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
  >,
): Promise<number> {
  let count = 0;
  let start: ConstructorParameters<typeof ScanCommand>[0]['ExclusiveStartKey'];
  do {
    const page = await dynamoDbClient().send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start, ...filter }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}
