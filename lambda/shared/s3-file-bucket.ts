import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { attachmentDisposition } from '../domain/download.ts';
import { MULTIPART_PART_BYTES } from '../domain/file-drop.ts';

/** One HTTP request a client makes with a presigned URL. */
export interface PresignedRequest {
  readonly method: 'PUT' | 'POST' | 'DELETE' | 'GET';
  readonly url: string;
  /** Headers the signature covers: send exactly these. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A multipart upload: one URL per part, then the request that completes it (or abandons it). */
export interface MultipartUploadTarget {
  readonly uploadId: string;
  readonly partSize: number;
  readonly parts: ReadonlyArray<PresignedRequest & { readonly partNumber: number }>;
  /** POST the `CompleteMultipartUpload` XML listing each part's number and ETag. */
  readonly complete: PresignedRequest;
  readonly abort: PresignedRequest;
}

/** An object being read: its bytes as a stream, and the ETag of the version being read. */
export interface ObjectReader {
  readonly chunks: AsyncIterable<Uint8Array>;
  readonly eTag: string;
}

/**
 * The file drop's bucket. Presigned URLs bind what they allow: the key, the method, the content type and the
 * exact length (signed headers), for a short time. A single PUT also carries `If-None-Match: *`, so S3 refuses a
 * second upload to the same key (conditional writes).
 *
 * `presigner` must be a client created with `requestChecksumCalculation: 'WHEN_REQUIRED'`: otherwise the SDK signs a
 * CRC32 of the empty body into the URL and S3 refuses every upload made with it.
 */
export class S3FileBucket {
  constructor(
    readonly bucket: string,
    private readonly s3: S3Client,
    private readonly presigner: S3Client,
  ) {}

  /** A presigned single PUT of `size` bytes of `contentType` to `key`. */
  async uploadTarget(
    key: string,
    contentType: string,
    size: number,
    expiresInSeconds: number,
  ): Promise<PresignedRequest> {
    const headers = { 'Content-Type': contentType, 'Content-Length': String(size), 'If-None-Match': '*' };
    const url = await getSignedUrl(
      this.presigner,
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ContentType: contentType,
        ContentLength: size,
        IfNoneMatch: '*',
      }),
      { expiresIn: expiresInSeconds, signableHeaders: signed(headers) },
    );
    return { method: 'PUT', url, headers };
  }

  /** Starts a multipart upload of `size` bytes and presigns each part (with its exact length) and the completion. */
  async multipartUploadTarget(
    key: string,
    contentType: string,
    size: number,
    expiresInSeconds: number,
  ): Promise<MultipartUploadTarget> {
    const { UploadId: uploadId } = await this.s3.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }),
    );
    if (!uploadId) {
      throw new Error(`S3 started no multipart upload for s3://${this.bucket}/${key}`);
    }
    const partCount = Math.ceil(size / MULTIPART_PART_BYTES);
    const options = { expiresIn: expiresInSeconds };
    const parts = await Promise.all(
      Array.from({ length: partCount }, async (_, index) => {
        const partNumber = index + 1;
        const length = Math.min(MULTIPART_PART_BYTES, size - index * MULTIPART_PART_BYTES);
        const headers = { 'Content-Length': String(length) };
        const url = await getSignedUrl(
          this.presigner,
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: partNumber,
            ContentLength: length,
          }),
          { ...options, signableHeaders: signed(headers) },
        );
        return { partNumber, method: 'PUT' as const, url, headers };
      }),
    );
    const target = { Bucket: this.bucket, Key: key, UploadId: uploadId };
    return {
      uploadId,
      partSize: MULTIPART_PART_BYTES,
      parts,
      complete: {
        method: 'POST',
        url: await getSignedUrl(this.presigner, new CompleteMultipartUploadCommand(target), options),
        headers: { 'Content-Type': 'application/xml' },
      },
      abort: {
        method: 'DELETE',
        url: await getSignedUrl(this.presigner, new AbortMultipartUploadCommand(target), options),
        headers: {},
      },
    };
  }

  /** Opens an object for reading, or undefined when there is no such key. */
  async read(key: string): Promise<ObjectReader | undefined> {
    try {
      const { Body, ETag } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!Body) {
        throw new Error(`s3://${this.bucket}/${key} has no body`);
      }
      return { chunks: Body as Readable, eTag: ETag ?? '' };
    } catch (error) {
      if (error instanceof NoSuchKey) {
        return undefined;
      }
      throw error;
    }
  }

  /** Copies an object inside the bucket, server-side (no bytes pass through the function). */
  async copy(fromKey: string, toKey: string): Promise<void> {
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: toKey,
        // The copy source is a URL path: its key is percent-encoded, '/' kept.
        CopySource: `${this.bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`,
      }),
    );
  }

  /** Deletes an object; deleting a key that is already gone succeeds, as in S3. */
  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** A presigned GET that downloads the object under its file name. */
  async downloadUrl(key: string, filename: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(
      this.presigner,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: attachmentDisposition(filename),
      }),
      { expiresIn: expiresInSeconds },
    );
  }
}

function signed(headers: Readonly<Record<string, string>>): Set<string> {
  return new Set(Object.keys(headers).map((name) => name.toLowerCase()));
}
