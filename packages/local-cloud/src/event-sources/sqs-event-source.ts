import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { MAX_SYNC_PAYLOAD_BYTES } from '../lambda/limits.ts';
import type { FunctionInvoker } from '../lambda/types.ts';

/** An SQS event source mapping, its settings resolved and checked. */
export interface SqsEventSourceSettings {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly functionArn: string;
  /** Records per invocation: 1-10,000 (1-10 for FIFO). */
  readonly batchSize: number;
  /** How long to gather records before invoking with fewer than `batchSize`: 0-300 s. */
  readonly maximumBatchingWindowSeconds: number;
  /** `FunctionResponseTypes: ['ReportBatchItemFailures']`. */
  readonly reportBatchItemFailures: boolean;
  /** Concurrent batches in flight (`ScalingConfig.MaximumConcurrency`, else a laptop-sized default). */
  readonly maximumConcurrency: number;
  readonly fifo: boolean;
}

/** SQS's largest ReceiveMessage batch and its longest long poll. */
const MAX_MESSAGES_PER_RECEIVE = 10;
const LONG_POLL_SECONDS = 20;

/**
 * Polls a queue and invokes a function with batches of messages, as Lambda's SQS event source does.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 * - Messages stay in flight (hidden for the queue's visibility timeout) while the function runs.
 * - Success deletes the batch. A function error deletes nothing: the batch comes back after the visibility
 *   timeout, and the queue's redrive policy moves a message to its DLQ after `maxReceiveCount` receives.
 * - With ReportBatchItemFailures only the reported messages come back; an empty or null list is full success;
 *   an unknown, empty or missing `itemIdentifier`, or a response that is not an object, fails the whole batch.
 *   A FIFO batch stops at its first failure: everything after it comes back too.
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export class SqsEventSource {
  private readonly abort = new AbortController();
  private readonly pollers: Array<Promise<void>> = [];
  /** The indexes of the pollers running: one per concurrent batch. */
  private readonly polling = new Set<number>();

  constructor(
    private settings: SqsEventSourceSettings,
    private readonly sqs: SQSClient,
    private readonly invoker: FunctionInvoker,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Starts the pollers. */
  start(): void {
    for (let index = 0; index < this.settings.maximumConcurrency; index++) {
      if (!this.polling.has(index)) {
        this.polling.add(index);
        this.pollers.push(this.poll(index).finally(() => this.polling.delete(index)));
      }
    }
  }

  /**
   * Applies new settings to the running mapping, as UpdateEventSourceMapping does: each poller reads them for its
   * next batch (a batch in flight finishes as it started), pollers past a lower concurrency stop after their
   * batch, and more start for a higher one. The queue stays, so no message is lost or received twice.
   * https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html
   */
  reconfigure(settings: SqsEventSourceSettings): void {
    if (settings.queueUrl !== this.settings.queueUrl) {
      throw new Error('an SQS event source cannot change its queue: create another mapping');
    }
    this.settings = settings;
    if (!this.abort.signal.aborted) {
      this.start();
    }
  }

  /** Stops polling and waits for batches in flight to finish. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.pollers);
  }

  private async poll(index: number): Promise<void> {
    while (!this.abort.signal.aborted && index < this.settings.maximumConcurrency) {
      try {
        const batch = await this.gatherBatch();
        for (const part of splitToPayloadLimit(batch.map((message) => this.record(message)))) {
          await this.deliver(part);
        }
      } catch (error) {
        if (!this.abort.signal.aborted) {
          this.log(`SQS poller for ${this.settings.queueArn}: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    }
  }

  /** Receives until the batch is full or the batching window closes; with no window, as soon as any arrive. */
  private async gatherBatch(): Promise<Message[]> {
    const { batchSize, maximumBatchingWindowSeconds } = this.settings;
    const messages: Message[] = [];
    let windowEnds: number | undefined;
    while (messages.length < batchSize && !this.abort.signal.aborted) {
      const remainingSeconds =
        windowEnds === undefined ? LONG_POLL_SECONDS : Math.ceil((windowEnds - Date.now()) / 1000);
      if (remainingSeconds <= 0) {
        break;
      }
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.settings.queueUrl,
          MaxNumberOfMessages: Math.min(MAX_MESSAGES_PER_RECEIVE, batchSize - messages.length),
          WaitTimeSeconds: Math.min(LONG_POLL_SECONDS, remainingSeconds),
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: this.abort.signal },
      );
      messages.push(...Messages);
      if (messages.length > 0 && windowEnds === undefined) {
        if (maximumBatchingWindowSeconds === 0) {
          break;
        }
        windowEnds = Date.now() + maximumBatchingWindowSeconds * 1000;
      }
    }
    return messages;
  }

  private async deliver(records: SQSRecord[]): Promise<void> {
    const outcome = await this.invoker.invoke(
      this.settings.functionArn,
      JSON.stringify({ Records: records }),
    );
    const ids = records.map((record) => record.messageId);
    let failed: ReadonlySet<string>;
    if (outcome.status !== 'succeeded') {
      failed = new Set(ids);
      this.log(
        `${this.settings.functionArn} failed a batch of ${ids.length}: ${outcome.status === 'rejected' ? outcome.errorCode : outcome.errorType}`,
      );
    } else if (!this.settings.reportBatchItemFailures) {
      failed = new Set();
    } else {
      failed = reportedFailures(outcome.payload, ids) ?? new Set(ids);
    }
    if (this.settings.fifo) {
      // A FIFO batch stops at its first failure, to keep the order of each message group.
      const first = ids.findIndex((id) => failed.has(id));
      failed = first < 0 ? failed : new Set(ids.slice(first));
    }
    const succeeded = records.filter((record) => !failed.has(record.messageId));
    for (let index = 0; index < succeeded.length; index += MAX_MESSAGES_PER_RECEIVE) {
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.settings.queueUrl,
          Entries: succeeded.slice(index, index + MAX_MESSAGES_PER_RECEIVE).map((record, entry) => ({
            Id: String(entry),
            ReceiptHandle: record.receiptHandle,
          })),
        }),
      );
    }
  }

  /** The Lambda event record for a received message. https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#example-standard-queue-message-event */
  private record(message: Message): SQSRecord {
    const messageAttributes: SQSRecord['messageAttributes'] = {};
    for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
      messageAttributes[name] = {
        stringValue: value.StringValue,
        binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
        stringListValues: [],
        binaryListValues: [],
        dataType: value.DataType as SQSRecord['messageAttributes'][string]['dataType'],
      };
    }
    return {
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: message.Attributes as unknown as SQSRecord['attributes'],
      messageAttributes,
      md5OfBody: message.MD5OfBody ?? '',
      ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.settings.queueArn,
      awsRegion: this.settings.region,
    };
  }
}

