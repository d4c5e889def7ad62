import { describe, expect, it } from 'vitest';
import { buildRestApis, matchRoute } from '../../src/apigateway/rest-api-model.ts';
import { API_ID, fixtureStack } from './fixture-stack.ts';

const stack = fixtureStack({
  methods: [
    { path: '/orders', method: 'GET' },
    { path: '/orders/{orderId}', method: 'GET' },
    { path: '/orders/latest', method: 'GET' },
    { path: '/orders/{orderId}', method: 'ANY' },
    { path: '/files/{proxy+}', method: 'GET' },
  ],
});
const api = buildRestApis(stack).apis.get(API_ID);

function route(path: string, method = 'GET') {
  if (!api) throw new Error('no api');
  const found = matchRoute(api, path, method);
  return (
    found && {
      resource: found.resource.path,
      method: found.method.httpMethod,
      parameters: found.pathParameters,
    }
  );
}

describe('matchRoute', () => {
  it('prefers a literal segment to a path parameter', () => {
    expect(route('/orders/latest')).toEqual({ resource: '/orders/latest', method: 'GET', parameters: {} });
  });

  it('extracts and decodes path parameters', () => {
    expect(route('/orders/o%201')).toEqual({
      resource: '/orders/{orderId}',
      method: 'GET',
      parameters: { orderId: 'o 1' },
    });
  });

  it('answers other methods with ANY', () => {
    expect(route('/orders/o-1', 'DELETE')).toEqual({
      resource: '/orders/{orderId}',
      method: 'ANY',
      parameters: { orderId: 'o-1' },
    });
  });

  it('gives a greedy {proxy+} the rest of the path', () => {
    expect(route('/files/a/b/c.pdf')?.parameters).toEqual({ proxy: 'a/b/c.pdf' });
    expect(route('/files')).toBeUndefined();
  });

  it('finds nothing for unknown paths or methods', () => {
    expect(route('/invoices')).toBeUndefined();
    expect(route('/orders', 'POST')).toBeUndefined();
    expect(route('/orders/a/b')).toBeUndefined();
  });
});

describe('buildRestApis', () => {
  it('fails loudly on an integration type the local cloud does not run', () => {
    const http = fixtureStack({ methods: [{ path: '/x', method: 'GET' }] });
    const method = http.resources.get('Method0');
    (http.resources as Map<string, unknown>).set('Method0', {
      ...method,
      properties: { ...method?.properties, Integration: { Type: 'HTTP_PROXY', Uri: 'https://example.com' } },
    });
    expect(() => buildRestApis(http)).toThrow(
      /^Resource Method0: GET uses a HTTP_PROXY integration; .* \(type AWS::ApiGateway::Method\)$/,
    );
  });
});
