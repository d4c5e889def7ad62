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
    // API Gateway answers 502 "Internal server error" for a header it cannot send.
    ['a header value with a line break', '{"statusCode":200,"headers":{"X-Bad":"a\\r\\nInjected: 1"}}'],
    [
      'a multi-value header value with a line break',
      '{"statusCode":200,"multiValueHeaders":{"X-Bad":["a\\nb"]}}',
    ],
    ['a header name with a space', '{"statusCode":200,"headers":{"X Bad":"1"}}'],
    ['an empty header name', '{"statusCode":200,"headers":{"":"1"}}'],
  ])('refuses %s as a malformed proxy response', (_case, payload) => {
    expect(proxyResponse(payload)).toBeUndefined();
  });
});

describe('proxyEvent with names that are also Object.prototype members', () => {
  const names = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
  const event = proxyEvent(
    {
      httpMethod: 'GET',
      path: '/items/x',
      rawQuery: names.flatMap((name) => [`${name}=1`, `${name}=2`]).join('&'),
      rawHeaders: names.flatMap((name) => [name, 'v1', name, 'v2']),
      body: Buffer.alloc(0),
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
    },
    {
      accountId: '000000000000',
      apiId: 'api0000001',
      stage: 'prod',
      calledPath: '/api0000001/prod/items/x',
      resourceId: 'res1',
      resourcePath: '/items/{__proto__}',
      pathParameters: JSON.parse('{"__proto__":"x","constructor":"y"}'),
      requestId: 'req-1',
      extendedRequestId: 'ext-1',
      binaryMediaTypes: [],
      now: new Date('2026-11-22T10:43:05Z'),
    },
  );
  // What the function gets: the event as JSON, parsed again in its runtime.
  const received = JSON.parse(JSON.stringify(event));

  it('carries each such name as an ordinary entry, as AWS does', () => {
    const single = Object.fromEntries(names.map((name) => [name, 'v2']));
    const multi = Object.fromEntries(names.map((name) => [name, ['v1', 'v2']]));
    expect(Object.entries(received.headers)).toEqual(Object.entries(single));
    expect(Object.entries(received.multiValueHeaders)).toEqual(Object.entries(multi));
    expect(Object.entries(received.queryStringParameters)).toEqual(
      Object.entries(Object.fromEntries(names.map((name) => [name, '2']))),
    );
    expect(Object.entries(received.multiValueQueryStringParameters)).toEqual(
      Object.entries(Object.fromEntries(names.map((name) => [name, ['1', '2']]))),
    );
    expect(Object.entries(received.pathParameters)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });

  it('keeps the payload format 1.0 shape, field for field', () => {
    expect(Object.keys(received)).toEqual([
      'resource',
      'path',
      'httpMethod',
      'headers',
      'multiValueHeaders',
      'queryStringParameters',
      'multiValueQueryStringParameters',
      'pathParameters',
      'stageVariables',
      'requestContext',
      'body',
      'isBase64Encoded',
    ]);
  });
});
