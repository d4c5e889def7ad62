import { describe, expect, it } from 'vitest';
import { integrate } from '../../src/apigateway/integration-step.ts';
import type { FunctionInvoker, InvokeOutcome } from '../../src/lambda/types.ts';
import { fixtureStack } from './fixture-stack.ts';
import { methodRequest } from './rest-request-fixture.ts';

const MOCK_PREFLIGHT = {
  Type: 'MOCK',
  RequestTemplates: { 'application/json': '{ statusCode: 200 }' },
  IntegrationResponses: [
    {
      StatusCode: '204',
      ResponseParameters: { 'method.response.header.Access-Control-Allow-Origin': "'*'" },
    },
  ],
};
const stack = fixtureStack({
  methods: [
    { path: '/orders', method: 'GET' },
    { path: '/orders', method: 'OPTIONS', integration: MOCK_PREFLIGHT },
  ],
});

/** The integration step over a function that answers `outcome`, with the lines it logs and the invocations. */
function integration(outcome: InvokeOutcome) {
  const lines: string[] = [];
  const payloads: string[] = [];
  const invoker: FunctionInvoker = {
    invoke: async (_arn, payload) => {
      payloads.push(payload);
      return outcome;
    },
  };
  return {
    step: integrate({ invoker, accountId: '000000000000', log: (line) => lines.push(line) }),
    lines,
    payloads,
  };
}

describe('integrate', () => {
  it("answers a MOCK method with its integration response's static headers, and invokes no function", async () => {
    const { step, payloads } = integration({ status: 'succeeded', payload: '{}', durationMs: 1 });
    const answer = await step(methodRequest(stack, { path: '/orders', method: 'OPTIONS' }));
    expect(answer).toEqual({
      status: 204,
      headers: { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' },
      body: '',
    });
    expect(payloads).toHaveLength(0);
  });

  it("answers the function's proxy response, with Content-Type application/json when it sets none", async () => {
    const { step } = integration({
      status: 'succeeded',
      payload: '{"statusCode":201,"body":"made"}',
      durationMs: 1,
    });
    const answer = await step(methodRequest(stack, { path: '/orders' }));
    expect(answer).toEqual({
      status: 201,
      headers: [['Content-Type', 'application/json']],
      body: Buffer.from('made'),
    });
  });

  it('answers 502 to a function error, and logs the error with the request id', async () => {
    const { step, lines } = integration({
      status: 'function-error',
      errorType: 'Error',
      payload: '{"x":1}',
      durationMs: 1,
    });
    const request = methodRequest(stack, { path: '/orders' });
    expect((await step(request)).status).toBe(502);
    expect(lines).toEqual([`${request.context.requestId} Lambda function error: {"x":1}`]);
  });
});
