import { request as httpRequest } from 'node:http';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { buildApp } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localSecretFor } from '../../src/account.ts';
import {
  registerPresignedRequestCheck,
  type SecretLookup,
  verifyPresignedRequest,
} from '../../src/s3/presigned-requests.ts';

const ENDPOINT = 'http://127.0.0.1:4566';
const HOST = '127.0.0.1:4566';
const SIGNED_AT = new Date('2026-11-22T10:00:00Z');
const EXPIRES_IN_SECONDS = 300;
const secretFor: SecretLookup = localSecretFor;

/** A presigning client like the file drop's: no CRC32 of the empty body signed into PUT URLs. */
function presigner(
  endpoint = ENDPOINT,
  credentials: { accessKeyId: string; secretAccessKey: string } = LOCAL_CREDENTIALS,
  forcePathStyle = true,
): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials,
    forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

/** Path and query exactly as a client sends them on the request line. */
function rawUrlOf(url: string): string {
  return url.slice(url.indexOf('/', url.indexOf('//') + 2));
}

describe('verifyPresignedRequest', () => {
  it('leaves requests without query authentication unchecked', async () => {
    const headerSigned = {
      host: HOST,
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20261122/us-east-1/s3/aws4_request, Signature=00',
    };
    for (const rawUrl of ['/drop/inbox/a.csv', '/drop?list-type=2&X-Amz-Signature=00']) {
      expect(
        await verifyPresignedRequest(
          { method: 'GET', rawUrl, headers: headerSigned, now: SIGNED_AT },
          secretFor,
        ),
      ).toEqual({ ok: true, presigned: false });
    }
  });
});

describe('registerPresignedRequestCheck on fauxqs', () => {
  let app: ReturnType<typeof buildApp> | undefined;
  let endpoint = '';
  const body = 'id,total\n1,';

  beforeAll(async () => {
    app = buildApp({ logger: false, host: 'localhost', defaultRegion: LOCAL_REGION });
    registerPresignedRequestCheck(app, { secretFor, region: LOCAL_REGION });
    endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
    // A header-signed SDK call: the hook lets it through.
    await presigner(endpoint).send(new CreateBucketCommand({ Bucket: 'drop' }));
  });

  afterAll(async () => {
    await app?.close();
  });

  async function presignNow(command: PutObjectCommand | GetObjectCommand, client = presigner(endpoint)) {
    return getSignedUrl(client, command, {
      expiresIn: EXPIRES_IN_SECONDS,
      signableHeaders: new Set(['content-type', 'content-length']),
    });
  }

  it('answers a refused presigned PUT with S3’s XML error and stores nothing', async () => {
    const key = 'inbox/ünï cödé+%.csv';
    const url = await presignNow(
      new PutObjectCommand({ Bucket: 'drop', Key: key, ContentType: 'text/csv', ContentLength: body.length }),
    );
    const refused = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/pdf' } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toBe('application/xml');
    const xml = await refused.text();
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>SignatureDoesNotMatch<\/Code>/,
    );
    expect(xml).toContain('content-type:application/pdf');
    const get = await fetch(await presignNow(new GetObjectCommand({ Bucket: 'drop', Key: key })));
    expect(get.status).toBe(404);
  });

  it('lets a valid presigned PUT through, and the presigned GET reads the object back', async () => {
    const key = 'inbox/ünï cödé+%.csv';
    const url = await presignNow(
      new PutObjectCommand({ Bucket: 'drop', Key: key, ContentType: 'text/csv', ContentLength: body.length }),
    );
    const put = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'text/csv' } });
    expect(put.status).toBe(200);
    const get = await fetch(await presignNow(new GetObjectCommand({ Bucket: 'drop', Key: key })));
    expect(get.status).toBe(200);
    expect(await get.text()).toBe(body);
    const expired = await getSignedUrl(
      presigner(endpoint),
      new GetObjectCommand({ Bucket: 'drop', Key: key }),
      {
        expiresIn: 60,
        signingDate: new Date(Date.now() - 120_000),
      },
    );
    const refused = await fetch(expired);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');
  });

  it('verifies virtual-hosted URLs against the path as sent, not the one fauxqs rewrites them to', async () => {
    const port = new URL(endpoint).port;
    const url = await presignNow(
      new GetObjectCommand({ Bucket: 'drop', Key: 'inbox/ünï cödé+%.csv' }),
      presigner(`http://localhost:${port}`, LOCAL_CREDENTIALS, false),
    );
    expect(new URL(url).host).toBe(`drop.localhost:${port}`);
    const status = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          { host: '127.0.0.1', port, path, headers: { host: `drop.localhost:${port}` } },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', reject).end();
      });
    expect(await status(rawUrlOf(url))).toBe(200);
    expect(await status(rawUrlOf(url).replace('inbox', 'outbox'))).toBe(403);
  });
});
