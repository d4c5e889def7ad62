import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { PreconditionFailedError, PreconditionRequiredError } from '../domain/errors.ts';
import { requireOrderId } from '../domain/order.ts';
import { entityTag, parseOrderFields, versionsFromIfMatch } from '../domain/shared-order.ts';
import { requireEnv } from '../shared/config.ts';
import { OrdersAppTable } from '../shared/dynamodb-shared-orders.ts';
import { header, jsonBodyText, ok, withHeaders } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';

export interface PutOrderDependencies {
  readonly table: Pick<OrdersAppTable, 'create' | 'change'>;
  readonly now?: () => Date;
}

/**
 * `PUT /shared/orders/{orderId}` (the orders application): creates the order, or replaces its fields when
 * `If-Match` names its current version. Without `If-Match` an existing order is never overwritten (`428`); a
 * stale `If-Match` gets `412`: of two writers holding the same version, exactly one wins.
 */
export const makeHandler = ({ table, now = () => new Date() }: PutOrderDependencies) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const orderId = requireOrderId(event.pathParameters?.orderId);
    const fields = parseOrderFields(jsonBodyText(event));
    const ifMatch = header(event, 'If-Match');
    if (ifMatch === undefined) {
      const outcome = await table.create(orderId, fields, now());
      if (outcome.result !== 'written') {
        throw new PreconditionRequiredError(
          `Order ${orderId} exists: send If-Match with the ETag of the version you read (GET it first).`,
        );
      }
      // 201 without Location: the order is the resource the PUT named (RFC 9110 section 15.3.2).
      return withHeaders(
        { ...ok({ orderId, version: outcome.version, order: fields }), statusCode: 201 },
        { ETag: entityTag(outcome.version) },
      );
    }
    const outcome = await table.change(orderId, fields, versionsFromIfMatch(ifMatch), now());
    if (outcome.result !== 'written') {
      throw new PreconditionFailedError(
        outcome.result === 'missing'
          ? `There is no order ${orderId} for If-Match to match; send the PUT without If-Match to create it.`
          : `Order ${orderId} changed since that version was read; GET it again and reapply your change.`,
      );
    }
    return withHeaders(ok({ orderId, version: outcome.version, order: fields }), {
      ETag: entityTag(outcome.version),
    });
  });

export const handler = makeHandler({
  table: new OrdersAppTable(requireEnv('SHARED_ORDERS_TABLE_NAME'), new DynamoDBClient({})),
});
