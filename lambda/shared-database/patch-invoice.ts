import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { OrderNotFoundError, PreconditionFailedError } from '../domain/errors.ts';
import { requireOrderId } from '../domain/order.ts';
import { entityTag, invoiceView, parseInvoiceFields, versionsFromIfMatch } from '../domain/shared-order.ts';
import { requireEnv } from '../shared/config.ts';
import { AccountingAppTable } from '../shared/dynamodb-shared-orders.ts';
import { header, jsonBodyText, ok, withHeaders } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';

export interface PatchInvoiceDependencies {
  readonly table: Pick<AccountingAppTable, 'setInvoice'>;
  readonly now?: () => Date;
}

/**
 * `PATCH /shared/orders/{orderId}/invoice` (the accounting application): sets the order's invoice. Always an
 * update of an existing order, so `If-Match` is required (`428` without it, `412` when stale, `404` when there
 * is no such order).
 */
export const makeHandler = ({ table, now = () => new Date() }: PatchInvoiceDependencies) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const orderId = requireOrderId(event.pathParameters?.orderId);
    const invoice = parseInvoiceFields(jsonBodyText(event));
    const versions = versionsFromIfMatch(header(event, 'If-Match'));
    const outcome = await table.setInvoice(orderId, invoice, versions, now());
    if (outcome.result === 'missing') {
      throw new OrderNotFoundError(orderId);
    }
    if (outcome.result === 'stale') {
      throw new PreconditionFailedError(
        `Order ${orderId} changed since that version was read; GET it again and reapply the invoice.`,
      );
    }
    return withHeaders(ok({ orderId, version: outcome.version, invoice: invoiceView(invoice) }), {
      ETag: entityTag(outcome.version),
    });
  });

export const handler = makeHandler({
  table: new AccountingAppTable(requireEnv('SHARED_ORDERS_TABLE_NAME'), new DynamoDBClient({})),
});
