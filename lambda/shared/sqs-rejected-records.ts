import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamRecord } from 'aws-lambda';

/** Why a stream record was set aside instead of applied. */
export interface Rejection {
  /** A short code, such as `ConflictingEventId`. */
  readonly code: string;
  /** A sentence for the person who reads the failure queue. */
  readonly reason: string;
  /** Whatever else explains it. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Where a consumer sets aside the records it will never apply (the port). */
export interface RejectedRecords {
  reject(record: KinesisStreamRecord, rejection: Rejection): Promise<void>;
}

/**
 * Sets rejected stream records aside on an SQS queue, whole (the record's data as it came, base64) and with the
 * reason: the consumer's failure queue, where Lambda's own batch descriptions of failed batches also go. A message
 * of this kind has `rejectedRecord`; Lambda's have `KinesisBatchInfo`.
 */
export class SqsRejectedRecords implements RejectedRecords {
  constructor(
    private readonly queueUrl: string,
    private readonly sqs: SQSClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async reject(record: KinesisStreamRecord, { code, reason, details }: Rejection): Promise<void> {
    const body = {
      code,
      reason,
      ...details,
      rejectedAt: this.now().toISOString(),
      rejectedRecord: {
        // Lambda's eventID for a Kinesis record is `{shardId}:{sequenceNumber}`.
        shardId: record.eventID.split(':')[0],
        sequenceNumber: record.kinesis.sequenceNumber,
        partitionKey: record.kinesis.partitionKey,
        approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
        data: record.kinesis.data,
      },
    };
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(body) }),
    );
  }
}
