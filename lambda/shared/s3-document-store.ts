import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { DownloadHeaders } from '../domain/download.ts';

/** Download links last a quarter of an hour: long enough to fetch, short enough not to be shared around. */
export const DOWNLOAD_URL_SECONDS = 900;

/** Documents in one S3 bucket. */
export class S3DocumentStore {
  constructor(
    readonly bucket: string,
    private readonly s3: S3Client,
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
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: download?.contentType ?? contentType,
        ...(download ? { ContentDisposition: download.contentDisposition } : {}),
      }),
    );
  }

  async getText(key: string): Promise<string> {
    const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!Body) {
      throw new Error(`s3://${this.bucket}/${key} has no body`);
    }
    return Body.transformToString('utf8');
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
    const url = await getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentType: headers.contentType,
        ResponseContentDisposition: headers.contentDisposition,
      }),
      { expiresIn: DOWNLOAD_URL_SECONDS },
    );
    return { url, expiresAt: new Date(now.getTime() + DOWNLOAD_URL_SECONDS * 1000).toISOString() };
  }
}
