import { GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION, localSecretFor } from '../../src/account.ts';
import { distinctHeaders } from '../../src/sigv4/distinct-headers.ts';
import type { SigV4Verdict } from '../../src/sigv4/signed-request.ts';
import { verifySigV4 } from '../../src/sigv4/verify-signature.ts';

const ENDPOINT = 'http://127.0.0.1:4566';
const HOST = '127.0.0.1:4566';
const SIGNED_AT = new Date('2026-11-22T10:00:00Z');
const EXPIRES_IN_SECONDS = 300;

/** A presigning client like the file drop's: no CRC32 of the empty body signed into PUT URLs. */
function presigner(
  credentials: { accessKeyId: string; secretAccessKey: string } = LOCAL_CREDENTIALS,
): S3Client {
  return new S3Client({
    endpoint: ENDPOINT,
    region: LOCAL_REGION,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

/** A presigned single PUT binding content type and length, as a file drop's upload URL does. */
async function presignedPut(
  key: string,
  options: { contentType?: string; size?: number; client?: S3Client } = {},
): Promise<string> {
  return getSignedUrl(
    options.client ?? presigner(),
    new PutObjectCommand({
      Bucket: 'drop',
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

/** Sends a URL (path and query exactly as on the request line) through the verifier, for S3. */
function verify(
  url: string,
  overrides: { method?: string; headers?: Record<string, string>; now?: Date } = {},
): Promise<SigV4Verdict> {
  const target = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  const questionMark = target.indexOf('?');
  return verifySigV4(
    {
      method: overrides.method ?? 'PUT',
      path: target.slice(0, questionMark),
      query: target.slice(questionMark + 1),
      headers: distinctHeaders(
        overrides.headers ?? { host: HOST, 'content-type': 'text/csv', 'content-length': '11' },
      ),
    },
    {
      service: 's3',
      region: LOCAL_REGION,
      secretFor: localSecretFor,
      accountId: LOCAL_ACCOUNT_ID,
      now: overrides.now ?? new Date(SIGNED_AT.getTime() + 60_000),
    },
  );
}

function withParam(url: string, name: string, value: string): string {
  return url.replace(new RegExp(`([?&]${name}=)[^&]*`), `$1${encodeURIComponent(value)}`);
}

function errorOf(verdict: SigV4Verdict) {
  if (verdict.ok) {
    throw new Error(`expected a refusal, got ${JSON.stringify(verdict)}`);
  }
  return verdict.error;
}

const KEYS = ['inbox/a b+c.csv', 'inbox/ünïcödé ファイル.csv', 'inbox/100%/x.csv', "inbox/it's (1)*!~.csv"];

describe('verifySigV4 on S3 presigned URLs', () => {
  it.each(KEYS)(
    'accepts a presigned PUT of %j sent with the content type and length it binds',
    async (key) => {
      expect(await verify(await presignedPut(key))).toMatchObject({
        ok: true,
        accessKeyId: 'local',
        location: 'query',
      });
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
      const error = errorOf(await verify(url, { headers }));
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
      await verify(url.replace('a%20b%2Bc', 'a%20b%2Bd')),
      await verify(url, { method: 'POST' }),
      await verify(withParam(url, 'X-Amz-Expires', '3000')),
      await verify(url, {
        headers: { host: '127.0.0.1:9999', 'content-type': 'text/csv', 'content-length': '11' },
      }),
    ];
    expect(tampered.map((verdict) => errorOf(verdict).code)).toEqual(Array(4).fill('SignatureDoesNotMatch'));
  });

  it('names the canonical request it computed, so a mismatch can be debugged', async () => {
    const url = await presignedPut('inbox/a b+c.csv');
    const error = errorOf(
      await verify(url, { headers: { host: HOST, 'content-type': 'x', 'content-length': '11' } }),
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
    expect((await verify(url, { now: lastValidMoment })).ok).toBe(true);
    const error = errorOf(await verify(url, { now: new Date(lastValidMoment.getTime() + 1000) }));
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
    expect((await verify(url, { now: new Date(SIGNED_AT.getTime() - 10 * 60_000) })).ok).toBe(true);
    expect(errorOf(await verify(url, { now: new Date(SIGNED_AT.getTime() - 16 * 60_000) }))).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: 'Request is not yet valid',
    });
  });

  it('refuses an unknown access key with InvalidAccessKeyId and a wrong secret with SignatureDoesNotMatch', async () => {
    const unknown = presigner({ accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'local' });
    expect(errorOf(await verify(await presignedPut('inbox/a.csv', { client: unknown })))).toEqual({
      status: 403,
      code: 'InvalidAccessKeyId',
      message: 'The AWS Access Key Id you provided does not exist in our records.',
      details: [['AWSAccessKeyId', 'AKIAUNKNOWN']],
    });
    const wrongSecret = presigner({ accessKeyId: 'local', secretAccessKey: 'not-local' });
    expect(errorOf(await verify(await presignedPut('inbox/a.csv', { client: wrongSecret }))).code).toBe(
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
      expect(errorOf(await verify(tampered))).toMatchObject({
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
    expect(errorOf(await verify(url, { headers }))).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'There were headers present in the request which were not signed',
      details: [['HeadersNotSigned', 'x-amz-acl']],
    });
  });

  it('trims signed header values and collapses their inner spaces, as SigV4 canonical headers do', async () => {
    const url = await presignedPut('inbox/a.csv', { contentType: 'text/csv;   charset=utf-8' });
    const headers = { host: HOST, 'content-type': '  text/csv; charset=utf-8 ', 'content-length': '11' };
    expect((await verify(url, { headers })).ok).toBe(true);
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
    expect((await verify(get, { method: 'GET', headers: { host: HOST } })).ok).toBe(true);
    expect(
      (await verify(`${get}&response-content-type=text/html`, { method: 'GET', headers: { host: HOST } })).ok,
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
    expect((await verify(part, { headers: { host: HOST, 'content-length': '5' } })).ok).toBe(true);
    expect(
      (await verify(withParam(part, 'partNumber', '3'), { headers: { host: HOST, 'content-length': '5' } }))
        .ok,
    ).toBe(false);
  });
});
