import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_BYTES } from '../../src/apigateway/request-body.ts';
import { findMethod, findStage, readBodyWithinLimit } from '../../src/apigateway/route-step.ts';
import { API_ID, fixtureStack, STAGE } from './fixture-stack.ts';
import { answerOf, type FixtureRequest, passedOn, requestContext } from './rest-request-fixture.ts';

const stack = fixtureStack({
  methods: [
    { path: '/orders', method: 'GET' },
    { path: '/orders', method: 'POST' },
    { path: '/orders/{orderId}', method: 'GET' },
  ],
});

/** The request as the stage step passes it on. */
async function staged(request: FixtureRequest) {
  return passedOn(findStage(requestContext(stack, request)));
}

describe('findStage', () => {
  it('answers 403 Missing Authentication Token to an unknown API or stage, leaving the body unread', async () => {
    for (const path of ['//nope/test/orders', `//${API_ID}/other/orders`, '//']) {
      const context = requestContext(stack, { path, method: 'POST', chunks: [Buffer.from('{}')] });
      const answer = await answerOf(findStage(context));
      expect(answer.status).toBe(403);
      expect(answer.json).toEqual({ message: 'Missing Authentication Token' });
      expect(answer.headers).toMatchObject({ 'x-amzn-ErrorType': 'MissingAuthenticationTokenException' });
      expect(context.request.resumes()).toBe(1);
    }
  });

  it('passes a request to a deployed stage on with its API, whatever its path', async () => {
    const passed = await staged({ path: '/invoices' });
    expect(passed.api.id).toBe(API_ID);
    expect(passed.context).toMatchObject({ stage: STAGE, path: '/invoices' });
  });
});

describe('readBodyWithinLimit', () => {
  it('passes the body on as its chunks arrived', async () => {
    const request = await staged({
      path: '/orders',
      method: 'POST',
      chunks: [Buffer.from('{"a"'), Buffer.from(':1}')],
    });
    const passed = await passedOn(readBodyWithinLimit(request));
    expect(passed.body.toString()).toBe('{"a":1}');
  });

  it('answers 413 Request Too Long to a Content-Length over 10 MB without reading the body', async () => {
    const context = requestContext(stack, {
      path: '/orders',
      method: 'POST',
      headers: { 'content-length': String(MAX_REQUEST_BYTES + 1) },
      chunks: [Buffer.from('never read')],
    });
    const answer = await answerOf(readBodyWithinLimit(await passedOn(findStage(context))));
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual({ message: 'Request Too Long' });
    expect(context.request.resumes()).toBe(1);
  });

  it('answers 413 Request Too Long once a body sent without a length passes 10 MB', async () => {
    const half = Buffer.alloc(MAX_REQUEST_BYTES / 2);
    const request = await staged({ path: '/orders', method: 'POST', chunks: [half, half, Buffer.alloc(1)] });
    expect((await answerOf(readBodyWithinLimit(request))).status).toBe(413);
  });
});

describe('findMethod', () => {
  /** The request as the stage and body steps pass it on. */
  async function read(request: FixtureRequest) {
    return passedOn(readBodyWithinLimit(await staged(request)));
  }

  it('answers 403 Missing Authentication Token to a path or method the API has no method for', async () => {
    for (const request of [
      { path: '/invoices' },
      { path: '/orders', method: 'DELETE' },
      { path: '/orders/o-1/x' },
    ]) {
      const answer = await answerOf(findMethod(await read(request)));
      expect(answer.status).toBe(403);
      expect(answer.json).toEqual({ message: 'Missing Authentication Token' });
    }
  });

  it('passes the route on, and names its resource for the gateway responses after it', async () => {
    const request = await read({ path: '/orders/o%201' });
    expect(request.context.resourcePath).toBe('');
    const passed = await passedOn(findMethod(request));
    expect(passed.route.resource.path).toBe('/orders/{orderId}');
    expect(passed.route.pathParameters).toEqual({ orderId: 'o 1' });
    expect(passed.context.resourcePath).toBe('/orders/{orderId}');
  });

  it('routes by X-HTTP-Method-Override rather than the method on the wire', async () => {
    const request = await read({
      path: '/orders',
      method: 'POST',
      headers: { 'x-http-method-override': 'GET' },
    });
    expect((await passedOn(findMethod(request))).route.method.httpMethod).toBe('GET');
  });
});
