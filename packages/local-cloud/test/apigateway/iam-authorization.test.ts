import { request as httpRequest } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, localSecretFor } from '../../src/account.ts';
import { buildRestApis } from '../../src/apigateway/rest-api-model.ts';
import { type RestApiServer, startRestApiServer } from '../../src/apigateway/rest-api-server.ts';
import type { FunctionInvoker } from '../../src/lambda/types.ts';
import { Sha256 } from '../../src/sigv4/canonical-request.ts';
import { API_ID, fixtureStack, KEY_VALUE, STAGE } from './fixture-stack.ts';

let server: RestApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A function that echoes nothing and records the events it gets. */
function recordingFunction() {
  const events: APIGatewayProxyEvent[] = [];
  const invoker: FunctionInvoker = {
    invoke: async (_arn, payload) => {
      events.push(JSON.parse(payload) as APIGatewayProxyEvent);
      return { status: 'succeeded', payload: JSON.stringify({ statusCode: 200, body: '{}' }), durationMs: 1 };
    },
  };
  return { invoker, events };
}

const METHODS = [
  { path: '/orders/{orderId}', method: 'GET', authorizationType: 'AWS_IAM' },
  { path: '/orders', method: 'POST', authorizationType: 'AWS_IAM' },
  { path: '/keyed', method: 'GET', apiKeyRequired: true },
];

async function serve(): Promise<{ url: string; events: APIGatewayProxyEvent[] }> {
  const { invoker, events } = recordingFunction();
  server = await startRestApiServer({
    stack: fixtureStack({ methods: METHODS }),
    invoker,
    port: 0,
    secretFor: localSecretFor,
  });
  return { url: server.urlFor(API_ID, STAGE), events };
}

interface SigningOptions {
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  readonly service?: string;
  readonly signingDate?: Date;
}

/** Signs a request to a local URL with SigV4 as a client does (what it will send, host included), then sends it. */
async function signedFetch(target: string, options: SigningOptions = {}): Promise<Response> {
  const url = new URL(target);
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: 'us-east-1',
    credentials: options.credentials ?? LOCAL_CREDENTIALS,
    sha256: Sha256,
  });
  const method = options.method ?? 'GET';
  const signed = await signer.sign(
    {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host, ...options.headers },
      body: options.body,
    },
    { signingDate: options.signingDate },
  );
  // fetch sets Host from the URL, to the value that was signed.
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, { method, headers, body: options.body });
}

async function refusal(
  response: Response,
): Promise<{ status: number; errorType: string | null; message: string }> {
  const body = (await response.json()) as { message: string };
  return {
    status: response.status,
    errorType: response.headers.get('x-amzn-errortype'),
    message: body.message,
  };
}

