import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRestApis } from '../../src/apigateway/rest-api-model.ts';
import {
  localEndpointFor,
  type RestApiServer,
  startRestApiServer,
} from '../../src/apigateway/rest-api-server.ts';
import type { FunctionInvoker, InvokeOutcome } from '../../src/lambda/types.ts';
import { StaticSite } from '../../src/static-site.ts';
import { API_ID, fixtureStack, KEY_VALUE, STAGE } from './fixture-stack.ts';

let server: RestApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A function that answers with what `answer` makes of the event, and records the events. */
function fakeFunction(answer: (event: APIGatewayProxyEvent) => InvokeOutcome | Promise<InvokeOutcome>) {
  const events: APIGatewayProxyEvent[] = [];
  const invoker: FunctionInvoker = {
    invoke: async (_arn, payload) => {
      const event = JSON.parse(payload) as APIGatewayProxyEvent;
      events.push(event);
      return answer(event);
    },
  };
  return { invoker, events };
}

const ok = (body: unknown): InvokeOutcome => ({
  status: 'succeeded',
  payload: JSON.stringify({ statusCode: 200, body: JSON.stringify(body) }),
  durationMs: 1,
});

async function serve(stack: ReturnType<typeof fixtureStack>, invoker: FunctionInvoker): Promise<string> {
  server = await startRestApiServer({ stack, invoker, port: 0 });
  return server.urlFor(API_ID, STAGE);
}

/** The OPTIONS method CDK's `defaultCorsPreflightOptions` writes for one allowed origin. */
const CDK_CORS_PREFLIGHT = {
  Type: 'MOCK',
  RequestTemplates: { 'application/json': '{ statusCode: 200 }' },
  IntegrationResponses: [
    {
      StatusCode: '204',
      ResponseParameters: {
        'method.response.header.Access-Control-Allow-Headers':
          "'Content-Type,X-Api-Key,If-Match,If-None-Match'",
        'method.response.header.Access-Control-Allow-Origin': "'http://127.0.0.1:4020'",
        'method.response.header.Vary': "'Origin'",
        'method.response.header.Access-Control-Allow-Methods': "'GET,POST,PUT,PATCH'",
        'method.response.header.Access-Control-Max-Age': "'3600'",
      },
    },
  ],
};

const PROBLEM_TEMPLATE =
  '{"type":"$context.error.responseType","title":$context.error.messageString,"detail":"$context.error.validationErrorString","path":"$context.path"}';

