import { describe, expect, it } from 'vitest';
import { throttle } from '../../src/apigateway/throttle-step.ts';
import { QuotaCounters, TokenBuckets } from '../../src/apigateway/throttling.ts';
import type { DeployedStack } from '../../src/cloudformation/types.ts';
import { fixtureStack, KEY_VALUE } from './fixture-stack.ts';
import { answerOf, methodRequest } from './rest-request-fixture.ts';

const KEYED = { path: '/orders', method: 'GET', apiKeyRequired: true };
const OPEN = { path: '/health', method: 'GET' };

/** A throttle step on a clock the test moves, and the statuses it gives request after request. */
function throttled(stack: DeployedStack) {
  let nowMs = Date.parse('2026-12-07T10:00:00Z');
  const step = throttle({
    buckets: new TokenBuckets(() => nowMs),
    quotas: new QuotaCounters(() => new Date(nowMs)),
  });
  const send = (path: string, apiKey?: { id: string; value: string }) =>
    step({ ...methodRequest(stack, { path }), apiKey });
  return {
    /** The status of each request in turn: 200 for one passed on. */
    statuses: async (path: string, count: number, apiKey?: { id: string; value: string }) => {
      const statuses: number[] = [];
      for (let index = 0; index < count; index++) {
        const result = await send(path, apiKey);
        statuses.push('answer' in result ? result.answer.status : 200);
      }
      return statuses;
    },
    /** The body of the answer to the next request. */
    message: async (path: string, apiKey?: { id: string; value: string }) =>
      (await answerOf(send(path, apiKey))).json,
    advanceSeconds: (seconds: number) => {
      nowMs += seconds * 1000;
    },
  };
}

/** The fixture stack with a stage-wide throttle (`MethodSettings` for `/*` and `*`). */
function withStageThrottle(stack: DeployedStack, rateLimit: number, burstLimit: number): DeployedStack {
  const stage = stack.resources.get('Stage');
  (stack.resources as Map<string, unknown>).set('Stage', {
    ...stage,
    properties: {
      ...stage?.properties,
      MethodSettings: [
        {
          ResourcePath: '/*',
          HttpMethod: '*',
          ThrottlingRateLimit: rateLimit,
          ThrottlingBurstLimit: burstLimit,
        },
      ],
    },
  });
  return stack;
}

const KEY = { id: 'key1', value: KEY_VALUE };

describe('throttle', () => {
  it("passes a key's requests up to its plan's burst, then answers 429 Too Many Requests until tokens refill", async () => {
    const limits = throttled(
      fixtureStack({ methods: [KEYED], planThrottle: { RateLimit: 1, BurstLimit: 2 } }),
    );
    expect(await limits.statuses('/orders', 3, KEY)).toEqual([200, 200, 429]);
    expect(await limits.message('/orders', KEY)).toEqual({ message: 'Too Many Requests' });
    limits.advanceSeconds(1);
    expect(await limits.statuses('/orders', 2, KEY)).toEqual([200, 429]);
  });

  it("answers 429 Limit Exceeded past the plan's quota, and counts again in the next period", async () => {
    const limits = throttled(fixtureStack({ methods: [KEYED], quota: { Limit: 2, Period: 'DAY' } }));
    expect(await limits.statuses('/orders', 2, KEY)).toEqual([200, 200]);
    expect(await limits.message('/orders', KEY)).toEqual({ message: 'Limit Exceeded' });
    limits.advanceSeconds(24 * 3600);
    expect(await limits.statuses('/orders', 1, KEY)).toEqual([200]);
  });

  it('applies no usage plan to a request without a key', async () => {
    const limits = throttled(fixtureStack({ methods: [OPEN], quota: { Limit: 1, Period: 'DAY' } }));
    expect(await limits.statuses('/health', 3)).toEqual([200, 200, 200]);
  });

  it('throttles by stage first: a request the stage refuses does not count against the key quota', async () => {
    const stack = withStageThrottle(
      fixtureStack({ methods: [KEYED], quota: { Limit: 2, Period: 'DAY' } }),
      1,
      1,
    );
    const limits = throttled(stack);
    expect(await limits.statuses('/orders', 2, KEY)).toEqual([200, 429]);
    limits.advanceSeconds(1);
    expect(await limits.statuses('/orders', 1, KEY)).toEqual([200]);
    limits.advanceSeconds(1);
    expect(await limits.message('/orders', KEY)).toEqual({ message: 'Limit Exceeded' });
  });
});
