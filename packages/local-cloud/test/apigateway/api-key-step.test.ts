import { describe, expect, it } from 'vitest';
import { requireApiKey } from '../../src/apigateway/api-key-step.ts';
import { API_ID, fixtureStack, KEY_VALUE } from './fixture-stack.ts';
import { answerOf, methodRequest, passedOn } from './rest-request-fixture.ts';

const methods = [
  { path: '/orders', method: 'GET', apiKeyRequired: true },
  { path: '/health', method: 'GET' },
];

/** The fixture stack with its usage plan on another stage of the API. */
function planOnOtherStage() {
  const stack = fixtureStack({ methods });
  const plan = stack.resources.get('Plan');
  (stack.resources as Map<string, unknown>).set('Plan', {
    ...plan,
    properties: { ...plan?.properties, ApiStages: [{ ApiId: API_ID, Stage: 'other' }] },
  });
  return stack;
}

describe('requireApiKey', () => {
  it('passes a request to a method that requires no key on without one, whatever it sends', async () => {
    const request = methodRequest(fixtureStack({ methods }), {
      path: '/health',
      headers: { 'x-api-key': KEY_VALUE },
    });
    expect((await passedOn(requireApiKey(request))).apiKey).toBeUndefined();
  });

  it('passes the key id and value on when a usage plan covers the API and stage', async () => {
    const request = methodRequest(fixtureStack({ methods }), {
      path: '/orders',
      headers: { 'x-api-key': KEY_VALUE },
    });
    expect((await passedOn(requireApiKey(request))).apiKey).toEqual({ id: 'key1', value: KEY_VALUE });
  });

  it('answers 403 Forbidden without a key, or with one that is unknown, disabled or in no plan for this stage', async () => {
    const refused = [
      [fixtureStack({ methods }), {}],
      [fixtureStack({ methods }), { 'x-api-key': 'k'.repeat(39) }],
      [fixtureStack({ methods, keyEnabled: false }), { 'x-api-key': KEY_VALUE }],
      [fixtureStack({ methods, keyInPlan: false }), { 'x-api-key': KEY_VALUE }],
      [planOnOtherStage(), { 'x-api-key': KEY_VALUE }],
    ] as const;
    for (const [stack, headers] of refused) {
      const answer = await answerOf(requireApiKey(methodRequest(stack, { path: '/orders', headers })));
      expect(answer.status).toBe(403);
      expect(answer.json).toEqual({ message: 'Forbidden' });
      expect(answer.headers).toMatchObject({ 'x-amzn-ErrorType': 'ForbiddenException' });
    }
  });
});
