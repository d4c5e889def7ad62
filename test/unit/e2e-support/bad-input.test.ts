import { describe, expect, it } from 'vitest';
import {
  type BadRequest,
  CATEGORIES,
  type Category,
  type CorpusContext,
  corpusIds,
  FAMILIES,
  familyCorpus,
} from '../../e2e/bad-input/corpus.ts';
import { jsonText, raw, withMember, withValue } from '../../e2e/bad-input/json-text.ts';
import type { RawAnswer } from '../../e2e/bad-input/raw-client.ts';
import { summaryMarkdown, summaryOf } from '../../e2e/bad-input/summary.ts';
import { verdict } from '../../e2e/bad-input/verdict.ts';

const context: CorpusContext = {
  runId: 'run-1',
  apiKey: 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd',
  apiKeyId: 'key123',
  sharedOrderId: 'shared-1',
  cqrsOrderId: '0b9f6f5e-8a47-4d0c-9a57-3c1f0d3e2b11',
  accessKeyId: 'local',
  region: 'us-east-1',
};

/** What every family that takes a JSON body is tried with. */
const BODY_CATEGORIES: readonly Category[] = [
  'malformed-json',
  'content-type',
  'empty-body',
  'huge-body',
  'unknown-field',
  'deep-nesting',
  'invalid-unicode',
  'api-key',
  'method',
];

describe('the bad-input corpus', () => {
  it.each(FAMILIES)('holds at least 100 requests for %s, each named once', (family) => {
    const corpus = familyCorpus(family, context);
    expect(corpus.length).toBeGreaterThanOrEqual(100);
    expect(new Set(corpus.map((request) => request.name)).size).toBe(corpus.length);
  });

  it.each(FAMILIES)('tries %s with every body-wide category', (family) => {
    const categories = new Set(familyCorpus(family, context).map((request) => request.category));
    expect(BODY_CATEGORIES.filter((category) => !categories.has(category))).toEqual([]);
  });

  it('covers every category somewhere, field by field where families have fields', () => {
    const all = FAMILIES.flatMap((family) => familyCorpus(family, context));
    const categories = new Set(all.map((request) => request.category));
    expect((Object.keys(CATEGORIES) as Category[]).filter((category) => !categories.has(category))).toEqual(
      [],
    );
    for (const family of FAMILIES.filter((name) => name !== 'push')) {
      const kinds = new Set(familyCorpus(family, context).map((request) => request.category));
      expect([...kinds]).toEqual(
        expect.arrayContaining(['wrong-type', 'out-of-range', 'missing-field', 'traversal-and-control']),
      );
    }
  });

  it('expects only 4xx answers, and API Gateway’s own body only for 413', () => {
    for (const request of FAMILIES.flatMap((family) => familyCorpus(family, context))) {
      expect(request.expected.every((status) => status >= 400 && status < 500 && status !== 429)).toBe(true);
      if (request.gatewayOwn) {
        expect(request.expected).toEqual([413]);
      }
    }
  });

  it('writes under the run’s ids, so a half-applied request can be looked for', () => {
    const ids = corpusIds(context.runId);
    const sync = familyCorpus('sync', context);
    const keyless = sync.find((request) => request.name === 'POST /sync/orders: no API key') as BadRequest;
    expect(JSON.parse(keyless.body?.().toString() ?? '{}').orderId).toBe(ids.syncOrderId);
    const upload = familyCorpus('files', context).find((request) => request.name.endsWith('holds CR LF'));
    expect(upload?.body?.().toString()).toContain(ids.fileMarker);
  });

  it('builds bodies of exactly 10 MB + 1 byte when sent', () => {
    const huge = familyCorpus('push', context).find((request) => request.name.endsWith('is 10 MB + 1 byte'));
    expect(huge?.body?.().length).toBe(10_485_761);
  });
});

