import { describe, expect, it } from 'vitest';
import { localSecretFor } from '../../src/account.ts';
import { authorize } from '../../src/apigateway/authorization-step.ts';
import { fixtureStack } from './fixture-stack.ts';
import { answerOf, methodRequest, passedOn } from './rest-request-fixture.ts';

const stack = fixtureStack({
  methods: [
    { path: '/orders', method: 'GET', authorizationType: 'AWS_IAM' },
    { path: '/health', method: 'GET' },
  ],
});
const step = authorize({ secretFor: localSecretFor, region: 'us-east-1', accountId: '000000000000' });

describe('authorize', () => {
  it('passes a request to a method without authorization on, with no caller', async () => {
    const request = methodRequest(stack, { path: '/health', headers: { authorization: 'anything' } });
    expect(await passedOn(step(request))).toBe(request);
  });

  it('answers 403 Missing Authentication Token to an unsigned request to an AWS_IAM method', async () => {
    const answer = await answerOf(step(methodRequest(stack, { path: '/orders' })));
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({ message: 'Missing Authentication Token' });
  });

  it("answers 403 with the signature check's message and error type to a malformed signature", async () => {
    const headers = { authorization: 'AWS4-HMAC-SHA256 Credential=local/20261207/us-east-1/execute-api' };
    const answer = await answerOf(step(methodRequest(stack, { path: '/orders', headers })));
    expect(answer.status).toBe(403);
    expect(answer.headers).toMatchObject({ 'x-amzn-ErrorType': 'IncompleteSignatureException' });
  });
});
