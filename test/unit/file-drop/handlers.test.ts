import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { FileOutcome, FileRecord, FileStore } from '../../../lambda/domain/file-drop.ts';
import { IdempotentRequests } from '../../../lambda/shared/idempotent-requests.ts';
import { restApiEvent, s3Event } from '../../helpers/events.ts';
import { MemoryIdempotencyStore } from '../../helpers/memory-idempotency-store.ts';

// Lambda sets AWS_REGION in every function's environment; the S3 client reads it at init.
vi.stubEnv('AWS_REGION', 'eu-west-1');
vi.stubEnv('FILES_TABLE_NAME', 'files');
vi.stubEnv('IDEMPOTENCY_TABLE_NAME', 'idempotency');
vi.stubEnv('FILES_BUCKET_NAME', 'file-drop');
let createUpload: typeof import('../../../lambda/file-drop/create-upload.ts').makeHandler;
let getFile: typeof import('../../../lambda/file-drop/get-file.ts').makeHandler;
let processUpload: typeof import('../../../lambda/file-drop/process-upload.ts').makeHandler;
beforeAll(async () => {
  createUpload = (await import('../../../lambda/file-drop/create-upload.ts')).makeHandler;
  getFile = (await import('../../../lambda/file-drop/get-file.ts')).makeHandler;
  processUpload = (await import('../../../lambda/file-drop/process-upload.ts')).makeHandler;
});

const FILE_ID = '0b9f6f5e-8a47-4d0c-9a57-3c1f0d3e2b11';
const NOW = new Date('2026-11-22T10:00:00.000Z');
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** In-memory records with the store's conditional semantics: an outcome is recorded once. */
class FakeFiles implements FileStore {
  readonly items = new Map<string, FileRecord>();
  async create(record: FileRecord) {
    if (this.items.has(record.fileId)) throw new Error('exists');
    this.items.set(record.fileId, record);
  }
  async find(fileId: string) {
    return this.items.get(fileId);
  }
  async complete(fileId: string, outcome: FileOutcome) {
    const current = this.items.get(fileId);
    if (current?.status !== 'AWAITING_UPLOAD') return false;
    this.items.set(fileId, { ...current, ...outcome });
    return true;
  }
}

/** A bucket as a map of keys to bytes. */
class FakeBucket {
  readonly objects = new Map<string, Buffer>();
  readonly calls: string[] = [];
  async uploadTarget(key: string, contentType: string, size: number, expiresInSeconds: number) {
    this.calls.push(`upload ${key} ${contentType} ${size} ${expiresInSeconds}`);
    return {
      method: 'PUT' as const,
      url: `https://s3.example/${encodeURI(key)}?signed`,
      headers: { 'Content-Type': contentType, 'Content-Length': String(size), 'If-None-Match': '*' },
    };
  }
  async multipartUploadTarget(key: string, _contentType: string, size: number, expiresInSeconds: number) {
    this.calls.push(`multipart ${key} ${size} ${expiresInSeconds}`);
    return {
      uploadId: 'upload-1',
      partSize: 8,
      parts: [{ partNumber: 1, method: 'PUT' as const, url: 'https://s3.example/part1', headers: {} }],
      complete: { method: 'POST' as const, url: 'https://s3.example/complete', headers: {} },
      abort: { method: 'DELETE' as const, url: 'https://s3.example/abort', headers: {} },
    };
  }
  async read(key: string) {
    const bytes = this.objects.get(key);
    this.calls.push(`read ${key}`);
    if (!bytes) return undefined;
    return {
      eTag: '"etag"',
      chunks: (async function* () {
        for (let offset = 0; offset < bytes.length; offset += 5) yield bytes.subarray(offset, offset + 5);
      })(),
    };
  }
  async copy(fromKey: string, toKey: string) {
    const bytes = this.objects.get(fromKey);
    if (!bytes) throw new Error(`NoSuchKey ${fromKey}`);
    this.objects.set(toKey, bytes);
    this.calls.push(`copy ${fromKey} -> ${toKey}`);
  }
  async delete(key: string) {
    this.objects.delete(key);
    this.calls.push(`delete ${key}`);
  }
  async downloadUrl(key: string, filename: string, seconds: number) {
    return `https://s3.example/${encodeURI(key)}?download=${encodeURIComponent(filename)}&expires=${seconds}`;
  }
}

