import { createHash } from 'node:crypto';
import {
  LOCAL_ACCOUNT_ID,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localSecretFor,
  verifySigV4,
} from '@serverless-data-sharing/local-cloud';
import { describe, expect, it } from 'vitest';
import {
  copyObject,
  createMultipartUpload,
  deleteObject,
  getObject,
  getObjectText,
  putObject,
} from '../../../lambda/shared/s3-objects.ts';
import {
  encodeKey,
  S3RequestError,
  S3RestClient,
  s3ClientFromEnvironment,
  xmlText,
} from '../../../lambda/shared/s3-rest-client.ts';

/**
 * The functions' S3 client: every request it sends must pass the local cloud's SigV4 verifier (S3's rules), go to
 * the address S3 documents, and be retried only when the SDK's standard mode would retry it.
 */

const ENDPOINT = 'http://127.0.0.1:4566';
const BUCKET = 'orders-bucket';

interface Sent {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** What S3's signature check made of it: `ok`, or the error code S3 would answer with. */
  readonly verdict: string;
}

/** A fake S3 behind `fetch`: it records each request with its signature's verdict and answers from `answers`. */
function fakeS3(...answers: Array<() => Response>) {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const headers = { ...(init.headers as Record<string, string>), host: url.host };
    const body =
      init.body === undefined ? '' : Buffer.from(init.body as string | Uint8Array).toString('utf8');
    const verdict = await verifySigV4(
      {
        method: init.method ?? 'GET',
        path: url.pathname,
        query: url.search.slice(1),
        headers: Object.fromEntries(
          Object.entries(headers).map(([name, value]) => [name.toLowerCase(), [value]]),
        ),
        bodySha256: createHash('sha256').update(body).digest('hex'),
      },
      {
        service: 's3',
        region: LOCAL_REGION,
        secretFor: localSecretFor,
        accountId: LOCAL_ACCOUNT_ID,
        now: new Date(),
      },
    );
    sent.push({
      method: init.method ?? 'GET',
      url,
      headers,
      body,
      verdict: verdict.ok ? 'ok' : verdict.error.code,
    });
    const answer = answers[Math.min(sent.length - 1, answers.length - 1)];
    if (!answer) {
      throw new Error('no answer configured');
    }
    return answer();
  };
  const client = new S3RestClient({
    region: LOCAL_REGION,
    endpoint: ENDPOINT,
    credentials: async () => LOCAL_CREDENTIALS,
    fetch: fetch as typeof globalThis.fetch,
  });
  return { client, sent };
}

const ok =
  (body = '') =>
  () =>
    new Response(body, { status: 200, headers: { etag: '"abc"' } });
