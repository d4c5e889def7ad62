import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Download links last a quarter of an hour: long enough to fetch, short enough not to be shared around. */
export const DOWNLOAD_URL_SECONDS = 900;

/** Documents in one S3 bucket. */
export class S3DocumentStore {
  constructor(
    readonly bucket: string,
    private readonly s3: S3Client,
  ) {}

  async put(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async getText(key: string): Promise<string> {
    const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!Body) {
      throw new Error(`s3://${this.bucket}/${key} has no body`);
    }
    return Body.transformToString('utf8');
  }

  /** A presigned GET URL and when it stops working. */
  async downloadUrl(key: string, now: Date): Promise<{ url: string; expiresAt: string }> {
    const url = await getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: DOWNLOAD_URL_SECONDS,
    });
    return { url, expiresAt: new Date(now.getTime() + DOWNLOAD_URL_SECONDS * 1000).toISOString() };
  }
}
