import type { S3Event } from 'aws-lambda';
import { decodeEventKey, type FileStore, fileKey, parseIncomingKey } from '../domain/file-drop.ts';
import { inspectFile } from '../domain/file-inspection.ts';
import { logger } from '../shared/logger.ts';
import type { S3FileBucket } from '../shared/s3-file-bucket.ts';
import { fileDropResources } from './resources.ts';

/** What the handler needs from the outside world. */
export interface ProcessUploadDependencies {
  readonly files: FileStore;
  readonly bucket: Pick<S3FileBucket, 'read' | 'copy' | 'delete'>;
  readonly now: () => Date;
}

/**
 * The upload processor, invoked by S3's `ObjectCreated` events on `incoming/`. For each upload it streams the
 * object once (hash, size, content check against the declared type), copies it to `processed/` or `quarantine/`,
 * records the outcome, then deletes the upload. Every step can be repeated: a duplicate or retried event finds the
 * outcome recorded and changes nothing, so S3's at-least-once delivery and Lambda's retries are safe.
 * An error is thrown, not swallowed: Lambda retries the event, then sends it to the on-failure destination.
 */
export const makeHandler =
  ({ files, bucket, now }: ProcessUploadDependencies) =>
  async (event: S3Event): Promise<void> => {
    for (const record of event.Records) {
      await processUpload(decodeEventKey(record.s3.object.key));
    }

    async function processUpload(key: string): Promise<void> {
      const upload = parseIncomingKey(key);
      const file = upload ? await files.find(upload.fileId) : undefined;
      if (!upload || !file || file.filename !== upload.filename) {
        // Only the drop's presigned URLs write here; anything else is left to the incoming/ lifecycle rule.
        logger.warn('Object is not an upload the drop issued; left alone', { key });
        return;
      }
      const { fileId } = upload;
      if (file.status !== 'AWAITING_UPLOAD') {
        logger.info('Outcome already recorded; duplicate event', { fileId, status: file.status });
        await bucket.delete(key);
        return;
      }
      const object = await bucket.read(key);
      if (!object) {
        logger.info('Upload already moved by an earlier delivery', { fileId });
        return;
      }
      const inspection = await inspectFile(object.chunks, file.contentType);
      const reason =
        inspection.problem ??
        (inspection.sizeBytes === file.declaredSize
          ? undefined
          : `The upload is ${inspection.sizeBytes} bytes; ${file.declaredSize} bytes were announced.`);
      const objectKey = fileKey(reason ? 'quarantine' : 'processed', fileId, file.filename);
      await bucket.copy(key, objectKey);
      const recorded = await files.complete(fileId, {
        status: reason ? 'REJECTED' : 'PROCESSED',
        sizeBytes: inspection.sizeBytes,
        sha256: inspection.sha256,
        objectKey,
        processedAt: now().toISOString(),
        ...(reason ? { reason } : {}),
      });
      await bucket.delete(key);
      logger.info(reason ? 'File rejected' : 'File processed', {
        fileId,
        sizeBytes: inspection.sizeBytes,
        sha256: inspection.sha256,
        ...(reason ? { reason } : {}),
        ...(recorded ? {} : { note: 'another delivery recorded the outcome first' }),
      });
    }
  };

/** The Lambda entry point, wired to DynamoDB and S3. */
export const handler = makeHandler({
  ...fileDropResources(),
  now: () => new Date(),
});