function awaiting(overrides: Partial<FileRecord> = {}): FileRecord {
  return {
    fileId: FILE_ID,
    status: 'AWAITING_UPLOAD',
    filename: 'invoice 7 + été.pdf',
    contentType: 'application/pdf',
    declaredSize: PDF.length,
    createdAt: NOW.toISOString(),
    uploadExpiresAt: '2026-11-22T10:05:00.000Z',
    ...overrides,
  };
}

const postFiles = (body: unknown, headers: Record<string, string> = {}) =>
  restApiEvent({ method: 'POST', path: '/files', body: JSON.stringify(body), headers });

describe('POST /files', () => {
  const setup = () => {
    const files = new FakeFiles();
    const bucket = new FakeBucket();
    let ids = 0;
    const handler = createUpload({
      files,
      bucket,
      now: () => NOW,
      newFileId: () => (ids++ === 0 ? FILE_ID : `${FILE_ID.slice(0, -1)}${ids}`),
      idempotency: new IdempotentRequests(new MemoryIdempotencyStore()),
    });
    return { files, bucket, handler };
  };

  it('issues one upload per Idempotency-Key: a retry gets the same file id and URLs; another body gets 409', async () => {
    const { files, handler } = setup();
    const body = { filename: 'invoice.pdf', contentType: 'application/pdf', size: 1234 };
    const first = await handler(postFiles(body, { 'Idempotency-Key': 'upload-1' }));
    const retry = await handler(postFiles(body, { 'idempotency-key': 'upload-1' }));
    const other = await handler(postFiles({ ...body, size: 99 }, { 'Idempotency-Key': 'upload-1' }));
    const unkeyed = await handler(postFiles(body));
    expect([first.statusCode, retry.statusCode, other.statusCode, unkeyed.statusCode]).toEqual([
      201, 201, 409, 201,
    ]);
    expect(retry.body).toBe(first.body);
    expect(retry.headers?.['Idempotent-Replayed']).toBe('true');
    expect(JSON.parse(unkeyed.body).fileId).not.toBe(JSON.parse(first.body).fileId);
    expect(files.items.size).toBe(2);
  });

  it('records the file and answers 201 with a presigned PUT bound to its type and size', async () => {
    const { files, bucket, handler } = setup();
    const response = await handler(
      postFiles({ filename: 'invoice 7 + été.pdf', contentType: 'application/pdf', size: 1234 }),
    );
    expect(response.statusCode).toBe(201);
    const statusUrl = `https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/files/${FILE_ID}`;
    expect(response.headers?.Location).toBe(statusUrl);
    expect(JSON.parse(response.body)).toEqual({
      fileId: FILE_ID,
      status: 'AWAITING_UPLOAD',
      statusUrl,
      upload: {
        method: 'PUT',
        url: expect.stringContaining(`incoming/${FILE_ID}/`),
        headers: { 'Content-Type': 'application/pdf', 'Content-Length': '1234', 'If-None-Match': '*' },
        expiresAt: '2026-11-22T10:05:00.000Z',
      },
    });
    expect(bucket.calls).toEqual([`upload incoming/${FILE_ID}/invoice 7 + été.pdf application/pdf 1234 300`]);
    expect(files.items.get(FILE_ID)).toEqual(awaiting({ declaredSize: 1234 }));
  });

  it('starts a multipart upload when asked, with longer-lived URLs', async () => {
    const { files, bucket, handler } = setup();
    const response = await handler(
      postFiles({ filename: 'big.csv', contentType: 'text/csv', size: 30_000_000, multipart: true }),
    );
    expect(response.statusCode).toBe(201);
    const { upload } = JSON.parse(response.body);
    expect(upload).toMatchObject({
      method: 'MULTIPART',
      partSize: 8,
      parts: [{ partNumber: 1, method: 'PUT' }],
      complete: { method: 'POST' },
      abort: { method: 'DELETE' },
      expiresAt: '2026-11-22T10:15:00.000Z',
    });
    expect(upload.uploadId).toBeUndefined();
    expect(bucket.calls).toEqual([`multipart incoming/${FILE_ID}/big.csv 30000000 900`]);
    expect(files.items.get(FILE_ID)?.uploadId).toBe('upload-1');
  });

  it.each([
    ['an unaccepted type', { filename: 'a.exe', contentType: 'application/octet-stream', size: 1 }, 400],
    [
      'a path as file name',
      { filename: '../../etc/passwd.pdf', contentType: 'application/pdf', size: 1 },
      400,
    ],
    ['a size over 100 MiB', { filename: 'a.pdf', contentType: 'application/pdf', size: 104_857_601 }, 413],
    // JSON's \ud800 escape: a string no S3 key can hold (presigning it would throw).
    [
      'a lone surrogate in the file name',
      { filename: 'a\ud800.pdf', contentType: 'application/pdf', size: 1 },
      400,
    ],
  ])('answers %s with a problem and issues no URL', async (_name, body, status) => {
    const { files, bucket, handler } = setup();
    const response = await handler(postFiles(body));
    expect(response.statusCode).toBe(status);
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
    expect(JSON.parse(response.body).status).toBe(status);
    expect(bucket.calls).toEqual([]);
    expect(files.items.size).toBe(0);
  });

  it('answers a body sent as text/plain with 415', async () => {
    const { handler } = setup();
    const response = await handler(
      postFiles(
        { filename: 'a.pdf', contentType: 'application/pdf', size: 1 },
        { 'Content-Type': 'text/plain' },
      ),
    );
    expect(response.statusCode).toBe(415);
  });
});

