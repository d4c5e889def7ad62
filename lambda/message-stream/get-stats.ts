import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { NotFoundError } from '../domain/errors.ts';
import { type ProductStatsStore, requireSku, toPublicStats } from '../domain/product-event.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbProductStatsStore } from '../shared/dynamodb-product-stats-store.ts';
import { ok } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';

/** `GET /stream/stats/{sku}`: views, reviews, average rating, purchases, units and last event time. */
export const makeHandler = (stats: ProductStatsStore) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const sku = requireSku(event.pathParameters?.sku);
    const found = await stats.find(sku);
    if (!found) {
      throw new NotFoundError(`No events have been counted for SKU ${sku}.`);
    }
    return ok(toPublicStats(found));
  });

export const handler = makeHandler(
  new DynamoDbProductStatsStore(
    { stats: requireEnv('STATS_TABLE_NAME'), appliedEvents: requireEnv('APPLIED_EVENTS_TABLE_NAME') },
    new DynamoDBClient({}),
  ),
);
