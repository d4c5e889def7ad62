import { describe, expect, it } from 'vitest';
import { isBinary, proxyEvent, proxyResponse } from '../../src/apigateway/proxy-integration.ts';

describe('proxyEvent', () => {
  const event = proxyEvent(
    {
      httpMethod: 'POST',
      path: '/orders/o-1',
      rawQuery: 'tag=a&tag=b&page=2',
      rawHeaders: [
        'Host',
        '127.0.0.1:4010',
        'Content-Type',
        'application/json',
        'X-Custom',
        'one',
        'X-Custom',
        'two',
      ],
      body: Buffer.from('{"a":1}'),
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
    },
    {
      accountId: '000000000000',
      apiId: 'api0000001',
      stage: 'prod',
      calledPath: '/api0000001/prod/orders/o-1',
      resourceId: 'res1',
      resourcePath: '/orders/{orderId}',
      pathParameters: { orderId: 'o-1' },
      requestId: 'req-1',
      extendedRequestId: 'ext-1',
      apiKey: { id: 'key1', value: 'secret' },
      binaryMediaTypes: [],
      now: new Date('2026-11-22T10:43:05Z'),
    },
  );

  it('carries the request as payload format 1.0 does', () => {
    expect(event).toMatchObject({
      resource: '/orders/{orderId}',
      path: '/orders/o-1',
      httpMethod: 'POST',
      headers: { Host: '127.0.0.1:4010', 'Content-Type': 'application/json', 'X-Custom': 'two' },
      multiValueHeaders: { 'X-Custom': ['one', 'two'] },
      queryStringParameters: { tag: 'b', page: '2' },
      multiValueQueryStringParameters: { tag: ['a', 'b'], page: ['2'] },
      pathParameters: { orderId: 'o-1' },
      stageVariables: null,
      body: '{"a":1}',
      isBase64Encoded: false,
    });
  });

  it('fills requestContext with the stage, ids, identity and CLF request time', () => {
    expect(event.requestContext).toMatchObject({
      accountId: '000000000000',
      apiId: 'api0000001',
      resourceId: 'res1',
      resourcePath: '/orders/{orderId}',
      httpMethod: 'POST',
      path: '/api0000001/prod/orders/o-1',
      stage: 'prod',
      requestId: 'req-1',
      requestTime: '22/Nov/2026:10:43:05 +0000',
      requestTimeEpoch: Date.parse('2026-11-22T10:43:05Z'),
      identity: { sourceIp: '127.0.0.1', apiKey: 'secret', apiKeyId: 'key1' },
    });
  });
});

describe('isBinary', () => {
  it('matches binary media types with wildcards and ignores parameters', () => {
    expect(isBinary('image/png', ['image/*'])).toBe(true);
    expect(isBinary('application/pdf; q=1', ['application/pdf'])).toBe(true);
    expect(isBinary('application/json', ['image/*'])).toBe(false);
    expect(isBinary('anything/else', ['*/*'])).toBe(true);
    expect(isBinary(undefined, ['*/*'])).toBe(false);
  });
});

describe('proxyResponse', () => {
  it('maps status, headers and body', () => {
    const response = proxyResponse(
      JSON.stringify({ statusCode: 201, headers: { Location: '/x' }, body: 'ok' }),
    );
    expect(response?.status).toBe(201);
    expect(response?.headers).toEqual([['Location', '/x']]);
    expect(response?.body.toString()).toBe('ok');
  });

  it('keeps only the multiValueHeaders values of a header given both ways', () => {
    const response = proxyResponse(
      JSON.stringify({
        statusCode: 200,
        headers: { 'Set-Cookie': 'a=1', 'X-One': '1' },
        multiValueHeaders: { 'set-cookie': ['b=2', 'c=3'] },
      }),
    );
    expect(response?.headers).toEqual([
      ['X-One', '1'],
      ['set-cookie', 'b=2'],
      ['set-cookie', 'c=3'],
    ]);
  });

  it('decodes a base64 body to bytes', () => {
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff]);
    const response = proxyResponse(
      JSON.stringify({ statusCode: 200, body: bytes.toString('base64'), isBase64Encoded: true }),
    );
    expect(response?.body.equals(bytes)).toBe(true);
  });

  it.each([
    ['a string', '"hello"'],
    ['no statusCode', '{"body":"x"}'],
    ['a body that is an object', '{"statusCode":200,"body":{"a":1}}'],
    ['a header that is an object', '{"statusCode":200,"headers":{"a":{}}}'],
    ['not JSON', 'nope'],
  ])('refuses %s as a malformed proxy response', (_case, payload) => {
    expect(proxyResponse(payload)).toBeUndefined();
  });
});