describe('GET /files/{fileId}', () => {
  const get = (fileId: string) =>
    restApiEvent({
      method: 'GET',
      path: `/files/${fileId}`,
      resource: '/files/{fileId}',
      pathParameters: { fileId },
      body: null,
    });

  const setup = (record?: FileRecord) => {
    const files = new FakeFiles();
    if (record) files.items.set(record.fileId, record);
    return getFile({ files, bucket: new FakeBucket(), now: () => NOW });
  };

  it('reports an awaited upload with its declared size and no checksum', async () => {
    const response = await setup(awaiting())(get(FILE_ID));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      fileId: FILE_ID,
      status: 'AWAITING_UPLOAD',
      filename: 'invoice 7 + été.pdf',
      contentType: 'application/pdf',
      size: PDF.length,
      createdAt: NOW.toISOString(),
      uploadExpiresAt: '2026-11-22T10:05:00.000Z',
    });
  });

  it('offers a processed file for download, under its name', async () => {
    const record = awaiting({
      status: 'PROCESSED',
      sizeBytes: 40,
      sha256: 'ab'.repeat(32),
      objectKey: `processed/${FILE_ID}/invoice 7 + été.pdf`,
      processedAt: '2026-11-22T10:01:00.000Z',
    });
    const body = JSON.parse((await setup(record)(get(FILE_ID))).body);
    expect(body).toMatchObject({ status: 'PROCESSED', size: 40, sha256: 'ab'.repeat(32) });
    expect(body.download).toEqual({
      url: expect.stringContaining(`processed/${FILE_ID}/`),
      expiresAt: '2026-11-22T10:15:00.000Z',
    });
  });

  it('gives the reason for a rejected file and never a download link', async () => {
    const record = awaiting({
      status: 'REJECTED',
      sizeBytes: 10,
      sha256: 'cd'.repeat(32),
      objectKey: `quarantine/${FILE_ID}/invoice 7 + été.pdf`,
      reason: 'The file does not start with a PDF header',
      processedAt: '2026-11-22T10:01:00.000Z',
    });
    const body = JSON.parse((await setup(record)(get(FILE_ID))).body);
    expect(body).toMatchObject({ status: 'REJECTED', reason: 'The file does not start with a PDF header' });
    expect(body.download).toBeUndefined();
  });

  it('answers 404 for an unknown file and 400 for an id no file can have', async () => {
    expect((await setup()(get(FILE_ID))).statusCode).toBe(404);
    expect((await setup()(get('..%2F..%2Fetc'))).statusCode).toBe(400);
  });
});