const s3Error =
  (status: number, code: string, message = `${code} happened`) =>
  () =>
    new Response(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>R1</RequestId></Error>`,
      {
        status,
      },
    );
const resetConnection = () => {
  throw new TypeError('fetch failed', {
    cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
  });
};

describe('S3 requests', () => {
  it('signs a PutObject with its body hash and the object headers, path-style on a custom endpoint', async () => {
    const { client, sent } = fakeS3(ok());
    await putObject(client, {
      bucket: BUCKET,
      key: 'receipts/order 1/(final)*.pdf',
      body: 'the receipt',
      headers: { 'Content-Type': 'application/pdf', 'Content-Disposition': 'attachment; filename="r.pdf"' },
    });
    expect(sent).toHaveLength(1);
    const [put] = sent;
    expect(put?.verdict).toBe('ok');
    expect(put?.method).toBe('PUT');
    expect(put?.url.pathname).toBe(`/${BUCKET}/receipts/order%201/%28final%29%2A.pdf`);
    expect(put?.headers['x-amz-content-sha256']).toBe(
      createHash('sha256').update('the receipt').digest('hex'),
    );
    expect(put?.headers['Content-Type']).toBe('application/pdf');
    expect(put?.body).toBe('the receipt');
  });

  it('reads an object as a stream with its ETag, and a missing key as undefined', async () => {
    const { client, sent } = fakeS3(ok('hello'), s3Error(404, 'NoSuchKey'));
    const object = await getObject(client, BUCKET, 'a.txt');
    const chunks: Uint8Array[] = [];
    for await (const chunk of object?.chunks ?? []) {
      chunks.push(chunk);
    }
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    expect(object?.eTag).toBe('"abc"');
    expect(await getObject(client, BUCKET, 'gone.txt')).toBeUndefined();
    expect(sent.map((request) => request.verdict)).toEqual(['ok', 'ok']);
  });

  it('copies with a percent-encoded copy source, and fails on an error inside a 200 answer', async () => {
    const { client, sent } = fakeS3(
      ok('<CopyObjectResult><ETag>"abc"</ETag></CopyObjectResult>'),
      ok('<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>'),
    );
    await copyObject(client, BUCKET, 'incoming/a b.pdf', 'processed/a b.pdf');
    expect(sent[0]?.headers['x-amz-copy-source']).toBe(`${BUCKET}/incoming/a%20b.pdf`);
    expect(sent[0]?.verdict).toBe('ok');
    await expect(copyObject(client, BUCKET, 'incoming/a b.pdf', 'processed/a b.pdf')).rejects.toMatchObject({
      code: 'InternalError',
      message: expect.stringContaining('We encountered an internal error.'),
    });
  });

  it('starts a multipart upload with POST ?uploads and returns its id', async () => {
    const { client, sent } = fakeS3(
      ok(
        '<InitiateMultipartUploadResult><UploadId>VXBsb2Fk&amp;1</UploadId></InitiateMultipartUploadResult>',
      ),
    );
    expect(await createMultipartUpload(client, BUCKET, 'big.bin', 'application/octet-stream')).toBe(
      'VXBsb2Fk&1',
    );
    expect(sent[0]?.method).toBe('POST');
    expect(sent[0]?.url.search).toBe('?uploads=');
    expect(sent[0]?.verdict).toBe('ok');
  });

  it('deletes, and reads an object as text', async () => {
    const { client, sent } = fakeS3(ok(), ok('{"id":1}'));
    await deleteObject(client, BUCKET, 'a.txt');
    expect(await getObjectText(client, BUCKET, 'claims/1.json')).toBe('{"id":1}');
    expect(sent.map((request) => [request.method, request.verdict])).toEqual([
      ['DELETE', 'ok'],
      ['GET', 'ok'],
    ]);
  });
});

describe('S3 errors and retries', () => {
  it('throws S3’s code, message and status, without retrying a client error', async () => {
    const { client, sent } = fakeS3(s3Error(403, 'AccessDenied', 'Access Denied'));
    const failure = await getObjectText(client, BUCKET, 'secret.txt').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(S3RequestError);
    expect(failure).toMatchObject({ code: 'AccessDenied', message: 'Access Denied', statusCode: 403 });
    expect((failure as S3RequestError).$metadata.requestId).toBe('R1');
    expect(sent).toHaveLength(1);
  });

  it('retries throttling, server errors and lost connections, up to 3 attempts', async () => {
    const throttled = fakeS3(s3Error(503, 'SlowDown'), ok('done'));
    expect(await getObjectText(throttled.client, BUCKET, 'a.txt')).toBe('done');
    expect(throttled.sent).toHaveLength(2);

    const reset = fakeS3(resetConnection, s3Error(500, 'InternalError'), ok('done'));
    expect(await getObjectText(reset.client, BUCKET, 'a.txt')).toBe('done');
    expect(reset.sent).toHaveLength(3);

    const down = fakeS3(s3Error(500, 'InternalError'));
    await expect(getObjectText(down.client, BUCKET, 'a.txt')).rejects.toMatchObject({
      code: 'InternalError',
    });
    expect(down.sent).toHaveLength(3);
  });

  it('does not follow a redirect: another region’s bucket is an error', async () => {
    const { client, sent } = fakeS3(s3Error(301, 'PermanentRedirect', 'Use the bucket’s endpoint.'));
    await expect(getObjectText(client, BUCKET, 'a.txt')).rejects.toMatchObject({ code: 'PermanentRedirect' });
    expect(sent).toHaveLength(1);
  });
});

describe('S3 addresses', () => {
  const onAws = (region: string) => new S3RestClient({ region, credentials: async () => LOCAL_CREDENTIALS });

  it('is virtual-hosted on AWS, path-style for a bucket with a dot, and on amazonaws.com.cn in China', () => {
    const url = (client: S3RestClient, bucket: string) => {
      const address = client.address({ bucket, key: 'a/b c.txt' });
      return `${address.origin}${address.path}`;
    };
    expect(url(onAws('eu-west-1'), 'orders')).toBe('https://orders.s3.eu-west-1.amazonaws.com/a/b%20c.txt');
    expect(url(onAws('eu-west-1'), 'orders.example.com')).toBe(
      'https://s3.eu-west-1.amazonaws.com/orders.example.com/a/b%20c.txt',
    );
    expect(url(onAws('cn-north-1'), 'orders')).toBe(
      'https://orders.s3.cn-north-1.amazonaws.com.cn/a/b%20c.txt',
    );
  });

  it('takes the endpoint the SDK would: AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, unless told to ignore them', () => {
    const origin = (environment: NodeJS.ProcessEnv) =>
      s3ClientFromEnvironment({ AWS_REGION: 'eu-west-1', ...environment }).address({ bucket: 'b', key: 'k' })
        .origin;
    expect(
      origin({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', AWS_ENDPOINT_URL: 'http://127.0.0.1:2' }),
    ).toBe('http://127.0.0.1:1');
    expect(origin({ AWS_ENDPOINT_URL: 'http://127.0.0.1:2' })).toBe('http://127.0.0.1:2');
    expect(
      origin({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }),
    ).toBe('https://b.s3.eu-west-1.amazonaws.com');
    expect(() => s3ClientFromEnvironment({})).toThrow('Missing environment variable AWS_REGION');
  });

  it('keeps an endpoint’s own path before the bucket', () => {
    const client = new S3RestClient({ region: LOCAL_REGION, endpoint: 'http://127.0.0.1:9000/storage/' });
    expect(client.address({ bucket: 'b', key: 'k' }).path).toBe('/storage/b/k');
  });

  it('encodes each key segment as SigV4 does, and refuses . and .. segments', () => {
    expect(encodeKey("a/ü ~!'()*.txt")).toBe('a/%C3%BC%20~%21%27%28%29%2A.txt');
    expect(() => encodeKey('incoming/../secret')).toThrow('".." segment');
    expect(() => encodeKey('./a')).toThrow('"." segment');
  });
});

describe('xmlText', () => {
  it('reads an element’s text with XML’s entities decoded, or undefined', () => {
    expect(xmlText('<Error><Message>a &lt;b&gt; &amp; &#233;&#x21;</Message></Error>', 'Message')).toBe(
      'a <b> & é!',
    );
    expect(xmlText('<Error></Error>', 'Code')).toBeUndefined();
  });
});
