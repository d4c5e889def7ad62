import type { DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda';
import { AttachmentTooLargeError, type FieldError, ValidationError } from '../domain/errors.ts';
import { logger } from './logger.ts';

/** Why a record failed, as its log line states it. */
export interface RecordFailure {
  /** The error's name and message. */
  readonly reason: string;
  /** The record's content is invalid (not JSON, another shape, values out of range): no retry can succeed. */
  readonly permanent: boolean;
  /** Each field at fault, as a JSON Pointer into the message, when the content is invalid. */
  readonly errors?: readonly FieldError[];
}

/** Describes a record's failure for its log line; only the domain's input errors are permanent. */
export function recordFailure(error: unknown): RecordFailure {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (error instanceof ValidationError) {
    return { reason, permanent: true, errors: error.errors };
  }
  return { reason, permanent: error instanceof AttachmentTooLargeError };
}

/** A stream record's coordinates: its sequence number (what the on-failure record's range is given in) and id. */
function streamRecordId(record: KinesisStreamRecord | DynamoDBRecord): Record<string, string | undefined> {
  return 'kinesis' in record
    ? { sequenceNumber: record.kinesis.sequenceNumber, eventID: record.eventID }
    : { sequenceNumber: record.dynamodb?.SequenceNumber, eventID: record.eventID };
}

/**
 * Wraps a stream consumer's record handler so that each failure is logged, as one warning naming the record's
 * sequence number and why, before it is rethrown for the batch processor to report by sequence number. The event
 * source retries from there and, past its retries, sends the batch's range to the on-failure destination: the
 * log line is where the reason is found.
 */
export function logStreamFailures<R extends KinesisStreamRecord | DynamoDBRecord>(
  process: (record: R) => Promise<void>,
): (record: R) => Promise<void> {
  return async (record) => {
    try {
      await process(record);
    } catch (error) {
      logger.warn('Stream record failed', { ...streamRecordId(record), ...recordFailure(error) });
      throw error;
    }
  };
}
