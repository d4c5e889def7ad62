import { attachmentDisposition } from '../domain/download.ts';
import { MULTIPART_PART_BYTES } from '../domain/file-drop.ts';
import {
  copyObject,
  createMultipartUpload,
  deleteObject,
  getObject,
  type ObjectReader,
} from './s3-objects.ts';
import type { S3RestClient } from './s3-rest-client.ts';

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

/**
 * The file drop's bucket. Presigned URLs bind what they allow: the key, the method, the content type and the
 * exact length (signed headers), for a short time. A single PUT also carries `If-None-Match: *`, so S3 refuses a
 * second upload to the same key (conditional writes). The URLs sign no checksum of the body, which the client has
 * not sent yet.
 */
export class S3FileBucket {
  constructor(
    readonly bucket: string,
    private readonly s3: S3RestClient,
  ) {}

  /** A presigned single PUT of `size` bytes of `contentType` to `key`. */
  async uploadTarget(
    key: string,
    contentType: string,
    size: number,
    expiresInSeconds: number,
  ): Promise<PresignedRequest> {
    const headers = { 'Content-Type': contentType, 'Content-Length': String(size), 'If-None-Match': '*' };
    const url = await this.s3.presign({ method: 'PUT', bucket: this.bucket, key, headers }, expiresInSeconds);
    return { method: 'PUT', url, headers };
  }

  /** Starts a multipart upload of `size` bytes and presigns each part (with its exact length) and the completion. */
  async multipartUploadTarget(
    key: string,
    contentType: string,
    size: number,
    expiresInSeconds: number,
  ): Promise<MultipartUploadTarget> {
    const uploadId = await createMultipartUpload(this.s3, this.bucket, key, contentType);
    const partCount = Math.ceil(size / MULTIPART_PART_BYTES);
    const target = { bucket: this.bucket, key };
    const parts = await Promise.all(
      Array.from({ length: partCount }, async (_, index) => {
        const partNumber = index + 1;
        const length = Math.min(MULTIPART_PART_BYTES, size - index * MULTIPART_PART_BYTES);
        const headers = { 'Content-Length': String(length) };
        const url = await this.s3.presign(
          { method: 'PUT', ...target, query: { partNumber: String(partNumber), uploadId }, headers },
          expiresInSeconds,
        );
        return { partNumber, method: 'PUT' as const, url, headers };
      }),
    );
    const upload = { ...target, query: { uploadId } };
    return {
      uploadId,
      partSize: MULTIPART_PART_BYTES,
      parts,
      complete: {
        method: 'POST',
        url: await this.s3.presign({ method: 'POST', ...upload }, expiresInSeconds),
        headers: { 'Content-Type': 'application/xml' },
      },
      abort: {
        method: 'DELETE',
        url: await this.s3.presign({ method: 'DELETE', ...upload }, expiresInSeconds),
        headers: {},
      },
    };
  }

  /** Opens an object for reading, or undefined when there is no such key. */
  read(key: string): Promise<ObjectReader | undefined> {
    return getObject(this.s3, this.bucket, key);
  }

  /** Copies an object inside the bucket, server-side (no bytes pass through the function). */
  copy(fromKey: string, toKey: string): Promise<void> {
    return copyObject(this.s3, this.bucket, fromKey, toKey);
  }

  /** Deletes an object; deleting a key that is already gone succeeds, as in S3. */
  delete(key: string): Promise<void> {
    return deleteObject(this.s3, this.bucket, key);
  }

  /** A presigned GET that downloads the object under its file name. */
  downloadUrl(key: string, filename: string, expiresInSeconds: number): Promise<string> {
    return this.s3.presign(
      {
        method: 'GET',
        bucket: this.bucket,
        key,
        query: { 'response-content-disposition': attachmentDisposition(filename) },
      },
      expiresInSeconds,
    );
  }
}