describe('AWS_IAM methods on the local REST API server', () => {
  it('answers 403 Missing Authentication Token to a request without a signature', async () => {
    const { url, events } = await serve();
    expect(await refusal(await fetch(`${url}orders/o-1`))).toEqual({
      status: 403,
      errorType: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
    // An API key is no substitute for a signature.
    expect((await fetch(`${url}orders/o-1`, { headers: { 'x-api-key': KEY_VALUE } })).status).toBe(403);
    expect(events).toHaveLength(0);
  });

  it('calls the function with the caller in requestContext.identity for a signed GET and a signed POST', async () => {
    const { url, events } = await serve();
    const get = await signedFetch(`${url}orders/o%201?expand=lines&tag=a%20b`);
    expect(get.status).toBe(200);
    const body = JSON.stringify({ orderId: 'o-2', lines: [{ sku: 'ä', quantity: 1 }] });
    const post = await signedFetch(`${url}orders`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(post.status).toBe(200);

    expect(events.map((event) => [event.httpMethod, event.resource, event.body])).toEqual([
      ['GET', '/orders/{orderId}', null],
      ['POST', '/orders', body],
    ]);
    expect(events[0]?.pathParameters).toEqual({ orderId: 'o 1' });
    for (const event of events) {
      // The local credentials stand for the account's root user.
      expect(event.requestContext.identity).toMatchObject({
        accessKey: 'local',
        accountId: '000000000000',
        caller: '000000000000',
        user: '000000000000',
        userArn: 'arn:aws:iam::000000000000:root',
        apiKey: null,
        apiKeyId: null,
      });
      expect('authorizer' in event.requestContext).toBe(false);
    }
  });

  it('answers 403 InvalidSignatureException with the canonical request when the signature does not match', async () => {
    const { url, events } = await serve();
    const wrongSecret = await signedFetch(`${url}orders/o-1`, {
      credentials: { accessKeyId: 'local', secretAccessKey: 'not-the-secret' },
    });
    const answer = await refusal(wrongSecret);
    expect(answer).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
    expect(answer.message).toMatch(
      /^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\. Consult the service documentation for details\.\n\nThe Canonical String for this request should have been\n'GET\n\/api0000001\/test\/orders\/o-1\n\nhost:127\.0\.0\.1:\d+\n/,
    );
    expect(answer.message).toMatch(
      /\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/execute-api\/aws4_request\n[0-9a-f]{64}'\n$/,
    );

    // A body changed after signing, with the signed x-amz-content-sha256 left as it was.
    const target = new URL(`${url}orders`);
    const signer = new SignatureV4({
      service: 'execute-api',
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: target.hostname,
      port: Number(target.port),
      path: target.pathname,
      headers: { host: target.host, 'content-type': 'application/json' },
      body: '{"totalCents":100}',
    });
    const { host: _host, ...headers } = signed.headers;
    const tampered = await fetch(target, { method: 'POST', headers, body: '{"totalCents":1}' });
    expect(await refusal(tampered)).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
    expect(events).toHaveLength(0);
  });

  it('answers 403 UnrecognizedClientException for an access key that does not exist', async () => {
    const { url, events } = await serve();
    const response = await signedFetch(`${url}orders/o-1`, {
      credentials: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
    });
    expect(await refusal(response)).toEqual({
      status: 403,
      errorType: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    expect(events).toHaveLength(0);
  });

  it('refuses a signature made more than 5 minutes before or after the server clock', async () => {
    const { url } = await serve();
    const sixMinutesMs = 6 * 60 * 1000;
    const expired = await refusal(
      await signedFetch(`${url}orders/o-1`, { signingDate: new Date(Date.now() - sixMinutesMs) }),
    );
    expect(expired).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
    expect(expired.message).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
    );
    const early = await refusal(
      await signedFetch(`${url}orders/o-1`, { signingDate: new Date(Date.now() + sixMinutesMs) }),
    );
    expect(early.message).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than /);
    // Four minutes off is within the allowed skew.
    const within = await signedFetch(`${url}orders/o-1`, {
      signingDate: new Date(Date.now() - 4 * 60 * 1000),
    });
    expect(within.status).toBe(200);
  });

  it('verifies a signed header sent twice, whose values SigV4 joins with a comma', async () => {
    const { url, events } = await serve();
    const target = new URL(`${url}orders/o-1`);
    const signer = new SignatureV4({
      service: 'execute-api',
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      sha256: Sha256,
    });
    // What a client signs for `X-Amz-Meta-Tag: a` and `X-Amz-Meta-Tag: b` on two lines.
    const signed = await signer.sign({
      method: 'GET',
      protocol: 'http:',
      hostname: target.hostname,
      port: Number(target.port),
      path: target.pathname,
      headers: { host: target.host, 'x-amz-meta-tag': 'a,b' },
    });
    const status = await new Promise<number>((resolve, reject) => {
      const { host: _host, ...headers } = signed.headers;
      const sent = httpRequest(
        target,
        { headers: { ...headers, 'x-amz-meta-tag': ['a', 'b'] } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      sent.on('error', reject).end();
    });
    expect(status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('answers a malformed Authorization header or a credential for another service as API Gateway does', async () => {
    const { url } = await serve();
    const bearer = await refusal(
      await fetch(`${url}orders/o-1`, { headers: { authorization: 'Bearer abc' } }),
    );
    expect(bearer).toEqual({
      status: 403,
      errorType: 'IncompleteSignatureException',
      message: expect.stringMatching(
        /^Invalid key=value pair \(missing equal-sign\) in Authorization header \(hashed with SHA-256 and encoded with Base64\): '[A-Za-z0-9+/]{43}='\.$/,
      ),
    });
    const partial = await refusal(
      await fetch(`${url}orders/o-1`, { headers: { authorization: 'AWS4-HMAC-SHA256 Signature=abc' } }),
    );
    expect(partial).toEqual({
      status: 403,
      errorType: 'IncompleteSignatureException',
      message:
        "Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' " +
        "parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        'Authorization=AWS4-HMAC-SHA256 Signature=abc',
    });
    const otherService = await refusal(await signedFetch(`${url}orders/o-1`, { service: 'lambda' }));
    expect(otherService).toEqual({
      status: 403,
      errorType: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'execute-api'. ",
    });
  });

  it('leaves methods without IAM authorization as they were: the API key decides, a signature is not needed', async () => {
    const { url, events } = await serve();
    expect(await refusal(await signedFetch(`${url}keyed`))).toEqual({
      status: 403,
      errorType: 'ForbiddenException',
      message: 'Forbidden',
    });
    expect((await fetch(`${url}keyed`, { headers: { 'x-api-key': KEY_VALUE } })).status).toBe(200);
    expect(events[0]?.requestContext.identity).toMatchObject({
      accessKey: null,
      userArn: null,
      apiKeyId: 'key1',
    });
  });
});

describe('authorization types in the REST API model', () => {
  it('records AWS_IAM and NONE, and refuses the authorizers the local cloud does not run', () => {
    const api = buildRestApis(
      fixtureStack({
        methods: [
          { path: '/a', method: 'GET', authorizationType: 'AWS_IAM' },
          { path: '/b', method: 'GET' },
        ],
      }),
    ).apis.get(API_ID);
    const types = api?.resources.flatMap((resource) =>
      [...resource.methods.values()].map((method) => [resource.path, method.authorizationType]),
    );
    expect(types).toEqual([
      ['/a', 'AWS_IAM'],
      ['/b', 'NONE'],
    ]);
    expect(() =>
      buildRestApis(fixtureStack({ methods: [{ path: '/c', method: 'GET', authorizationType: 'CUSTOM' }] })),
    ).toThrow(
      'Resource Method0: GET uses CUSTOM authorization; the local cloud runs NONE and AWS_IAM methods',
    );
  });
});
