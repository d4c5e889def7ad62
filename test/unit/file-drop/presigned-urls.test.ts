import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localSecretFor,
  type PresignedVerdict,
  parseAmzDate,
  verifyPresignedRequest,
} from '@serverless-data-sharing/local-cloud';
import { describe, expect, it } from 'vitest';
import {
  DOWNLOAD_URL_SECONDS,
  MULTIPART_PART_BYTES,
  MULTIPART_URL_SECONDS,
  UPLOAD_URL_SECONDS,
} from '../../../lambda/domain/file-drop.ts';
import { type PresignedRequest, S3FileBucket } from '../../../lambda/shared/s3-file-bucket.ts';
import { S3RestClient } from '../../../lambda/shared/s3-rest-client.ts';

/**
 * The file drop's presigned URLs, as S3FileBucket makes them with a client configured like the handler's (AWS's
 * virtual-hosted endpoint, no body checksum signed). What they allow is checked by the local cloud's S3 verifier,
 * which follows S3's query-string authentication: a changed signed header, method or path is refused.
 */

const BUCKET = 'files-bucket';
const KEY = 'incoming/0b9f6f5e-8a47-4d0c-9a57-3c1f0d3e2b11/invoice 7.pdf';
const PDF_BYTES = 48_213;

/** S3 itself is only asked to start multipart uploads, here: it answers with upload id `upload-1`. */
const startedUpload = async () =>
  new Response(
    `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>${BUCKET}</Bucket><Key>k</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>`,
  );
const s3 = new S3RestClient({
  region: LOCAL_REGION,
  credentials: async () => LOCAL_CREDENTIALS,
  fetch: startedUpload,
});
const bucket = new S3FileBucket(BUCKET, s3);

const queryOf = (url: string) => new URL(url).searchParams;
const signedAtOf = (url: string) =>
  parseAmzDate(queryOf(url).get('X-Amz-Date') ?? '') ?? new Date(Number.NaN);

/** Sends `request` (as a client would, `changes` applied) through the verifier, `afterSeconds` after signing. */
function verify(
  request: PresignedRequest,
  changes: { method?: string; url?: string; headers?: Record<string, string>; afterSeconds?: number } = {},
): Promise<PresignedVerdict> {
  const url = new URL(changes.url ?? request.url);
  const headers = Object.fromEntries(
    Object.entries({ ...request.headers, ...changes.headers }).map(([name, value]) => [
      name.toLowerCase(),
      value,
    ]),
  );
  return verifyPresignedRequest(
    {
      method: changes.method ?? request.method,
      rawUrl: `${url.pathname}${url.search}`,
      headers: { host: url.host, ...headers },
      now: new Date(signedAtOf(request.url).getTime() + (changes.afterSeconds ?? 1) * 1000),
    },
    localSecretFor,
  );
}

const refusal = (verdict: PresignedVerdict) => (verdict.ok ? 'accepted' : `${verdict.error.code}`);

describe('presigned upload URL', () => {
  it('expires after UPLOAD_URL_SECONDS, at most 5 minutes', async () => {
    const upload = await bucket.uploadTarget(KEY, 'application/pdf', PDF_BYTES, UPLOAD_URL_SECONDS);
    expect(UPLOAD_URL_SECONDS).toBeLessThanOrEqual(300);
    expect(queryOf(upload.url).get('X-Amz-Expires')).toBe(String(UPLOAD_URL_SECONDS));
  });

  it('is a PUT of one object key that signs its content type, exact length and If-None-Match', async () => {
    const upload = await bucket.uploadTarget(KEY, 'application/pdf', PDF_BYTES, UPLOAD_URL_SECONDS);
    const url = new URL(upload.url);
    expect(upload.method).toBe('PUT');
    expect(url.host).toBe(`${BUCKET}.s3.${LOCAL_REGION}.amazonaws.com`);
    expect(decodeURIComponent(url.pathname)).toBe(`/${KEY}`);
    expect(queryOf(upload.url).get('X-Amz-SignedHeaders')?.split(';')).toEqual([
      'content-length',
      'content-type',
      'host',
      'if-none-match',
    ]);
    expect(upload.headers).toEqual({
      'Content-Type': 'application/pdf',
      'Content-Length': String(PDF_BYTES),
      'If-None-Match': '*',
    });
    // Nothing but the signature: no ACL, no listing parameter.
    const parameters = [...queryOf(upload.url).keys()].filter((name) => !name.startsWith('X-Amz-'));
    expect(parameters).toEqual([]);
    expect(queryOf(upload.url).get('X-Amz-Content-Sha256')).toBe('UNSIGNED-PAYLOAD');
  });

  it('is taken as signed, and refused for another type or length, another method or key, a listing, or late', async () => {
    const upload = await bucket.uploadTarget(KEY, 'application/pdf', PDF_BYTES, UPLOAD_URL_SECONDS);
    const search = new URL(upload.url).search;
    const origin = new URL(upload.url).origin;
    expect(await verify(upload)).toMatchObject({ ok: true, presigned: true });
    expect({
      type: refusal(await verify(upload, { headers: { 'Content-Type': 'text/html' } })),
      length: refusal(await verify(upload, { headers: { 'Content-Length': String(PDF_BYTES + 1) } })),
      overwrite: refusal(await verify(upload, { headers: { 'If-None-Match': '' } })),
      read: refusal(await verify(upload, { method: 'GET' })),
      otherKey: refusal(await verify(upload, { url: upload.url.replace('invoice%207.pdf', 'other.pdf') })),
      listing: refusal(await verify(upload, { method: 'GET', url: `${origin}/${search}&list-type=2` })),
      listingOfThePrefix: refusal(
        await verify(upload, { method: 'GET', url: `${origin}/${search}&list-type=2&prefix=incoming%2F` }),
      ),
      late: refusal(await verify(upload, { afterSeconds: UPLOAD_URL_SECONDS + 1 })),
    }).toEqual({
      type: 'SignatureDoesNotMatch',
      length: 'SignatureDoesNotMatch',
      overwrite: 'SignatureDoesNotMatch',
      read: 'SignatureDoesNotMatch',
      otherKey: 'SignatureDoesNotMatch',
      listing: 'SignatureDoesNotMatch',
      listingOfThePrefix: 'SignatureDoesNotMatch',
      late: 'AccessDenied',
    });
  });
});

