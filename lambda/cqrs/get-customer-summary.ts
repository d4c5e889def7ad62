import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { requireCustomerId, summarize } from '../domain/cqrs-order.ts';
import type { ReadModels } from '../domain/cqrs-stores.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbReadModels } from '../shared/dynamodb-cqrs-read-models.ts';
import { ok } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';

/**
 * `GET /cqrs/customers/{customerId}/summary`: open orders, paid totals per currency, and each order with its
 * status and version, as projected so far. A customer with no orders projected has an empty summary.
 */
export const makeHandler = (readModels: Pick<ReadModels, 'customerOrders'>) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const customerId = requireCustomerId(event.pathParameters?.customerId);
    return ok(summarize(customerId, await readModels.customerOrders(customerId)));
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
