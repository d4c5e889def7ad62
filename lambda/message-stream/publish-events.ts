import { KinesisClient, PutRecordsCommand, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseEventBatch, type RefusedEvent } from '../domain/product-event.ts';
import { requireEnv } from '../shared/config.ts';
import { jsonBodyText } from '../shared/http.ts';
import { logger } from '../shared/logger.ts';
import { answeringProblems } from '../shared/problem.ts';

/** One record for the stream: the SKU as partition key keeps each SKU's events in one shard, in order. */
export interface StreamRecord {
  readonly partitionKey: string;
  readonly data: string;
}

export interface PublishEventsDependencies {
  /** Writes records; answers one entry per record, in order, with a sequence number or an error code. */
  readonly putRecords: (records: readonly StreamRecord[]) => Promise<PutRecordsResultEntry[]>;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Attempts per record: the first and up to three retries of what Kinesis refused (throttled shards, mostly). */
const MAX_ATTEMPTS = 4;

/**
 * `POST /stream/events`: validates the whole batch first (nothing is sent if any event is invalid), writes it with
 * PutRecords, retries only the records Kinesis refused, with exponential backoff, and answers 202 with how many
 * were accepted and which still failed, by index and error code.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 */
export const makeHandler = ({ putRecords, sleep }: PublishEventsDependencies) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const events = parseEventBatch(jsonBodyText(event));
    const results: Array<
      { shardId: string; sequenceNumber: string } | { errorCode: string; errorMessage: string }
    > = [];
    let pending = events.map((_, index) => index);
    for (let attempt = 1; pending.length > 0 && attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) {
        // 100, 200, 400 ms, with jitter so retries from concurrent requests spread out.
        await sleep(100 * 2 ** (attempt - 2) * (0.5 + Math.random() / 2));
      }
      const entries = await putRecords(
        pending.map((index) => ({
          partitionKey: events[index]?.sku ?? '',
          data: JSON.stringify(events[index]),
        })),
      );
      const stillFailing: number[] = [];
      pending.forEach((index, position) => {
        const entry = entries[position];
        if (entry?.SequenceNumber && entry.ShardId) {
          results[index] = { shardId: entry.ShardId, sequenceNumber: entry.SequenceNumber };
        } else {
          results[index] = {
            errorCode: entry?.ErrorCode ?? 'Unknown',
            errorMessage: entry?.ErrorMessage ?? '',
          };
          stillFailing.push(index);
        }
      });
      pending = stillFailing;
    }
    const failed: RefusedEvent[] = pending.map((index) => {
      const result = results[index] as { errorCode: string; errorMessage: string };
      return {
        index,
        eventId: events[index]?.eventId ?? '',
        errorCode: result.errorCode,
        errorMessage: result.errorMessage,
      };
    });
    const accepted = events.length - failed.length;
    logger.info('Events published', { accepted, failed: failed.length });
    return {
      statusCode: 202,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        accepted,
        failed,
        records: results.map((result, index) => ({ index, eventId: events[index]?.eventId, ...result })),
      }),
    };
  });

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
