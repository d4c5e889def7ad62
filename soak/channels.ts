import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  CopyObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';

/** Every item of a table (the soak's tables hold thousands, not millions). */
export async function scanAll(
  documents: DynamoDBDocumentClient,
  tableName: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan(
    { client: documents },
    { TableName: tableName, ConsistentRead: true },
  )) {
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
  }
  return items;
}

/** Every key under a prefix. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** Messages waiting in a queue, visible or in flight. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Up to ten messages, hidden from other readers for a minute; none once the queue is empty. */
async function receiveSome(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      VisibilityTimeout: 60,
    }),
  );
  return Messages;
}

/**
 * Takes every message off a queue (dead letters, failure records): each is handed to `take`, and deleted once
 * it returns, so a crash in between leaves the message for the next look.
 */
export async function drainQueue(
  sqs: SQSClient,
  queueUrl: string,
  take: (message: Message) => Promise<void>,
): Promise<number> {
  let taken = 0;
  for (
    let messages = await receiveSome(sqs, queueUrl);
    messages.length > 0;
    messages = await receiveSome(sqs, queueUrl)
  ) {
    for (const message of messages) {
      await take(message);
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
    taken += messages.length;
  }
  return taken;
}

/** Reads every message of a queue without taking it (each stays hidden for a minute). */
export async function peekQueue(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (
    let messages = await receiveSome(sqs, queueUrl);
    messages.length > 0;
    messages = await receiveSome(sqs, queueUrl)
  ) {
    bodies.push(...messages.map((message) => message.Body ?? ''));
  }
  return bodies;
}

/** The batch a stream event source gave up on, as its on-failure record describes it. */
export interface StreamBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly streamArn: string;
}

/** The records of a failed batch, read back from the stream (within its retention). */
export async function recordsOf(
  kinesis: KinesisClient,
  streamName: string,
  batch: StreamBatchInfo,
): Promise<KinesisRecord[]> {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: streamName,
      ShardId: batch.shardId,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: batch.startSequenceNumber,
    }),
  );
  const end = BigInt(batch.endSequenceNumber);
  const records: KinesisRecord[] = [];
  let iterator = ShardIterator;
  while (iterator) {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1_000 }));
    for (const record of page.Records ?? []) {
      if (BigInt(record.SequenceNumber ?? '0') > end) {
        return records;
      }
      records.push(record);
    }
    if ((page.Records ?? []).length === 0) {
      return records;
    }
    iterator = page.NextShardIterator;
  }
  return records;
}

/** Puts records on the stream again, with their partition keys: the consumer ignores events it applied. */
export async function replayRecords(
  kinesis: KinesisClient,
  streamName: string,
  records: readonly KinesisRecord[],
): Promise<void> {
  for (let start = 0; start < records.length; start += 500) {
    const chunk = records.slice(start, start + 500);
    const result = await kinesis.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: chunk.map((record) => ({ Data: record.Data, PartitionKey: record.PartitionKey })),
      }),
    );
    if ((result.FailedRecordCount ?? 0) > 0) {
      throw new Error(`Replay: Kinesis refused ${result.FailedRecordCount} record(s)`);
    }
  }
}

/**
 * Raises a new upload event for an object still waiting in its bucket, by copying it onto itself (S3 needs a
 * metadata change for that): how an operator makes S3 notify again once the processor is fixed.
 */
export async function renotify(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  if (!head) {
    return false;
  }
  await s3.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: key,
      CopySource: `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
      MetadataDirective: 'REPLACE',
      ContentType: head.ContentType,
      Metadata: { ...head.Metadata, renotified: new Date().toISOString() },
    }),
  );
  return true;
}