describe('presigned multipart upload', () => {
  const size = 2 * MULTIPART_PART_BYTES + 1_000;

  it('signs each part’s exact length, and expires after MULTIPART_URL_SECONDS, at most 15 minutes', async () => {
    const target = await bucket.multipartUploadTarget(KEY, 'application/pdf', size, MULTIPART_URL_SECONDS);
    expect(MULTIPART_URL_SECONDS).toBeLessThanOrEqual(900);
    expect(target.parts.map((part) => [part.partNumber, part.method, part.headers])).toEqual([
      [1, 'PUT', { 'Content-Length': String(MULTIPART_PART_BYTES) }],
      [2, 'PUT', { 'Content-Length': String(MULTIPART_PART_BYTES) }],
      [3, 'PUT', { 'Content-Length': '1000' }],
    ]);
    for (const part of target.parts) {
      expect(queryOf(part.url).get('X-Amz-SignedHeaders')).toBe('content-length;host');
      expect(queryOf(part.url).get('uploadId')).toBe('upload-1');
      expect(refusal(await verify(part, { headers: { 'Content-Length': String(size) } }))).toBe(
        'SignatureDoesNotMatch',
      );
    }
    for (const request of [...target.parts, target.complete, target.abort]) {
      expect(decodeURIComponent(new URL(request.url).pathname)).toBe(`/${KEY}`);
      expect(queryOf(request.url).get('X-Amz-Expires')).toBe(String(MULTIPART_URL_SECONDS));
      expect(await verify(request)).toMatchObject({ ok: true });
      expect(refusal(await verify(request, { afterSeconds: MULTIPART_URL_SECONDS + 1 }))).toBe(
        'AccessDenied',
      );
    }
    expect([target.complete.method, target.abort.method]).toEqual(['POST', 'DELETE']);
  });
});

describe('presigned download link', () => {
  it('is a GET of one object, served as an attachment, that expires after DOWNLOAD_URL_SECONDS, at most 15 minutes', async () => {
    const key = 'processed/0b9f6f5e-8a47-4d0c-9a57-3c1f0d3e2b11/invoice 7.pdf';
    const url = await bucket.downloadUrl(key, 'invoice 7.pdf', DOWNLOAD_URL_SECONDS);
    const download: PresignedRequest = { method: 'GET', url, headers: {} };
    expect(DOWNLOAD_URL_SECONDS).toBeLessThanOrEqual(900);
    expect(queryOf(url).get('X-Amz-Expires')).toBe(String(DOWNLOAD_URL_SECONDS));
    expect(queryOf(url).get('response-content-disposition')).toMatch(/^attachment; filename="invoice 7.pdf"/);
    expect(await verify(download)).toMatchObject({ ok: true });
    expect({
      write: refusal(await verify(download, { method: 'PUT' })),
      otherKey: refusal(await verify(download, { url: url.replace('processed', 'quarantine') })),
      inline: refusal(await verify(download, { url: url.replace('attachment', 'inline') })),
      late: refusal(await verify(download, { afterSeconds: DOWNLOAD_URL_SECONDS + 1 })),
    }).toEqual({
      write: 'SignatureDoesNotMatch',
      otherKey: 'SignatureDoesNotMatch',
      inline: 'SignatureDoesNotMatch',
      late: 'AccessDenied',
    });
  });
});