/**
 * The message ids a function reported as failed, or `undefined` when its response fails the whole batch.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
 */
export function reportedFailures(
  payload: string,
  batchIds: readonly string[],
): ReadonlySet<string> | undefined {
  let response: unknown;
  try {
    response = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (response === null) {
    return new Set();
  }
  if (typeof response !== 'object' || Array.isArray(response)) {
    return undefined;
  }
  const list = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) {
    return new Set();
  }
  if (!Array.isArray(list)) {
    return undefined;
  }
  const known = new Set(batchIds);
  const failed = new Set<string>();
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !known.has(id)) {
      return undefined;
    }
    failed.add(id);
  }
  return failed;
}

/** Splits records so each invocation stays under Lambda's 6 MB payload limit (SQS allows 10 x 1 MiB). */
function splitToPayloadLimit(records: SQSRecord[]): SQSRecord[][] {
  const parts: SQSRecord[][] = [];
  let current: SQSRecord[] = [];
  let size = 20;
  for (const record of records) {
    const recordSize = Buffer.byteLength(JSON.stringify(record)) + 1;
    if (current.length > 0 && size + recordSize > MAX_SYNC_PAYLOAD_BYTES) {
      parts.push(current);
      current = [];
      size = 20;
    }
    current.push(record);
    size += recordSize;
  }
  if (current.length > 0) {
    parts.push(current);
  }
  return parts;
}
