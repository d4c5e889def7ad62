import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { type ProductStatsStore, toPublicStats } from '../domain/product-event.ts';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbProductStatsStore } from '../shared/dynamodb-product-stats-store.ts';
import { ok } from '../shared/http.ts';
import { answeringProblems } from '../shared/problem.ts';

const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** `GET /stream/stats/{sku}`: views, reviews, average rating, purchases, units and last event time. */
export const makeHandler = (stats: ProductStatsStore) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const sku = event.pathParameters?.sku;
    if (sku === undefined || !SKU_PATTERN.test(sku)) {
      throw new ValidationError('The SKU is invalid.', [
        { pointer: '#/sku', detail: 'A SKU is 1-64 characters of A-Z, a-z, 0-9, ., _ and -.' },
      ]);
    }
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
