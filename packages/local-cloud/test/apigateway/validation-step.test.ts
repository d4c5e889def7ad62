import { describe, expect, it } from 'vitest';
import { ModelValidator } from '../../src/apigateway/request-validation.ts';
import { validateRequest } from '../../src/apigateway/validation-step.ts';
import { fixtureStack } from './fixture-stack.ts';
import { answerOf, type FixtureRequest, methodRequest, passedOn } from './rest-request-fixture.ts';

const model = { type: 'object', required: ['orderId'], properties: { orderId: { type: 'string' } } };
const stack = fixtureStack({
  methods: [{ path: '/orders', method: 'POST', model, requiredQuery: 'customerId' }],
  gatewayResponses: {
    BAD_REQUEST_BODY: {
      ResponseTemplates: { 'application/json': '{"detail":"$context.error.validationErrorString"}' },
    },
  },
});
const validate = validateRequest(new ModelValidator());

function post(path: string, body: string, headers: Record<string, string> = {}): FixtureRequest {
  return { path, method: 'POST', headers, chunks: [Buffer.from(body)] };
}

describe('validateRequest', () => {
  it('answers 400 Missing required request parameters before it looks at the body', async () => {
    for (const path of ['/orders', '/orders?customerId=', '/orders?customerId=%20']) {
      const answer = await answerOf(validate(methodRequest(stack, post(path, '{'))));
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ message: 'Missing required request parameters' });
    }
  });

  it("answers 400 with the validator's errors in $context.error.validationErrorString for a body the model refuses", async () => {
    const answer = await answerOf(
      validate(methodRequest(stack, post('/orders?customerId=c-1', '{"orderId":1}'))),
    );
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      detail: '[instance type (integer) does not match any allowed primitive type (allowed: ["string"])]',
    });
  });

  it('validates a body without Content-Type as application/json, and passes one the model accepts', async () => {
    const refused = methodRequest(stack, post('/orders?customerId=c-1', '{}'));
    expect((await answerOf(validate(refused))).status).toBe(400);
    const accepted = methodRequest(stack, post('/orders?customerId=c-1', '{"orderId":"o-1"}'));
    expect(await passedOn(validate(accepted))).toBe(accepted);
  });

  it('passes a body whose content type has no model, as API Gateway does', async () => {
    const request = methodRequest(
      stack,
      post('/orders?customerId=c-1', 'not json', { 'content-type': 'text/plain' }),
    );
    expect(await passedOn(validate(request))).toBe(request);
  });
});