describe('REST API server', () => {
  it('answers 403 Missing Authentication Token for unknown paths, stages and methods', async () => {
    const { invoker, events } = fakeFunction(() => ok({}));
    const url = await serve(fixtureStack({ methods: [{ path: '/orders', method: 'GET' }] }), invoker);
    for (const target of [
      `${url}invoices`,
      url.replace(`/${STAGE}/`, '/other/') + 'orders',
      `http://127.0.0.1:${server?.port}/nope/test/orders`,
    ]) {
      const response = await fetch(target);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
      expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    }
    expect((await fetch(`${url}orders`, { method: 'DELETE' })).status).toBe(403);
    expect(events).toHaveLength(0);
  });

  it('routes by X-HTTP-Method-Override, which the function does not see', async () => {
    const { invoker, events } = fakeFunction(() => ok({}));
    const url = await serve(
      fixtureStack({
        methods: [
          { path: '/orders', method: 'POST' },
          { path: '/orders', method: 'GET' },
        ],
      }),
      invoker,
    );
    const deleted = await fetch(`${url}orders`, {
      method: 'POST',
      headers: { 'X-HTTP-Method-Override': 'DELETE' },
      body: '{}',
    });
    expect(deleted.status).toBe(403);
    expect(events).toHaveLength(0);
    const read = await fetch(`${url}orders`, {
      method: 'POST',
      headers: { 'X-HTTP-Method-Override': 'GET' },
    });
    expect(read.status).toBe(200);
    expect(events[0]?.httpMethod).toBe('GET');
    expect(Object.keys(events[0]?.headers ?? {}).map((name) => name.toLowerCase())).not.toContain(
      'x-http-method-override',
    );
  });

  it('serves its static site on paths no API id takes, and every other path to the APIs', async () => {
    const { invoker, events } = fakeFunction(() => ok({ from: 'function' }));
    const stack = fixtureStack({ methods: [{ path: '/orders', method: 'GET' }] });
    server = await startRestApiServer({
      stack,
      invoker,
      port: 0,
      site: new StaticSite({ mounts: [], documents: { '/_local/info.json': () => ({ from: 'site' }) } }),
    });
    const origin = `http://127.0.0.1:${server.port}`;
    expect(await (await fetch(`${origin}/_local/info.json`)).json()).toEqual({ from: 'site' });
    expect(await (await fetch(`${server.urlFor(API_ID, STAGE)}orders`)).json()).toEqual({ from: 'function' });
    expect(events).toHaveLength(1);
    expect((await fetch(`${origin}/`)).status).toBe(403);
  });

  it('answers a CORS preflight from its MOCK integration, without an API key and without a function', async () => {
    const { invoker, events } = fakeFunction(() => ok({}));
    const methods = [
      { path: '/orders', method: 'POST', apiKeyRequired: true },
      { path: '/orders', method: 'OPTIONS', integration: CDK_CORS_PREFLIGHT },
    ];
    const url = await serve(fixtureStack({ methods }), invoker);
    const preflight = await fetch(`${url}orders`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://127.0.0.1:4020', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(
      Object.fromEntries([...preflight.headers].filter(([name]) => name.startsWith('access-control'))),
    ).toEqual({
      'access-control-allow-origin': 'http://127.0.0.1:4020',
      'access-control-allow-headers': 'Content-Type,X-Api-Key,If-Match,If-None-Match',
      'access-control-allow-methods': 'GET,POST,PUT,PATCH',
      'access-control-max-age': '3600',
    });
    expect(preflight.headers.get('vary')).toBe('Origin');
    expect(events).toHaveLength(0);
  });

  it('refuses to boot a MOCK integration whose answer needs VTL, which it does not evaluate', () => {
    const integration = {
      ...CDK_CORS_PREFLIGHT,
      IntegrationResponses: [
        {
          StatusCode: '204',
          ResponseTemplates: { 'application/json': '#set($origin = $input.params("Origin"))' },
        },
      ],
    };
    expect(() =>
      buildRestApis(fixtureStack({ methods: [{ path: '/orders', method: 'OPTIONS', integration }] })),
    ).toThrow(/VTL/);
  });

  it('requires an existing, enabled API key that a usage plan covers', async () => {
    const { invoker, events } = fakeFunction(() => ok({}));
    const methods = [{ path: '/orders', method: 'GET', apiKeyRequired: true }];
    let url = await serve(fixtureStack({ methods }), invoker);
    expect((await fetch(`${url}orders`)).status).toBe(403);
    expect((await fetch(`${url}orders`, { headers: { 'x-api-key': 'wrong' } })).status).toBe(403);
    const accepted = await fetch(`${url}orders`, { headers: { 'x-api-key': KEY_VALUE } });
    expect(accepted.status).toBe(200);
    expect(events[0]?.requestContext.identity).toMatchObject({ apiKey: KEY_VALUE, apiKeyId: 'key1' });
    await server?.close();
    url = await serve(fixtureStack({ methods, keyEnabled: false }), invoker);
    expect((await fetch(`${url}orders`, { headers: { 'x-api-key': KEY_VALUE } })).status).toBe(403);
    await server?.close();
    url = await serve(fixtureStack({ methods, keyInPlan: false }), invoker);
    expect((await fetch(`${url}orders`, { headers: { 'x-api-key': KEY_VALUE } })).status).toBe(403);
  });

  it('throttles a key past its usage plan burst with 429, and enforces the quota', async () => {
    const { invoker } = fakeFunction(() => ok({}));
    const methods = [{ path: '/orders', method: 'GET', apiKeyRequired: true }];
    let url = await serve(
      fixtureStack({ methods, planThrottle: { RateLimit: 0.001, BurstLimit: 2 } }),
      invoker,
    );
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await fetch(`${url}orders`, { headers: { 'x-api-key': KEY_VALUE } })).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    await server?.close();
    url = await serve(fixtureStack({ methods, quota: { Limit: 1, Period: 'DAY' } }), invoker);
    expect((await fetch(`${url}orders`, { headers: { 'x-api-key': KEY_VALUE } })).status).toBe(200);
    const over = await fetch(`${url}orders`, { headers: { 'x-api-key': KEY_VALUE } });
    expect(over.status).toBe(429);
    expect(await over.json()).toEqual({ message: 'Limit Exceeded' });
  });

  it("checks a request in API Gateway's order: the API key, then throttling, then the body", async () => {
    const { invoker, events } = fakeFunction(() => ok({}));
    const model = { type: 'object', required: ['orderId'] };
    const methods = [{ path: '/orders', method: 'POST', apiKeyRequired: true, model }];
    const url = await serve(
      fixtureStack({ methods, planThrottle: { RateLimit: 0.001, BurstLimit: 1 } }),
      invoker,
    );
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${url}orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const keyless = await post({}, '{}');
    expect([keyless.status, await keyless.json()]).toEqual([403, { message: 'Forbidden' }]);
    // The key's one token goes to a request whose body is then refused: throttling comes before validation.
    expect((await post({ 'x-api-key': KEY_VALUE }, '{}')).status).toBe(400);
    const valid = await post({ 'x-api-key': KEY_VALUE }, '{"orderId":"o-1"}');
    expect([valid.status, await valid.json()]).toEqual([429, { message: 'Too Many Requests' }]);
    expect(events).toHaveLength(0);
  });

  it('validates the body against the model and fills a customised gateway response', async () => {
    const { invoker, events } = fakeFunction(() => ok({}));
    const model = {
      type: 'object',
      required: ['orderId'],
      properties: { orderId: { type: 'string' } },
      additionalProperties: false,
    };
    const url = await serve(
      fixtureStack({
        methods: [{ path: '/orders', method: 'POST', model }],
        gatewayResponses: {
          BAD_REQUEST_BODY: {
            ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
            ResponseTemplates: { 'application/json': PROBLEM_TEMPLATE },
          },
        },
      }),
      invoker,
    );
    const response = await fetch(`${url}orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"extra":1}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({
      type: 'BAD_REQUEST_BODY',
      title: 'Invalid request body',
      detail:
        '[object has missing required properties (["orderId"]), object instance has properties which are not allowed by the schema: ["extra"]]',
      path: `/${API_ID}/${STAGE}/orders`,
    });
    const notJson = await fetch(`${url}orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(notJson.status).toBe(400);
    // A content type with no model is not validated, as on AWS.
    const form = await fetch(`${url}orders`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(form.status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('answers 400 when a required query parameter is missing', async () => {
    const { invoker } = fakeFunction(() => ok({}));
    const url = await serve(
      fixtureStack({ methods: [{ path: '/orders', method: 'GET', requiredQuery: 'customerId' }] }),
      invoker,
    );
    expect((await fetch(`${url}orders`)).status).toBe(400);
    expect((await fetch(`${url}orders?customerId=c-1`)).status).toBe(200);
  });

  it('answers 400 when a required query parameter is blank, as API Gateway checks "included and not blank"', async () => {
    const { invoker, events } = fakeFunction(() => ok({}));
    const url = await serve(
      fixtureStack({ methods: [{ path: '/orders', method: 'GET', requiredQuery: 'customerId' }] }),
      invoker,
    );
    expect((await fetch(`${url}orders?customerId=`)).status).toBe(400);
    expect((await fetch(`${url}orders?customerId=%20`)).status).toBe(400);
    expect((await fetch(`${url}orders?customerId=&customerId=c-1`)).status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('answers 413 for a body over 10 MB without invoking the function', async () => {
    const { invoker, events } = fakeFunction(() => ok({}));
    const url = await serve(fixtureStack({ methods: [{ path: '/orders', method: 'POST' }] }), invoker);
    const response = await fetch(`${url}orders`, { method: 'POST', body: Buffer.alloc(10_485_761) });
    expect(response.status).toBe(413);
    expect(events).toHaveLength(0);
  });

  it('answers 413, not 500, when Lambda refuses a request over its 6 MB payload limit', async () => {
    const { invoker } = fakeFunction(() => ({
      status: 'rejected',
      errorCode: 'RequestTooLargeException',
      message:
        '7000000 byte payload is too large for the RequestResponse invocation type (limit 6291456 bytes)',
    }));
    const url = await serve(fixtureStack({ methods: [{ path: '/orders', method: 'POST' }] }), invoker);
    const response = await fetch(`${url}orders`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Too Long' });
  });

  it('answers 413 with its default body whatever the API customised, as API Gateway does', async () => {
    const { invoker } = fakeFunction(() => ok({}));
    const problem = {
      ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
      ResponseTemplates: { 'application/json': PROBLEM_TEMPLATE },
    };
    const url = await serve(
      fixtureStack({
        methods: [{ path: '/orders', method: 'POST' }],
        gatewayResponses: { REQUEST_TOO_LARGE: { ...problem, StatusCode: '400' }, DEFAULT_4XX: problem },
      }),
      invoker,
    );
    const response = await fetch(`${url}orders`, { method: 'POST', body: Buffer.alloc(10_485_761) });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ message: 'Request Too Long' });
    // Other types still take the customisation.
    const missing = await fetch(`${url}invoices`);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
  });

  it('passes a binary body base64-encoded when its type is a binary media type', async () => {
    const { invoker, events } = fakeFunction(() => ok({}));
    const url = await serve(
      fixtureStack({ methods: [{ path: '/files', method: 'PUT' }], binaryMediaTypes: ['application/pdf'] }),
      invoker,
    );
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0xff, 0x00]);
    await fetch(`${url}files`, {
      method: 'PUT',
      headers: { 'content-type': 'application/pdf' },
      body: bytes,
    });
    expect(events[0]).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
  });

  it('answers 502 for a function error and for a malformed proxy response', async () => {
    const failing = fakeFunction(() => ({
      status: 'function-error',
      errorType: 'Error',
      payload: '{}',
      durationMs: 1,
    }));
    let url = await serve(fixtureStack({ methods: [{ path: '/orders', method: 'GET' }] }), failing.invoker);
    const failed = await fetch(`${url}orders`);
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ message: 'Internal server error' });
    await server?.close();
    const malformed = fakeFunction(() => ({
      status: 'succeeded',
      payload: '"just a string"',
      durationMs: 1,
    }));
    url = await serve(fixtureStack({ methods: [{ path: '/orders', method: 'GET' }] }), malformed.invoker);
    expect((await fetch(`${url}orders`)).status).toBe(502);
  });

  it('answers 500 when Lambda refuses the invocation (throttled)', async () => {
    const { invoker } = fakeFunction(() => ({
      status: 'rejected',
      errorCode: 'TooManyRequestsException',
      message: 'Rate Exceeded.',
    }));
    const url = await serve(fixtureStack({ methods: [{ path: '/orders', method: 'GET' }] }), invoker);
    expect((await fetch(`${url}orders`)).status).toBe(500);
  });

  it('answers 504 when the function outlasts the integration timeout', async () => {
    const { invoker } = fakeFunction(
      () => new Promise<InvokeOutcome>((resolve) => setTimeout(() => resolve(ok({})), 2_000)),
    );
    const url = await serve(
      fixtureStack({ methods: [{ path: '/orders', method: 'GET', timeoutMs: 100 }] }),
      invoker,
    );
    const response = await fetch(`${url}orders`);
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ message: 'Endpoint request timed out' });
  });

  it('returns the function’s status, headers and binary body, with the request ids AWS adds', async () => {
    const bytes = Buffer.from([1, 2, 3, 254]);
    const { invoker } = fakeFunction(() => ({
      status: 'succeeded',
      payload: JSON.stringify({
        statusCode: 201,
        headers: { 'Content-Type': 'application/octet-stream' },
        body: bytes.toString('base64'),
        isBase64Encoded: true,
      }),
      durationMs: 1,
    }));
    const url = await serve(fixtureStack({ methods: [{ path: '/files', method: 'GET' }] }), invoker);
    const response = await fetch(`${url}files`);
    expect(response.status).toBe(201);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('says which port is in use', async () => {
    const { invoker } = fakeFunction(() => ok({}));
    await serve(fixtureStack({ methods: [] }), invoker);
    await expect(
      startRestApiServer({ stack: fixtureStack({ methods: [] }), invoker, port: server?.port ?? 0 }),
    ).rejects.toThrow(`Port ${server?.port} is in use on 127.0.0.1`);
  });
});

describe('localEndpointFor', () => {
  it('moves the API id from the host into the path', () => {
    expect(localEndpointFor('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/', 4010)).toBe(
      'http://127.0.0.1:4010/a1b2c3d4e5/prod/',
    );
    expect(localEndpointFor('https://example.com/prod/', 4010)).toBeUndefined();
  });

  it('turns a WebSocket API’s wss:// URL into a ws:// one on the same port', () => {
    expect(localEndpointFor('wss://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod', 4010)).toBe(
      'ws://127.0.0.1:4010/a1b2c3d4e5/prod',
    );
  });
});
