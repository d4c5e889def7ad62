import type { DownloadHeaders } from '../domain/download.ts';
import { getObjectText, putObject } from './s3-objects.ts';
import type { S3RestClient } from './s3-rest-client.ts';

/** Download links last a quarter of an hour: long enough to fetch, short enough not to be shared around. */
export const DOWNLOAD_URL_SECONDS = 900;

/** Documents in one S3 bucket. */
export class S3DocumentStore {
  constructor(
    readonly bucket: string,
    private readonly s3: S3RestClient,
  ) {}

  /**
   * Stores a document. With `download`, the object itself carries the headers it is served with, so that even a
   * GET that overrides nothing serves it as an attachment of an inert type.
   */
  async put(
    key: string,
    body: Uint8Array | string,
    contentType: string,
    download?: DownloadHeaders,
  ): Promise<void> {
    await putObject(this.s3, {
      bucket: this.bucket,
      key,
      body,
      headers: {
        'Content-Type': download?.contentType ?? contentType,
        ...(download ? { 'Content-Disposition': download.contentDisposition } : {}),
      },
    });
  }

  getText(key: string): Promise<string> {
    return getObjectText(this.s3, this.bucket, key);
  }

  /**
   * A presigned GET URL that serves the document with `headers`, whatever the object was stored with, and when it
   * stops working. S3 overrides the response's headers from the signed `response-content-type` and
   * `response-content-disposition` parameters; it has no way to add others, such as `X-Content-Type-Options`.
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax
   */
  async downloadUrl(
    key: string,
    now: Date,
    headers: DownloadHeaders,
  ): Promise<{ url: string; expiresAt: string }> {
    const url = await this.s3.presign(
      {
        method: 'GET',
        bucket: this.bucket,
        key,
        query: {
          'response-content-type': headers.contentType,
          'response-content-disposition': headers.contentDisposition,
        },
      },
      DOWNLOAD_URL_SECONDS,
    );
    return { url, expiresAt: new Date(now.getTime() + DOWNLOAD_URL_SECONDS * 1000).toISOString() };
  }
}
