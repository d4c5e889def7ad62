import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, localSecretFor } from '../../src/account.ts';
import { expectedSignature, Sha256 } from '../../src/sigv4/canonical-request.ts';
import { distinctHeaders } from '../../src/sigv4/distinct-headers.ts';
import type { SigV4Options, SigV4Request, SigV4Verdict } from '../../src/sigv4/signed-request.ts';
import { verifySigV4 } from '../../src/sigv4/verify-signature.ts';

const SIGNED_AT = new Date('2026-11-22T10:00:00Z');
const HOST = '127.0.0.1:4566';
const MINUTE_MS = 60_000;

interface Signing {
  readonly service?: string;
  readonly method?: string;
  /** Path as sent on the wire. */
  readonly path?: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly region?: string;
  /** Presign (signature in the query) rather than sign the Authorization header. */
  readonly expiresIn?: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Signs a request as the SDK does, and gives it back as the verifier reads it off the wire. */
async function signedRequest(signing: Signing = {}): Promise<SigV4Request> {
  const service = signing.service ?? 'execute-api';
  const signer = new SignatureV4({
    service,
    region: signing.region ?? 'us-east-1',
    credentials: signing.credentials ?? LOCAL_CREDENTIALS,
    sha256: Sha256,
    uriEscapePath: service !== 's3',
  });
  const request = {
    method: signing.method ?? 'GET',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4566,
    path: signing.path ?? '/api/test/orders/o-1',
    query: { ...signing.query },
    headers: { host: HOST, ...signing.headers },
    body: signing.body,
  };
  const signed =
    signing.expiresIn === undefined
      ? await signer.sign(request, { signingDate: SIGNED_AT })
      : await signer.presign(request, { signingDate: SIGNED_AT, expiresIn: signing.expiresIn });
  const query = Object.entries(signed.query ?? {})
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join('&');
  return {
    method: signed.method,
    path: signed.path,
    query,
    headers: distinctHeaders(signed.headers),
    bodySha256: sha256(signing.body ?? ''),
  };
}

function verify(request: SigV4Request, options: Partial<SigV4Options> = {}): Promise<SigV4Verdict> {
  return verifySigV4(request, {
    service: 'execute-api',
    region: 'us-east-1',
    secretFor: localSecretFor,
    accountId: LOCAL_ACCOUNT_ID,
    now: new Date(SIGNED_AT.getTime() + MINUTE_MS),
    ...options,
  });
}

async function codeOf(verdict: Promise<SigV4Verdict>): Promise<string> {
  const settled = await verdict;
  return settled.ok ? 'accepted' : `${settled.error.status} ${settled.error.code}`;
}

function withHeaders(request: SigV4Request, headers: Record<string, string[]>): SigV4Request {
  return { ...request, headers: { ...request.headers, ...headers } };
}

describe('verifySigV4', () => {
  it('names the access key and the principal it stands for, for a header signature and a presigned URL', async () => {
    for (const signing of [{}, { expiresIn: 60 }, { service: 's3', path: '/drop/a%20b.csv' }]) {
      const service = 'service' in signing ? signing.service : 'execute-api';
      expect(await verify(await signedRequest(signing), { service })).toEqual({
        ok: true,
        accessKeyId: 'local',
        location: 'expiresIn' in signing ? 'query' : 'header',
        caller: { accountId: '000000000000', userId: '000000000000', arn: 'arn:aws:iam::000000000000:root' },
      });
    }
  });

  it('joins the values of a repeated header with a comma, as AWS does, not with the ", " of Node.js headers', async () => {
    // The client signs "x-amz-meta-tag:a,b" for the two headers `x-amz-meta-tag: a` and `x-amz-meta-tag:  b`.
    const request = await signedRequest({ headers: { 'x-amz-meta-tag': 'a,b' } });
    expect((await verify(withHeaders(request, { 'x-amz-meta-tag': ['a', '  b'] }))).ok).toBe(true);
    expect(await codeOf(verify(withHeaders(request, { 'x-amz-meta-tag': ['a, b'] })))).toBe(
      '403 InvalidSignatureException',
    );
  });

  it('builds the canonical request of AWS’s test suite case get-header-key-duplicate', async () => {
    const computed = await expectedSignature(
      {
        method: 'GET',
        path: '/',
        query: '',
        headers: {
          host: ['example.amazonaws.com'],
          'my-header1': ['value2', 'value2', 'value1'],
          'x-amz-date': ['20150830T123600Z'],
        },
        signedHeaders: ['host', 'my-header1', 'x-amz-date'],
        payloadHash: sha256(''),
      },
      {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        amzDate: '20150830T123600Z',
        signedAt: new Date('2015-08-30T12:36:00Z'),
        region: 'us-east-1',
        service: 'service',
      },
    );
    expect(computed.canonicalRequest).toBe(
      'GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\n' +
        `host;my-header1;x-amz-date\n${sha256('')}`,
    );
  });

  it('encodes the path twice for every service but S3, which signs it as sent', async () => {
    const wrongSecret = { accessKeyId: 'local', secretAccessKey: 'wrong' };
    const api = await verify(await signedRequest({ path: '/api/a%20b', credentials: wrongSecret }));
    expect(api.ok ? '' : api.error.message).toContain("'GET\n/api/a%2520b\n");
    const s3 = await verify(
      await signedRequest({ service: 's3', path: '/drop/a%20b', credentials: wrongSecret }),
      { service: 's3' },
    );
    expect(s3.ok ? [] : Object.fromEntries(s3.error.details).CanonicalRequest).toMatch(
      /^GET\n\/drop\/a%20b\n/,
    );
  });

  it('answers each failure with the code of the service: S3’s own, or the common ones of the others', async () => {
    const valid = await signedRequest();
    const validS3 = await signedRequest({ service: 's3', path: '/drop/a.csv' });
    const s3 = { service: 's3' };
    const unknownKey = { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' };
    const withToken = { ...LOCAL_CREDENTIALS, sessionToken: 'token' };
    const cases: Array<[string, Promise<SigV4Verdict>, string]> = [
      [
        'no signature',
        verify({ ...valid, headers: { host: [HOST] } }),
        '403 MissingAuthenticationTokenException',
      ],
      ['no signature, S3', verify({ ...validS3, headers: { host: [HOST] } }, s3), '403 AccessDenied'],
      [
        'Bearer token',
        verify(withHeaders(valid, { authorization: ['Bearer abc'] })),
        '403 IncompleteSignatureException',
      ],
      [
        'Bearer token, S3',
        verify(withHeaders(validS3, { authorization: ['Bearer abc'] }), s3),
        '400 InvalidArgument',
      ],
      [
        'no X-Amz-Date',
        verify({ ...valid, headers: { ...valid.headers, 'x-amz-date': ['yesterday'] } }),
        '403 IncompleteSignatureException',
      ],
      [
        'Authorization and X-Amz-Algorithm, S3',
        verify({ ...validS3, query: 'X-Amz-Algorithm=AWS4-HMAC-SHA256' }, s3),
        '400 InvalidArgument',
      ],
      [
        'unknown key',
        verify(await signedRequest({ credentials: unknownKey })),
        '403 UnrecognizedClientException',
      ],
      [
        'unknown key, S3',
        verify(await signedRequest({ service: 's3', credentials: unknownKey }), s3),
        '403 InvalidAccessKeyId',
      ],
      [
        'session token',
        verify(await signedRequest({ credentials: withToken })),
        '403 UnrecognizedClientException',
      ],
      [
        'session token, S3',
        verify(await signedRequest({ service: 's3', credentials: withToken }), s3),
        '400 InvalidToken',
      ],
      ['other region', verify(await signedRequest({ region: 'eu-west-1' })), '403 InvalidSignatureException'],
      [
        'other region, S3',
        verify(await signedRequest({ service: 's3', region: 'eu-west-1' }), { ...s3, region: 'us-east-1' }),
        '400 AuthorizationHeaderMalformed',
      ],
      ['other service', verify(valid, s3), '400 AuthorizationHeaderMalformed'],
      [
        'wrong secret',
        verify(await signedRequest({ credentials: { accessKeyId: 'local', secretAccessKey: 'x' } })),
        '403 InvalidSignatureException',
      ],
      [
        'wrong secret, S3',
        verify(
          await signedRequest({ service: 's3', credentials: { accessKeyId: 'local', secretAccessKey: 'x' } }),
          s3,
        ),
        '403 SignatureDoesNotMatch',
      ],
      [
        'body changed after signing',
        verify({
          ...(await signedRequest({ method: 'POST', body: '{"a":1}' })),
          bodySha256: sha256('{"a":2}'),
        }),
        '403 InvalidSignatureException',
      ],
      [
        'body changed after signing, S3',
        verify(
          { ...(await signedRequest({ service: 's3', method: 'PUT', body: 'a' })), bodySha256: sha256('b') },
          s3,
        ),
        '400 XAmzContentSHA256Mismatch',
      ],
      [
        'presigned URL expired',
        verify(await signedRequest({ expiresIn: 60 }), {
          now: new Date(SIGNED_AT.getTime() + 2 * MINUTE_MS),
        }),
        '403 InvalidSignatureException',
      ],
      [
        'presigned URL expired, S3',
        verify(await signedRequest({ service: 's3', expiresIn: 60 }), {
          ...s3,
          now: new Date(SIGNED_AT.getTime() + 2 * MINUTE_MS),
        }),
        '403 AccessDenied',
      ],
    ];
    const answers = await Promise.all(cases.map(async ([name, verdict]) => [name, await codeOf(verdict)]));
    expect(answers).toEqual(cases.map(([name, , code]) => [name, code]));
  });

  it('allows a header signature 5 minutes of clock skew (15 for S3), then answers RequestTimeTooSkewed', async () => {
    const at = (minutes: number) => ({ now: new Date(SIGNED_AT.getTime() + minutes * MINUTE_MS) });
    const api = await signedRequest();
    const s3 = await signedRequest({ service: 's3' });
    expect(await Promise.all([4, -4, 6, -6].map((minutes) => codeOf(verify(api, at(minutes)))))).toEqual([
      'accepted',
      'accepted',
      '403 InvalidSignatureException',
      '403 InvalidSignatureException',
    ]);
    expect(
      await Promise.all(
        [14, -14, 16, -16].map((minutes) => codeOf(verify(s3, { service: 's3', ...at(minutes) }))),
      ),
    ).toEqual(['accepted', 'accepted', '403 RequestTimeTooSkewed', '403 RequestTimeTooSkewed']);
    const skewed = await verify(s3, { service: 's3', ...at(16) });
    expect(skewed.ok ? undefined : skewed.error).toEqual({
      status: 403,
      code: 'RequestTimeTooSkewed',
      message: 'The difference between the request time and the current time is too large.',
      details: [
        ['RequestTime', '20261122T100000Z'],
        ['ServerTime', '2026-11-22T10:16:00Z'],
        ['MaxAllowedSkewMilliseconds', '900000'],
      ],
    });
  });

  it('refuses a presigned S3 URL that asks for more than 7 days', async () => {
    const request = await signedRequest({ service: 's3', expiresIn: 60 });
    const verdict = await verify(
      { ...request, query: request.query.replace('X-Amz-Expires=60', 'X-Amz-Expires=604801') },
      { service: 's3' },
    );
    expect(verdict.ok ? undefined : [verdict.error.code, verdict.error.message]).toEqual([
      'AuthorizationQueryParametersError',
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    ]);
  });
});