describe('JSON text for bad bodies', () => {
  it('splices raw text where JSON.stringify cannot write it', () => {
    expect(jsonText({ a: raw('1e400'), b: [raw('[[]]')], c: 'x' })).toBe('{"a":1e400,"b":[[[]]],"c":"x"}');
  });

  it('replaces and removes values by path, without touching the original', () => {
    const body = { lines: [{ sku: 'a', quantity: 1 }], currency: 'EUR' };
    expect(withValue(body, 'lines/0/quantity', 1.5)).toEqual({
      lines: [{ sku: 'a', quantity: 1.5 }],
      currency: 'EUR',
    });
    expect(withValue(body, 'currency', undefined)).toEqual({ lines: [{ sku: 'a', quantity: 1 }] });
    expect(body.lines[0]?.quantity).toBe(1);
  });

  it('adds __proto__ as a member, not as the prototype', () => {
    expect(jsonText(withMember({ a: 1 }, '', '__proto__', { admin: true }))).toBe(
      '{"a":1,"__proto__":{"admin":true}}',
    );
  });
});

describe('verdict on an answer', () => {
  const request = (overrides: Partial<BadRequest> = {}): BadRequest => ({
    family: 'sync',
    category: 'malformed-json',
    name: 'POST /sync/orders: is cut off',
    method: 'POST',
    path: 'sync/orders',
    headers: {},
    apiKey: { kind: 'valid' },
    expected: [400],
    ...overrides,
  });
  const answer = (status: number, contentType: string, body: unknown): RawAnswer => ({
    status,
    headers: { 'content-type': contentType },
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  });
  const problem = (status: number) => ({ type: 'urn:problem:x', title: 'Invalid', status, detail: 'd' });

  it('accepts a problem with the expected status', () => {
    expect(verdict(request(), answer(400, 'application/problem+json', problem(400)))).toBeUndefined();
  });

  it.each([
    ['a 5xx', answer(500, 'application/problem+json', problem(500)), 'not a 4xx'],
    ['a 429', answer(429, 'application/problem+json', problem(429)), 'not a 4xx'],
    ['a success', answer(201, 'application/json', {}), 'not a 4xx'],
    ['another 4xx', answer(404, 'application/problem+json', problem(404)), 'expected 400'],
    ['plain JSON', answer(400, 'application/json', { message: 'Bad' }), 'not application/problem+json'],
    ['HTML', answer(400, 'text/html', '<h1>Bad</h1>'), 'not JSON'],
    [
      'a problem without status',
      answer(400, 'application/problem+json', { type: 't', title: 't' }),
      'type, title',
    ],
    ['a problem with another status', answer(400, 'application/problem+json', problem(403)), 'type, title'],
  ])('refuses %s', (_, given, reason) => {
    expect(verdict(request(), given)).toContain(reason);
  });

  it('takes API Gateway’s own 413 body only where API Gateway answers first', () => {
    const own = answer(413, 'application/json', { message: 'Request Too Long' });
    expect(verdict(request({ expected: [413], gatewayOwn: true }), own)).toBeUndefined();
    expect(verdict(request({ expected: [413] }), own)).toContain('not application/problem+json');
  });
});

describe('the bad-input summary', () => {
  it('counts answers by family and status, 5xx and unexpected answers apart', () => {
    const summary = summaryOf(
      new Map([
        [
          'sync',
          [
            { name: 'a', category: 'malformed-json', status: 400, ok: true, problem: true },
            { name: 'b', category: 'huge-body', status: 413, ok: true, problem: false },
            { name: 'c', category: 'huge-body', status: 500, ok: false, problem: true },
          ],
        ],
        ['push', [{ name: 'd', category: 'method', status: 404, ok: true, problem: true }]],
      ]),
    );
    expect(summary).toMatchObject({ requests: 4, statuses: [400, 404, 413, 500], wrong: 1, gatewayOwn: 1 });
    expect(summary.families.map((entry) => entry.family)).toEqual(['sync', 'push']);
    expect(summaryMarkdown(summary).split('\n')).toEqual([
      '| family | requests | 400 | 404 | 413 | 5xx | not as expected |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      '| 1. API payload (`/sync/orders`) | 3 | 1 | 0 | 1 | 1 | 1 |',
      '| 8. Status push (`/push/tickets`) | 1 | 0 | 1 | 0 | 0 | 0 |',
      '| **all** | 4 | 1 | 1 | 1 | 1 | 1 |',
      '',
      'Of the 413 answers, 1 are API Gateway\'s own `{"message":"Request Too Long"}` (a response it does not let an API customise); every other answer is `application/problem+json`.',
      '',
    ]);
  });
});