describe('the upload processor', () => {
  const INCOMING = `incoming/${FILE_ID}/invoice 7 + été.pdf`;
  // As S3 sends the key: form-encoded.
  const EVENT_KEY = `incoming/${FILE_ID}/invoice+7+%2B+%C3%A9t%C3%A9.pdf`;

  const setup = (record: FileRecord | undefined, bytes?: Buffer) => {
    const files = new FakeFiles();
    if (record) files.items.set(record.fileId, record);
    const bucket = new FakeBucket();
    if (bytes) bucket.objects.set(INCOMING, bytes);
    const handler = processUpload({ files, bucket, now: () => NOW });
    return { files, bucket, handler };
  };

  it('moves a PDF that is a PDF to processed/ and records its size and SHA-256', async () => {
    const { files, bucket, handler } = setup(awaiting(), PDF);
    await handler(s3Event('file-drop', [EVENT_KEY]));
    expect(files.items.get(FILE_ID)).toMatchObject({
      status: 'PROCESSED',
      sizeBytes: PDF.length,
      sha256: sha256(PDF),
      objectKey: `processed/${FILE_ID}/invoice 7 + été.pdf`,
      processedAt: NOW.toISOString(),
    });
    expect([...bucket.objects.keys()]).toEqual([`processed/${FILE_ID}/invoice 7 + été.pdf`]);
  });

  it('quarantines a .pdf that is not a PDF, with the reason', async () => {
    const fake = Buffer.from('just text, renamed to .pdf\n');
    const { files, bucket, handler } = setup(awaiting({ declaredSize: fake.length }), fake);
    await handler(s3Event('file-drop', [EVENT_KEY]));
    expect(files.items.get(FILE_ID)).toMatchObject({
      status: 'REJECTED',
      sha256: sha256(fake),
      objectKey: `quarantine/${FILE_ID}/invoice 7 + été.pdf`,
      reason: expect.stringMatching(/does not start with a PDF header/),
    });
    expect([...bucket.objects.keys()]).toEqual([`quarantine/${FILE_ID}/invoice 7 + été.pdf`]);
  });

  it('quarantines an upload whose size is not the announced one', async () => {
    const { files, handler } = setup(awaiting({ declaredSize: PDF.length + 1 }), PDF);
    await handler(s3Event('file-drop', [EVENT_KEY]));
    expect(files.items.get(FILE_ID)?.reason).toBe(
      `The upload is ${PDF.length} bytes; ${PDF.length + 1} bytes were announced.`,
    );
  });

  it('changes nothing on a duplicate event, and cleans up a repeated upload', async () => {
    const { files, bucket, handler } = setup(awaiting(), PDF);
    await handler(s3Event('file-drop', [EVENT_KEY]));
    const first = files.items.get(FILE_ID);
    bucket.calls.length = 0;
    await handler(s3Event('file-drop', [EVENT_KEY]));
    expect(files.items.get(FILE_ID)).toEqual(first);
    expect(bucket.calls).toEqual([`delete ${INCOMING}`]);
    // Two deliveries of one event in one batch: processed once.
    const again = setup(awaiting(), PDF);
    await again.handler(s3Event('file-drop', [EVENT_KEY, EVENT_KEY]));
    expect(again.bucket.calls.filter((call) => call.startsWith('copy'))).toHaveLength(1);
  });

  it('leaves alone objects it did not issue an upload for', async () => {
    const { bucket, handler } = setup(undefined, PDF);
    await handler(
      s3Event('file-drop', [EVENT_KEY, 'incoming/elsewhere.pdf', `incoming/${FILE_ID}/other.pdf`]),
    );
    expect(bucket.calls).toEqual([]);
    expect(bucket.objects.has(INCOMING)).toBe(true);
  });

  it('does nothing when the upload is already gone', async () => {
    const { files, bucket, handler } = setup(awaiting());
    await handler(s3Event('file-drop', [EVENT_KEY]));
    expect(files.items.get(FILE_ID)?.status).toBe('AWAITING_UPLOAD');
    expect(bucket.calls).toEqual([`read ${INCOMING}`]);
  });

  it('throws when the outcome cannot be recorded, so Lambda retries the event', async () => {
    const { files, bucket, handler } = setup(awaiting(), PDF);
    files.complete = async () => {
      throw new Error('DynamoDB is unavailable');
    };
    await expect(handler(s3Event('file-drop', [EVENT_KEY]))).rejects.toThrow('DynamoDB is unavailable');
    // The upload stays where it was: the retry starts again from it.
    expect(bucket.objects.has(INCOMING)).toBe(true);
  });
});
