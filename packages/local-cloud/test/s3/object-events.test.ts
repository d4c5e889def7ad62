import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/helpers/eventually.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localSecretFor } from '../../src/account.ts';
import type { RunningEmulator } from '../../src/emulators/child-emulator.ts';
import { MAX_S3_BODY_BYTES, startFauxqsEmulator } from '../../src/emulators/fauxqs.ts';
import { freePort } from '../../src/emulators/ports.ts';
import type { ObjectRequestEvent } from '../../src/s3/object-event-hook.ts';

const BUCKET = 'uploads';
let emulator: RunningEmulator;
let s3: S3Client;
const events: ObjectRequestEvent[] = [];

beforeAll(async () => {
  emulator = await startFauxqsEmulator({
    port: await freePort(),
    region: LOCAL_REGION,
    secretFor: localSecretFor,
    onObjectEvent: (event) => events.push(event),
  });
  const config = {
    endpoint: emulator.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
  };
  // Path style, as the SDK addresses an endpoint that is an IP address.
  s3 = new S3Client(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  s3.destroy();
  await emulator.stop();
});

beforeEach(() => {
  events.length = 0;
});

/** The events reported once the emulator has answered; hooks run after the response is sent. */
async function reported(count: number): Promise<ObjectRequestEvent[]> {
  return eventually(async () => (events.length >= count ? [...events] : undefined), {
    timeoutMs: 2_000,
    intervalMs: 10,
    what: `${count} object events`,
  });
}

describe('object events observed on fauxqs', () => {
  it('PutObject raises ObjectCreated:Put with the request id, source IP and signer', async () => {
    const response = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a/b.txt', Body: 'hello' }));
    const [event] = await reported(1);
    expect(event).toMatchObject({
      eventName: 'ObjectCreated:Put',
      bucket: BUCKET,
      key: 'a/b.txt',
      requestId: response.$metadata.requestId,
      sourceIp: '127.0.0.1',
      principalId: `AWS:${LOCAL_CREDENTIALS.accessKeyId}`,
    });
    expect(event?.sequencer).toMatch(/^[0-9A-F]{18}$/);
  });

  it('decodes keys with spaces, plus signs, percent signs and unicode as S3 stores them', async () => {
    const key = 'incoming/id/Rechnung 1+1 = 100% – März.pdf';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '%PDF-1.7' }));
    const [event] = await reported(1);
    expect(event).toMatchObject({ eventName: 'ObjectCreated:Put', bucket: BUCKET, key });
  });

  it('a presigned PUT from any client raises ObjectCreated:Put; one with a bad signature raises nothing', async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: 'signed.json' }), {
      expiresIn: 60,
    });
    expect((await fetch(url, { method: 'PUT', body: '{}' })).status).toBe(200);
    const refused = await fetch(
      url.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`),
      {
        method: 'PUT',
        body: '{}',
      },
    );
    expect(refused.status).toBe(403);
    const [event] = await reported(1);
    expect(event).toMatchObject({ eventName: 'ObjectCreated:Put', key: 'signed.json' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toHaveLength(1);
  });

  it('a multipart upload raises one CompleteMultipartUpload event, none for its parts', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'big.bin' }));
    const parts = [];
    for (const partNumber of [1, 2]) {
      const { ETag } = await s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: 'big.bin',
          UploadId,
          PartNumber: partNumber,
          Body: Buffer.alloc(5 * 1_048_576, partNumber),
        }),
      );
      parts.push({ ETag, PartNumber: partNumber });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'big.bin',
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const [event] = await reported(1);
    expect(event).toMatchObject({ eventName: 'ObjectCreated:CompleteMultipartUpload', key: 'big.bin' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toHaveLength(1);
  });

  it('CopyObject raises ObjectCreated:Copy for the new key; DeleteObject raises ObjectRemoved:Delete', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'from.txt', Body: 'x' }));
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'to.txt', CopySource: `${BUCKET}/from.txt` }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'from.txt' }));
    const all = await reported(3);
    expect(all.map((e) => [e.eventName, e.key])).toEqual([
      ['ObjectCreated:Put', 'from.txt'],
      ['ObjectCreated:Copy', 'to.txt'],
      ['ObjectRemoved:Delete', 'from.txt'],
    ]);
    // Sequencers grow, so consumers can order events on one key.
    const [put, , removed] = all;
    expect(BigInt(`0x${removed?.sequencer}`) > BigInt(`0x${put?.sequencer}`)).toBe(true);
  });

  it('tagging an object raises nothing, and neither does a failed write', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'tagged.txt', Body: 'x' }));
    await reported(1);
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: BUCKET,
        Key: 'tagged.txt',
        Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] },
      }),
    );
    await expect(
      s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'x', Body: 'x' })),
    ).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events.map((e) => e.key)).toEqual(['tagged.txt']);
  });

  it('takes a single PUT far above fauxqs’s own 11 MiB limit', async () => {
    expect(MAX_S3_BODY_BYTES).toBeGreaterThanOrEqual(100 * 1_048_576);
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'large.bin', Body: Buffer.alloc(40 * 1_048_576, 7) }),
    );
    const [event] = await reported(1);
    expect(event?.key).toBe('large.bin');
  });
});

describe('GetObject response header overrides', () => {
  it('serves a presigned download with the content disposition and type it asks for', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'report.csv', Body: 'a,b\n1,2\n' }));
    const disposition = `attachment; filename="report.csv"; filename*=UTF-8''r%C3%A9port.csv`;
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: 'report.csv',
        ResponseContentDisposition: disposition,
        ResponseContentType: 'text/csv',
        ResponseCacheControl: 'no-store',
      }),
      { expiresIn: 60 },
    );
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(response.headers.get('content-type')).toBe('text/csv');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toBe('a,b\n1,2\n');
  });
});
