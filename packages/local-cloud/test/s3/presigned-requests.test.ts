import { request as httpRequest } from 'node:http';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { buildApp } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localSecretFor } from '../../src/account.ts';
import {
  type PresignedVerdict,
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

/** A presigned single PUT binding content type and length, as `S3FileBucket.uploadTarget` makes it. */
async function presignedPut(
  key: string,
  options: { contentType?: string; size?: number; client?: S3Client; bucket?: string } = {},
): Promise<string> {
  return getSignedUrl(
    options.client ?? presigner(),
    new PutObjectCommand({
      Bucket: options.bucket ?? 'drop',
      Key: key,
      ContentType: options.contentType ?? 'text/csv',
      ContentLength: options.size ?? 11,
    }),
    {
      expiresIn: EXPIRES_IN_SECONDS,
      signingDate: SIGNED_AT,
      signableHeaders: new Set(['content-type', 'content-length']),
    },
  );
}

/** Path and query exactly as a client sends them on the request line. */
function rawUrlOf(url: string): string {
  return url.slice(url.indexOf('/', url.indexOf('//') + 2));
}

function verify(
  url: string,
  overrides: { method?: string; headers?: Record<string, string>; now?: Date } = {},
): PresignedVerdict {
  return verifyPresignedRequest(
    {
      method: overrides.method ?? 'PUT',
      rawUrl: rawUrlOf(url),
      headers: overrides.headers ?? { host: HOST, 'content-type': 'text/csv', 'content-length': '11' },
      now: overrides.now ?? new Date(SIGNED_AT.getTime() + 60_000),
    },
    secretFor,
    { region: LOCAL_REGION },
  );
}

function withParam(url: string, name: string, value: string): string {
  return url.replace(new RegExp(`([?&]${name}=)[^&]*`), `$1${encodeURIComponent(value)}`);
}

function errorOf(verdict: PresignedVerdict) {
  if (verdict.ok) {
    throw new Error(`expected a refusal, got ${JSON.stringify(verdict)}`);
  }
  return verdict.error;
}

const KEYS = ['inbox/a b+c.csv', 'inbox/ünïcödé ファイル.csv', 'inbox/100%/x.csv', "inbox/it's (1)*!~.csv"];

describe('verifyPresignedRequest', () => {
  it.each(KEYS)(
    'accepts a presigned PUT of %j sent with the content type and length it binds',
    async (key) => {
      expect(verify(await presignedPut(key))).toEqual({ ok: true, presigned: true, accessKeyId: 'local' });
    },
  );

  it('refuses a different content type or length than signed with SignatureDoesNotMatch', async () => {
    const url = await presignedPut('inbox/a b+c.csv');
    const sent: Array<Record<string, string>> = [
      { host: HOST, 'content-type': 'application/pdf', 'content-length': '11' },
      { host: HOST, 'content-type': 'text/csv', 'content-length': '12' },
      { host: HOST, 'content-length': '11' },
    ];
    for (const headers of sent) {
      const error = errorOf(verify(url, { headers }));
      expect(error).toMatchObject({
        status: 403,
        code: 'SignatureDoesNotMatch',
        message:
          'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      });
    }
  });

  it('refuses a tampered key, method or expiry with SignatureDoesNotMatch', async () => {
    const url = await presignedPut('inbox/a b+c.csv');
    const tampered = [
      verify(url.replace('a%20b%2Bc', 'a%20b%2Bd')),
      verify(url, { method: 'POST' }),
      verify(withParam(url, 'X-Amz-Expires', '3000')),
      verify(url, {
        headers: { host: '127.0.0.1:9999', 'content-type': 'text/csv', 'content-length': '11' },
      }),
    ];
    expect(tampered.map((verdict) => errorOf(verdict).code)).toEqual(Array(4).fill('SignatureDoesNotMatch'));
  });

  it('names the canonical request it computed, so a mismatch can be debugged', async () => {
    const url = await presignedPut('inbox/a b+c.csv');
    const error = errorOf(
      verify(url, { headers: { host: HOST, 'content-type': 'x', 'content-length': '11' } }),
    );
    const details = Object.fromEntries(error.details);
    expect(details.CanonicalRequest).toBe(
      [
        'PUT',
        '/drop/inbox/a%20b%2Bc.csv',
        'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD' +
          '&X-Amz-Credential=local%2F20261122%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261122T100000Z' +
          '&X-Amz-Expires=300&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&x-id=PutObject',
        'content-length:11\ncontent-type:x\nhost:127.0.0.1:4566\n',
        'content-length;content-type;host',
        'UNSIGNED-PAYLOAD',
      ].join('\n'),
    );
    expect(details.AWSAccessKeyId).toBe('local');
  });

  it('refuses a request past X-Amz-Date + X-Amz-Expires with AccessDenied "Request has expired"', async () => {
    const url = await presignedPut('inbox/a.csv');
    const lastValidMoment = new Date(SIGNED_AT.getTime() + EXPIRES_IN_SECONDS * 1000);
    expect(verify(url, { now: lastValidMoment }).ok).toBe(true);
    const error = errorOf(verify(url, { now: new Date(lastValidMoment.getTime() + 1000) }));
    expect(error).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Request has expired',
      details: [
        ['X-Amz-Expires', '300'],
        ['Expires', '2026-11-22T10:05:00Z'],
        ['ServerTime', '2026-11-22T10:05:01Z'],
      ],
    });
  });

  it('refuses a URL signed more than 15 minutes in the future with "Request is not yet valid"', async () => {
    const url = await presignedPut('inbox/a.csv');
    expect(verify(url, { now: new Date(SIGNED_AT.getTime() - 10 * 60_000) }).ok).toBe(true);
    expect(errorOf(verify(url, { now: new Date(SIGNED_AT.getTime() - 16 * 60_000) }))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Request is not yet valid',
    });
  });

  it('refuses an unknown access key with InvalidAccessKeyId and a wrong secret with SignatureDoesNotMatch', async () => {
    const unknown = presigner(ENDPOINT, { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'local' });
    expect(errorOf(verify(await presignedPut('inbox/a.csv', { client: unknown })))).toEqual({
      status: 403,
      code: 'InvalidAccessKeyId',
      message: 'The AWS Access Key Id you provided does not exist in our records.',
      details: [['AWSAccessKeyId', 'AKIAUNKNOWN']],
    });
    const wrongSecret = presigner(ENDPOINT, { accessKeyId: 'local', secretAccessKey: 'not-local' });
    expect(errorOf(verify(await presignedPut('inbox/a.csv', { client: wrongSecret }))).code).toBe(
      'SignatureDoesNotMatch',
    );
  });

  it('refuses malformed query authentication with 400 AuthorizationQueryParametersError', async () => {
    const url = await presignedPut('inbox/a.csv');
    const cases: Array<[string, string]> = [
      [
        withParam(url, 'X-Amz-Expires', '604801'),
        'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
      ],
      [withParam(url, 'X-Amz-Expires', '-1'), 'X-Amz-Expires must be non-negative'],
      [withParam(url, 'X-Amz-Expires', '5m'), 'X-Amz-Expires should be a number'],
      [
        withParam(url, 'X-Amz-Date', '2026-11-22T10:00:00Z'),
        "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
      ],
      [
        withParam(url, 'X-Amz-Algorithm', 'AWS4-HMAC-SHA512'),
        'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256 and AWS4-ECDSA-P256-SHA256"',
      ],
      [
        url.replace(/&X-Amz-Signature=[^&]*/, ''),
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      ],
      [
        withParam(url, 'X-Amz-Credential', 'local/20261122/us-east-1/s3'),
        'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
      ],
      [
        withParam(url, 'X-Amz-Credential', 'local/20261122/eu-west-1/s3/aws4_request'),
        "Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'",
      ],
      [
        withParam(url, 'X-Amz-Credential', 'local/20261122/us-east-1/sqs/aws4_request'),
        'Error parsing the X-Amz-Credential parameter; incorrect service "sqs". This endpoint belongs to "s3".',
      ],
      [
        withParam(url, 'X-Amz-Credential', 'local/20261121/us-east-1/s3/aws4_request'),
        'Invalid credential date "20261121". This date is not the same as X-Amz-Date: "20261122".',
      ],
    ];
    for (const [tampered, message] of cases) {
      expect(errorOf(verify(tampered))).toMatchObject({
        status: 400,
        code: 'AuthorizationQueryParametersError',
        message,
      });
    }
  });

  it('refuses x-amz-* headers the URL does not sign', async () => {
    const url = await presignedPut('inbox/a.csv');
    const headers = {
      host: HOST,
      'content-type': 'text/csv',
      'content-length': '11',
      'x-amz-acl': 'public-read',
    };
    expect(errorOf(verify(url, { headers }))).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'There were headers present in the request which were not signed',
      details: [['HeadersNotSigned', 'x-amz-acl']],
    });
  });

  it('trims signed header values and collapses their inner spaces, as SigV4 canonical headers do', async () => {
    const url = await presignedPut('inbox/a.csv', { contentType: 'text/csv;   charset=utf-8' });
    const headers = { host: HOST, 'content-type': '  text/csv; charset=utf-8 ', 'content-length': '11' };
    expect(verify(url, { headers }).ok).toBe(true);
  });

  it('accepts presigned GETs with response overrides and multipart part PUTs, and refuses their tampering', async () => {
    const get = await getSignedUrl(
      presigner(),
      new GetObjectCommand({
        Bucket: 'drop',
        Key: 'inbox/rapport été.pdf',
        ResponseContentDisposition: "attachment; filename*=UTF-8''rapport%20%C3%A9t%C3%A9.pdf",
      }),
      { expiresIn: EXPIRES_IN_SECONDS, signingDate: SIGNED_AT },
    );
    expect(verify(get, { method: 'GET', headers: { host: HOST } }).ok).toBe(true);
    expect(
      verify(`${get}&response-content-type=text/html`, { method: 'GET', headers: { host: HOST } }).ok,
    ).toBe(false);
    const part = await getSignedUrl(
      presigner(),
      new UploadPartCommand({
        Bucket: 'drop',
        Key: 'big.bin',
        UploadId: 'u+1/2',
        PartNumber: 2,
        ContentLength: 5,
      }),
      { expiresIn: EXPIRES_IN_SECONDS, signingDate: SIGNED_AT, signableHeaders: new Set(['content-length']) },
    );
    expect(verify(part, { headers: { host: HOST, 'content-length': '5' } }).ok).toBe(true);
    expect(
      verify(withParam(part, 'partNumber', '3'), { headers: { host: HOST, 'content-length': '5' } }).ok,
    ).toBe(false);
  });

  it('leaves requests without query authentication unchecked', () => {
    const headerSigned = {
      host: HOST,
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20261122/us-east-1/s3/aws4_request, Signature=00',
    };
    for (const rawUrl of ['/drop/inbox/a.csv', '/drop?list-type=2&X-Amz-Signature=00']) {
      expect(
        verifyPresignedRequest({ method: 'GET', rawUrl, headers: headerSigned, now: SIGNED_AT }, secretFor),
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
