import { describe, expect, it } from 'vitest';
import {
  created,
  header,
  jsonBodyText,
  ok,
  resourceUrl,
  UnsupportedMediaTypeError,
} from '../../../lambda/shared/http.ts';
import { restApiEvent } from '../../helpers/events.ts';

describe('JSON responses', () => {
  it('answers 200 with the body as JSON', () => {
    expect(ok({ orderId: 'order-7' })).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: '{"orderId":"order-7"}',
    });
  });

  it('answers 201 with the new resource in Location', () => {
    expect(created('https://api.example.com/prod/sync/orders/order-7', { orderId: 'order-7' })).toEqual({
      statusCode: 201,
      headers: {
        'Content-Type': 'application/json',
        Location: 'https://api.example.com/prod/sync/orders/order-7',
      },
      body: '{"orderId":"order-7"}',
    });
  });
});

describe('header', () => {
  it('finds a header whatever case the client used', () => {
    const event = restApiEvent({ headers: { 'X-Request-Source': 'web-shop' } });
    expect(header(event, 'x-request-source')).toBe('web-shop');
    expect(header(event, 'X-REQUEST-SOURCE')).toBe('web-shop');
  });

  it('answers undefined for a header the request does not have', () => {
    expect(header(restApiEvent(), 'If-Match')).toBeUndefined();
  });
});

describe('resourceUrl', () => {
  it('is the absolute URL of the id under the requested collection, stage included', () => {
    expect(resourceUrl(restApiEvent({ path: '/sync/orders' }), 'order-7')).toBe(
      'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/sync/orders/order-7',
    );
  });

  it('reads Host and X-Forwarded-Proto in any case', () => {
    const event = restApiEvent();
    event.headers = { HOST: 'localhost:4566', 'x-FORWARDED-proto': 'http' };
    expect(resourceUrl(event, 'order-7')).toBe('http://localhost:4566/prod/sync/orders/order-7');
  });

  it('assumes https when the request does not say', () => {
    const event = restApiEvent();
    event.headers = { Host: 'api.example.com' };
    expect(resourceUrl(event, 'order-7')).toBe('https://api.example.com/prod/sync/orders/order-7');
  });

  it('encodes the id as one path segment', () => {
    expect(resourceUrl(restApiEvent(), 'a/b c')).toBe(
      'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/sync/orders/a%2Fb%20c',
    );
  });
});

describe('jsonBodyText', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/problem+json',
    'APPLICATION/JSON',
  ])('reads a body sent as %s', (contentType) => {
    expect(jsonBodyText(restApiEvent({ body: '{}', headers: { 'Content-Type': contentType } }))).toBe('{}');
  });

  it('decodes a body API Gateway passed base64-encoded', () => {
    const event = restApiEvent({ body: Buffer.from('{"a":"é"}').toString('base64'), isBase64Encoded: true });
    expect(jsonBodyText(event)).toBe('{"a":"é"}');
  });

  it('refuses a body sent as another media type', () => {
    expect(() =>
      jsonBodyText(restApiEvent({ body: 'a=1', headers: { 'Content-Type': 'text/plain' } })),
    ).toThrow(UnsupportedMediaTypeError);
  });
});
