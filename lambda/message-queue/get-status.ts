import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { type DownloadHeaders, downloadHeaders } from '../domain/download.ts';
import { OrderNotFoundError } from '../domain/errors.ts';
import { requireOrderId } from '../domain/order.ts';
import type { OrderStatusStore, StoredDocument } from '../domain/queued-order.ts';
import { RECEIPT_CONTENT_TYPE, receiptFilename } from '../domain/receipt.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbOrderStatusStore } from '../shared/dynamodb-order-status-store.ts';
import { ok } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';
import { S3DocumentStore } from '../shared/s3-document-store.ts';
import { s3ClientFromEnvironment } from '../shared/s3-rest-client.ts';

export interface GetStatusDependencies {
  readonly statuses: OrderStatusStore;
  readonly receipts: Pick<S3DocumentStore, 'downloadUrl'>;
  readonly now: () => Date;
}

/** `GET /queue/orders/{orderId}`: the order's status; when DONE, download links; when FAILED, the reason. */
export const makeHandler = ({ statuses, receipts, now }: GetStatusDependencies) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const orderId = requireOrderId(event.pathParameters?.orderId);
    const status = await statuses.find(orderId);
    if (!status) {
      throw new OrderNotFoundError(orderId);
    }
    const download = async (document: StoredDocument, headers: DownloadHeaders) => ({
      ...(await receipts.downloadUrl(document.key, now(), headers)),
      sha256: document.sha256,
      sizeBytes: document.sizeBytes,
    });
    return ok({
      orderId: status.orderId,
      status: status.status,
      queuedAt: status.queuedAt,
      updatedAt: status.updatedAt,
      attempts: status.attempts ?? 0,
      ...(status.totalCents === undefined
        ? {}
        : { totalCents: status.totalCents, currency: status.currency }),
      ...(status.status === 'DONE' && status.receipt
        ? {
            receipt: await download(
              status.receipt,
              downloadHeaders(receiptFilename(orderId), RECEIPT_CONTENT_TYPE),
            ),
          }
        : {}),
      ...(status.status === 'DONE' && status.attachment
        ? {
            attachment: {
              filename: status.attachment.filename,
              contentType: status.attachment.contentType,
              // Served as an attachment of an inert type, whatever type the client declared.
              ...(await download(
                status.attachment,
                downloadHeaders(status.attachment.filename, status.attachment.contentType),
              )),
            },
          }
        : {}),
      ...(status.status === 'FAILED' ? { reason: status.reason } : {}),
    });
  });

export const handler = makeHandler({
  statuses: new DynamoDbOrderStatusStore(requireEnv('ORDER_STATUS_TABLE_NAME'), new DynamoDBClient({})),
  receipts: new S3DocumentStore(requireEnv('RECEIPTS_BUCKET_NAME'), s3ClientFromEnvironment()),
  now: () => new Date(),
});
