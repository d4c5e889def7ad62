import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localSecretFor } from '../../src/account.ts';
import type { RunningEmulator } from '../../src/emulators/child-emulator.ts';
import { startFauxqsEmulator } from '../../src/emulators/fauxqs.ts';
import { freePort } from '../../src/emulators/ports.ts';
import {
  BucketCorsRules,
  type CorsRule,
  corsResponseHeaders,
  corsRulesFromTemplate,
  preflight,
} from '../../src/s3/bucket-cors.ts';

// The file drop bucket's rule, as CDK writes it into the template.
const TEMPLATE_CORS = {
  CorsRules: [
    {
      AllowedHeaders: ['Content-Type', 'If-None-Match'],
      AllowedMethods: ['PUT', 'POST', 'GET', 'DELETE'],
      AllowedOrigins: ['*'],
      ExposedHeaders: ['ETag'],
      MaxAge: 3000,
    },
  ],
};

const SHOP_ONLY: CorsRule = {
  allowedMethods: ['GET'],
  allowedOrigins: ['https://*.shop.example'],
  allowedHeaders: ['x-amz-*'],
  exposedHeaders: [],
};

describe('bucket CORS rules', () => {
  it('reads the template’s CorsConfiguration, and none when the bucket has none', () => {
    expect(corsRulesFromTemplate(TEMPLATE_CORS)).toEqual([
      {
        allowedMethods: ['PUT', 'POST', 'GET', 'DELETE'],
        allowedOrigins: ['*'],
        allowedHeaders: ['Content-Type', 'If-None-Match'],
        exposedHeaders: ['ETag'],
        maxAgeSeconds: 3000,
      },
    ]);
    expect(corsRulesFromTemplate(undefined)).toBeUndefined();
  });

  it('answers a preflight the rule allows with the origin, methods, requested headers and max age', () => {
    const rules = corsRulesFromTemplate(TEMPLATE_CORS);
    const answer = preflight(rules, {
      origin: 'http://127.0.0.1:4010',
      method: 'PUT',
      headers: 'content-type,if-none-match',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers).toEqual({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'PUT, POST, GET, DELETE',
      'Access-Control-Allow-Headers': 'content-type, if-none-match',
      'Access-Control-Expose-Headers': 'ETag',
      'Access-Control-Max-Age': '3000',
      Vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    });
  });

  it('refuses a preflight whose method or headers no rule allows, and any on a bucket without CORS', () => {
    const rules = corsRulesFromTemplate(TEMPLATE_CORS);
    const origin = 'http://127.0.0.1:4010';
    for (const request of [
      { origin, method: 'PATCH' },
      { origin, method: 'PUT', headers: 'content-type, x-secret' },
    ]) {
      const answer = preflight(rules, request);
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('<Code>AccessForbidden</Code>');
      expect(answer.body).toContain('This CORS request is not allowed');
      expect(answer.headers['Access-Control-Allow-Origin']).toBeUndefined();
    }
    expect(preflight(undefined, { origin, method: 'PUT' }).body).toContain(
      'CORS is not enabled for this bucket',
    );
    expect(preflight(rules, { method: 'PUT' }).status).toBe(400);
  });

  it('matches origins and headers with one wildcard, and echoes a named origin with credentials allowed', () => {
    const allowed = preflight([SHOP_ONLY], {
      origin: 'https://eu.shop.example',
      method: 'GET',
      headers: 'X-Amz-Date',
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['Access-Control-Allow-Origin']).toBe('https://eu.shop.example');
    expect(allowed.headers['Access-Control-Allow-Credentials']).toBe('true');
    expect(preflight([SHOP_ONLY], { origin: 'https://shop.example.evil', method: 'GET' }).status).toBe(403);
    expect(preflight([SHOP_ONLY], { origin: 'https://eu.shop.example', method: 'PUT' }).status).toBe(403);
  });

  it('adds headers to a cross-origin response only when a rule allows its origin and method', () => {
    const rules = corsRulesFromTemplate(TEMPLATE_CORS);
    expect(corsResponseHeaders(rules, 'http://127.0.0.1:4010', 'PUT')).toMatchObject({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'ETag',
    });
    expect(corsResponseHeaders(rules, 'http://127.0.0.1:4010', 'HEAD')).toBeUndefined();
    expect(corsResponseHeaders(rules, undefined, 'PUT')).toBeUndefined();
    expect(corsResponseHeaders(undefined, 'http://127.0.0.1:4010', 'PUT')).toBeUndefined();
  });
});

describe('bucket CORS on fauxqs', () => {
  let emulator: RunningEmulator | undefined;
  let client: S3Client;
  const created: string[] = [];
  const origin = 'http://127.0.0.1:4010';
  const body = 'id,total\n1,2\n';

  beforeAll(async () => {
    const cors = new BucketCorsRules();
    emulator = await startFauxqsEmulator({
      port: await freePort(),
      region: LOCAL_REGION,
      secretFor: localSecretFor,
      cors,
      onObjectEvent: (event) => created.push(`${event.bucket}/${event.key}`),
    });
    client = new S3Client({
      endpoint: emulator.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    await client.send(new CreateBucketCommand({ Bucket: 'drop' }));
    await client.send(new CreateBucketCommand({ Bucket: 'closed' }));
    cors.set('drop', corsRulesFromTemplate(TEMPLATE_CORS) ?? []);
  });

  afterAll(async () => {
    client.destroy();
    await emulator?.stop();
  });

  const presignedPut = (bucket: string) =>
    getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: bucket, Key: 'incoming/a b.csv', ContentType: 'text/csv' }),
      { expiresIn: 300, signableHeaders: new Set(['content-type']) },
    );

  it('answers a browser’s preflight of a presigned PUT without checking its signature, then the PUT', async () => {
    const url = await presignedPut('drop');
    const preflightResponse = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(preflightResponse.status).toBe(200);
    expect(preflightResponse.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflightResponse.headers.get('access-control-allow-headers')).toBe('content-type');
    const put = await fetch(url, {
      method: 'PUT',
      headers: { Origin: origin, 'Content-Type': 'text/csv' },
      body,
    });
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-origin')).toBe('*');
    expect(put.headers.get('access-control-expose-headers')).toBe('ETag');
    expect(put.headers.get('etag')).toBeTruthy();
    // The upload still raises its object event (what starts the file drop's processor).
    expect(created).toContain('drop/incoming/a b.csv');
  });

  it('refuses a preflight on a bucket without CORS, and adds no headers to its responses', async () => {
    const url = await presignedPut('closed');
    const refused = await fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT' },
    });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('CORS is not enabled for this bucket');
    const put = await fetch(url, {
      method: 'PUT',
      headers: { Origin: origin, 'Content-Type': 'text/csv' },
      body,
    });
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-origin')).toBeNull();
  });
});
