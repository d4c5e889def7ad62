import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import {
  type FileStore,
  fileKey,
  MULTIPART_URL_SECONDS,
  parseUploadRequest,
  UPLOAD_URL_SECONDS,
} from '../domain/file-drop.ts';
import { requireEnv } from '../shared/config.ts';
import { created, jsonBodyText, resourceUrl } from '../shared/http.ts';
import { IdempotentRequests } from '../shared/idempotent-requests.ts';
import { logger } from '../shared/logger.ts';
import { answeringProblems } from '../shared/problem.ts';
import type { S3FileBucket } from '../shared/s3-file-bucket.ts';
import { fileDropResources } from './resources.ts';

/** What the handler needs from the outside world. */
export interface CreateUploadDependencies {
  readonly files: FileStore;
  readonly bucket: Pick<S3FileBucket, 'uploadTarget' | 'multipartUploadTarget'>;
  readonly now: () => Date;
  readonly newFileId: () => string;
  /** Issues an upload at most once per `Idempotency-Key`: the server names files, so a retry needs the key. */
  readonly idempotency: Pick<IdempotentRequests, 'handle'>;
}

/**
 * `POST /files`: checks what the client is about to upload, records the file as AWAITING_UPLOAD and answers 201
 * with presigned upload URLs straight to S3 (`incoming/{fileId}/{filename}`), bound to the declared content type
 * and size. The bytes never pass through API Gateway or Lambda. With an `Idempotency-Key`, a retry with the same
 * key and body gets the same answer: the same file id and URLs, which stop working at their `expiresAt` as before.
 */
export const makeHandler = ({ files, bucket, now, newFileId, idempotency }: CreateUploadDependencies) => {
  const execute = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const request = parseUploadRequest(jsonBodyText(event));
    const fileId = newFileId();
    const key = fileKey('incoming', fileId, request.filename);
    const createdAt = now();
    const seconds = request.multipart ? MULTIPART_URL_SECONDS : UPLOAD_URL_SECONDS;
    const expiresAt = new Date(createdAt.getTime() + seconds * 1000).toISOString();
    const upload = request.multipart
      ? await bucket.multipartUploadTarget(key, request.contentType, request.size, seconds)
      : await bucket.uploadTarget(key, request.contentType, request.size, seconds);
    await files.create({
      fileId,
      status: 'AWAITING_UPLOAD',
      filename: request.filename,
      contentType: request.contentType,
      declaredSize: request.size,
      createdAt: createdAt.toISOString(),
      uploadExpiresAt: expiresAt,
      ...('uploadId' in upload ? { uploadId: upload.uploadId } : {}),
    });
    logger.info('Upload issued', { fileId, size: request.size, multipart: request.multipart === true });
    const statusUrl = resourceUrl(event, fileId);
    return created(statusUrl, {
      fileId,
      status: 'AWAITING_UPLOAD',
      statusUrl,
      upload:
        'uploadId' in upload
          ? {
              method: 'MULTIPART',
              partSize: upload.partSize,
              parts: upload.parts,
              complete: upload.complete,
              abort: upload.abort,
              expiresAt,
            }
          : { ...upload, expiresAt },
    });
  };
  return answeringProblems(async (event: APIGatewayProxyEvent, context?: Context) =>
    idempotency.handle(event, context, () => execute(event)),
  );
};

/** The Lambda entry point, wired to DynamoDB and S3. */
const resources = fileDropResources();

export const handler = makeHandler({
  ...resources,
  now: () => new Date(),
  newFileId: randomUUID,
  idempotency: IdempotentRequests.inTable(requireEnv('IDEMPOTENCY_TABLE_NAME'), resources.dynamodb),
});
