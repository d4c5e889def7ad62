import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { toPublicView } from '../domain/cqrs-order.ts';
import type { ReadModels } from '../domain/cqrs-stores.ts';
import { NotFoundError } from '../domain/errors.ts';
import { requireOrderId } from '../domain/order.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbReadModels } from '../shared/dynamodb-cqrs-read-models.ts';
import { ok } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';

/**
 * `GET /cqrs/orders/{orderId}`: the order's view (status, version, total), as projected so far. It trails the
 * commands by moments; a client waiting for its own command polls until `version` reaches the one it was given.
 */
export const makeHandler = (readModels: Pick<ReadModels, 'findView'>) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const orderId = requireOrderId(event.pathParameters?.orderId);
    const view = await readModels.findView(orderId);
    if (!view) {
      throw new NotFoundError(
        `Order ${orderId} has no view: it does not exist, or it was placed a moment ago and is not projected yet.`,
      );
    }
    return ok(toPublicView(view));
  });

/** The Lambda entry point, wired to the read-model tables. */
export const handler = makeHandler(
  new DynamoDbReadModels(
    {
      orderViews: requireEnv('ORDER_VIEWS_TABLE_NAME'),
      customerOrders: requireEnv('CUSTOMER_ORDERS_TABLE_NAME'),
    },
    new DynamoDBClient({}),
  ),
);
