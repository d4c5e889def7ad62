import { S3RequestError, type S3RestClient, uriEncode, xmlText } from './s3-rest-client.ts';

/** An object being read: its bytes as a stream, and the ETag of the version being read. */
export interface ObjectReader {
  readonly chunks: AsyncIterable<Uint8Array>;
  readonly eTag: string;
}

/**
 * Stores an object: `headers` are the object's own (`Content-Type`, `Content-Disposition`, `If-None-Match`, ...).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
 */
export async function putObject(
  s3: S3RestClient,
  object: { bucket: string; key: string; body: string | Uint8Array; headers: Record<string, string> },
): Promise<void> {
  const response = await s3.send({ method: 'PUT', ...object });
  await response.body?.cancel();
}

/**
 * Opens an object for reading, or undefined when there is no such key (S3's `NoSuchKey`). The caller reads the
 * stream to its end.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 */
export async function getObject(
  s3: S3RestClient,
  bucket: string,
  key: string,
): Promise<ObjectReader | undefined> {
  try {
    const response = await s3.send({ method: 'GET', bucket, key });
    if (!response.body) {
      throw new Error(`s3://${bucket}/${key} has no body`);
    }
    return { chunks: response.body, eTag: response.headers.get('etag') ?? '' };
  } catch (error) {
    if (error instanceof S3RequestError && error.code === 'NoSuchKey') {
      return undefined;
    }
    throw error;
  }
}

/** An object's bytes as UTF-8 text. */
export async function getObjectText(s3: S3RestClient, bucket: string, key: string): Promise<string> {
  const response = await s3.send({ method: 'GET', bucket, key });
  return response.text();
}

/**
 * Copies an object inside a bucket, server-side. S3 may report a failure of the copy itself inside a `200 OK`
 * answer, as an `<Error>` document instead of a `<CopyObjectResult>`: that is an error too.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
 */
export async function copyObject(
  s3: S3RestClient,
  bucket: string,
  fromKey: string,
  toKey: string,
): Promise<void> {
  const response = await s3.send({
    method: 'PUT',
    bucket,
    key: toKey,
    // The copy source is a URL path: its key is percent-encoded, '/' kept.
    headers: { 'x-amz-copy-source': `${bucket}/${fromKey.split('/').map(uriEncode).join('/')}` },
  });
  const body = await response.text();
  if (!body.includes('<CopyObjectResult')) {
    const reason = xmlText(body, 'Message') ?? 'S3 answered without a copy result';
    throw new S3RequestError(
      xmlText(body, 'Code') ?? 'InternalError',
      `Copying s3://${bucket}/${fromKey} to ${toKey} failed: ${reason}`,
      response.status,
    );
  }
}

/**
 * Deletes an object; deleting a key that is already gone succeeds, as in S3.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
 */
export async function deleteObject(s3: S3RestClient, bucket: string, key: string): Promise<void> {
  const response = await s3.send({ method: 'DELETE', bucket, key });
  await response.body?.cancel();
}

/**
 * Starts a multipart upload and returns its id.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html
 */
export async function createMultipartUpload(
  s3: S3RestClient,
  bucket: string,
  key: string,
  contentType: string,
): Promise<string> {
  const response = await s3.send({
    method: 'POST',
    bucket,
    key,
    query: { uploads: '' },
    headers: { 'Content-Type': contentType },
  });
  const uploadId = xmlText(await response.text(), 'UploadId');
  if (!uploadId) {
    throw new Error(`S3 started no multipart upload for s3://${bucket}/${key}`);
  }
  return uploadId;
}
