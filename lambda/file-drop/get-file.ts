import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { NotFoundError } from '../domain/errors.ts';
import { DOWNLOAD_URL_SECONDS, type FileStore, requireFileId } from '../domain/file-drop.ts';
import { ok } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';
import type { S3FileBucket } from '../shared/s3-file-bucket.ts';
import { fileDropResources } from './resources.ts';

/** What the handler needs from the outside world. */
export interface GetFileDependencies {
  readonly files: FileStore;
  readonly bucket: Pick<S3FileBucket, 'downloadUrl'>;
  readonly now: () => Date;
}

/**
 * `GET /files/{fileId}`: the file's status. AWAITING_UPLOAD reports the declared size; PROCESSED and REJECTED the
 * measured size and SHA-256; REJECTED the reason; PROCESSED a short-lived download link. Quarantined files are
 * never offered for download.
 */
export const makeHandler = ({ files, bucket, now }: GetFileDependencies) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const fileId = requireFileId(event.pathParameters?.fileId);
    const file = await files.find(fileId);
    if (!file) {
      throw new NotFoundError(`No file ${fileId} has been announced.`);
    }
    const download =
      file.status === 'PROCESSED' && file.objectKey
        ? {
            url: await bucket.downloadUrl(file.objectKey, file.filename, DOWNLOAD_URL_SECONDS),
            expiresAt: new Date(now().getTime() + DOWNLOAD_URL_SECONDS * 1000).toISOString(),
          }
        : undefined;
    return ok({
      fileId: file.fileId,
      status: file.status,
      filename: file.filename,
      contentType: file.contentType,
      size: file.sizeBytes ?? file.declaredSize,
      ...(file.sha256 === undefined ? {} : { sha256: file.sha256 }),
      ...(file.reason === undefined ? {} : { reason: file.reason }),
      createdAt: file.createdAt,
      ...(file.status === 'AWAITING_UPLOAD' ? { uploadExpiresAt: file.uploadExpiresAt } : {}),
      ...(file.processedAt === undefined ? {} : { processedAt: file.processedAt }),
      ...(download ? { download } : {}),
    });
  });

/** The Lambda entry point, wired to DynamoDB and S3. */
export const handler = makeHandler({
  ...fileDropResources(),
  now: () => new Date(),
});
