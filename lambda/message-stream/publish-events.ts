import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { parseEventBatch, type RefusedEvent } from '../domain/product-event.ts';
import { requireEnv } from '../shared/config.ts';
import { jsonBodyText } from '../shared/http.ts';
import { logger } from '../shared/logger.ts';
import { answeringProblems } from '../shared/problem.ts';
import {
  type PutRecordsWithRetriesOptions,
  putRecordsWithRetries,
  type StreamRecord,
} from './put-records-with-retries.ts';

export type { StreamRecord } from './put-records-with-retries.ts';

export type PublishEventsDependencies = Pick<PutRecordsWithRetriesOptions, 'putRecords' | 'sleep'> &
  Partial<Pick<PutRecordsWithRetriesOptions, 'now' | 'random'>>;

/** Time kept after the last attempt to shape the answer and return it before the function times out. */
export const ANSWER_MARGIN_MS = 1_000;

/**
 * `POST /stream/events`: validates the whole batch first (nothing is sent if any event is invalid), writes it with
 * PutRecords, retries the records Kinesis refused with backoff while the invocation's time allows, and answers 202
 * with how many were accepted and which still failed, by index and error code, for the client to send again.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 */
export const makeHandler =
  ({ putRecords, sleep, now = Date.now, random = Math.random }: PublishEventsDependencies) =>
  async (event: APIGatewayProxyEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => {
    const deadline = now() + context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS;
    return answeringProblems(async (request): Promise<APIGatewayProxyResult> => {
      const events = parseEventBatch(jsonBodyText(request));
      const records: StreamRecord[] = events.map((productEvent) => ({
        partitionKey: productEvent.sku,
        data: JSON.stringify(productEvent),
      }));
      const outcomes = await putRecordsWithRetries(records, { putRecords, sleep, now, random, deadline });
      const failed: RefusedEvent[] = outcomes.flatMap((outcome, index) =>
        'errorCode' in outcome ? [{ index, eventId: events[index]?.eventId ?? '', ...outcome }] : [],
      );
      const accepted = events.length - failed.length;
      logger.info('Events published', { accepted, failed: failed.length });
      return {
        statusCode: 202,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          accepted,
          failed,
          records: outcomes.map((outcome, index) => ({ index, eventId: events[index]?.eventId, ...outcome })),
        }),
      };
    })(event);
  };

// Kinesis's SDK client speaks HTTP/2 by default; HTTP/1.1 works everywhere, kinesis-mock's plain port included.
const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
const streamName = requireEnv('EVENT_STREAM_NAME');

export const handler = makeHandler({
  putRecords: async (records) => {
    const { Records = [] } = await kinesis.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: records.map((record) => ({
          PartitionKey: record.partitionKey,
          Data: Buffer.from(record.data),
        })),
      }),
    );
    return Records;
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});
