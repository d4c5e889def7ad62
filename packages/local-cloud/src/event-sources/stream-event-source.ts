import { randomUUID } from 'node:crypto';
import type { FunctionInvoker } from '../lambda/types.ts';

/** Where a shard's reading starts. */
export type StartPosition =
  | { readonly type: 'TRIM_HORIZON' | 'LATEST' }
  | { readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date }
  | { readonly type: 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

/** A record read from a shard, with what the poller needs to order, age and describe it. */
export interface ShardRecord {
  readonly sequenceNumber: string;
  readonly arrival: Date;
  /** The record as the function's event carries it. */
  readonly eventRecord: unknown;
}

/** A shard, and the shard it was split or rolled over from, if any. */
export interface ShardInfo {
  readonly shardId: string;
  readonly parentShardId?: string;
}

/** What the poller needs from a stream service; Kinesis and DynamoDB Streams each implement it. */
export interface ShardReader {
  readonly streamArn: string;
  /** `KinesisBatchInfo` or `DDBStreamBatchInfo`: the key of the batch description in on-failure records. */
  readonly batchInfoKey: 'KinesisBatchInfo' | 'DDBStreamBatchInfo';
  listShards(): Promise<ShardInfo[]>;
  shardIterator(shardId: string, start: StartPosition): Promise<string | undefined>;
  getRecords(
    shardId: string,
    iterator: string,
    limit: number,
  ): Promise<{ records: ShardRecord[]; nextIterator?: string }>;
}

/** A stream event source mapping's settings, checked. */
export interface StreamEventSourceSettings {
  readonly functionArn: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly startingPosition: StartPosition;
  readonly bisectBatchOnFunctionError: boolean;
  /** -1: retry until the record expires. */
  readonly maximumRetryAttempts: number;
  /** -1: no limit (the stream's retention). */
  readonly maximumRecordAgeSeconds: number;
  readonly reportBatchItemFailures: boolean;
  /** Sends an invocation record to the on-failure destination, when there is one. */
  readonly onFailure?: (invocationRecord: object) => Promise<void>;
}

/** Pause between reads of an idle shard: Lambda polls each shard about once a second. */
const IDLE_POLL_MS = 250;
/** How often the stream is asked for new shards (resharding, DynamoDB's shard rollover). */
const SHARD_DISCOVERY_MS = 5_000;
/** Pauses before a shard whose read failed is read again: doubling from the first to the last. */
const READ_RETRY_FIRST_MS = 1_000;
const READ_RETRY_LAST_MS = 30_000;

/**
 * Reads every shard of a stream in order, one batch in flight per shard, and invokes a function with batches,
 * as Lambda's Kinesis and DynamoDB Streams event sources do.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
 * - A batch that succeeds is checkpointed at its last sequence number.
 * - With ReportBatchItemFailures, the function names failed records by sequence number; reading resumes at the
 *   lowest one, and that counts as a retry. An unknown or malformed report fails the whole batch.
 * - A function error retries the batch; with BisectBatchOnFunctionError the batch is split in two first (which
 *   does not count as a retry), down to single records.
 * - Past MaximumRetryAttempts, or once a record is older than MaximumRecordAgeInSeconds, the batch's
 *   description (shard, sequence range), not its records, goes to the on-failure destination and reading moves on.
 * - New shards are looked for every few seconds and when a shard closes; a child shard is read only once its
 *   parent has been read to its end, so a partition key's records stay in order across a split or rollover.
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html#Streams.Processing
 * - A shard whose read fails (an expired iterator, say) is read again after its checkpoint, so no record is skipped.
 */
export class StreamEventSource {
  private readonly abort = new AbortController();
  private readonly readers: Array<Promise<void>> = [];
  private readonly shardsStarted = new Set<string>();
  private readonly shardsFinished = new Set<string>();
  /** The shards listed when the mapping started: only those are read from its starting position. */
  private shardsAtStart: ReadonlySet<string> | undefined;
  private discovery: Promise<void> | undefined;

  constructor(
    private settings: StreamEventSourceSettings,
    private readonly reader: ShardReader,
    private readonly invoker: FunctionInvoker,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Starts one reader per shard that has no unfinished parent, then keeps looking for new shards. */
  async start(): Promise<void> {
    await this.discoverShards();
    this.discovery = this.discoverPeriodically();
  }

  /**
   * Applies new settings to the running mapping, as UpdateEventSourceMapping does: every shard reader keeps its
   * checkpoint and reads its next batch with them; a batch in flight finishes as it started. (The starting
   * position cannot change: CloudFormation replaces a mapping for that.)
   * https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html
   */
  reconfigure(settings: StreamEventSourceSettings): void {
    this.settings = { ...settings, startingPosition: this.settings.startingPosition };
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.discovery;
    await Promise.allSettled(this.readers);
  }

  private async discoverShards(): Promise<void> {
    const shards = await this.reader.listShards();
    const listed = new Set(shards.map((shard) => shard.shardId));
    this.shardsAtStart ??= listed;
    for (const { shardId, parentShardId } of shards) {
      // A parent no longer listed (trimmed past the retention period) has nothing left to wait for.
      const waitsForParent =
        parentShardId !== undefined && listed.has(parentShardId) && !this.shardsFinished.has(parentShardId);
      if (!this.stopped && !this.shardsStarted.has(shardId) && !waitsForParent) {
        this.shardsStarted.add(shardId);
        // A shard created after the mapping started holds only records written since: all of them are due,
        // whatever the starting position (LATEST must not skip what a new shard received before it was found).
        const start: StartPosition = this.shardsAtStart.has(shardId)
          ? this.settings.startingPosition
          : { type: 'TRIM_HORIZON' };
        this.readers.push(this.readShard(shardId, start));
      }
    }
  }

  private async discoverPeriodically(): Promise<void> {
    while (!this.stopped) {
      await sleep(SHARD_DISCOVERY_MS, this.abort.signal);
      await this.discoverShards().catch((error: unknown) => this.logDiscoveryError(error));
    }
  }

  private logDiscoveryError(error: unknown): void {
    if (!this.stopped) {
      this.log(`listing the shards of ${this.reader.streamArn} failed: ${(error as Error).message}`);
    }
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Reads a shard to its end (or until stopped), again from its checkpoint after a failed read. */
  private async readShard(shardId: string, start: StartPosition): Promise<void> {
    let position = start;
    let retryMs = READ_RETRY_FIRST_MS;
    while (!this.stopped) {
      try {
        await this.readShardFrom(shardId, position, (sequenceNumber) => {
          position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber };
          retryMs = READ_RETRY_FIRST_MS;
        });
        if (!this.stopped) {
          // Read to its end (a closed shard): its children may start now.
          this.shardsFinished.add(shardId);
          await this.discoverShards().catch((error: unknown) => this.logDiscoveryError(error));
        }
        return;
      } catch (error) {
        if (!this.stopped) {
          this.log(
            `reading ${shardId} of ${this.reader.streamArn} failed, reading it again after its checkpoint: ${(error as Error).message}`,
          );
          await sleep(retryMs, this.abort.signal);
          retryMs = Math.min(retryMs * 2, READ_RETRY_LAST_MS);
        }
      }
    }
  }

  /** Reads from `start` until the shard ends; `checkpoint` gets the last sequence number of each settled batch. */
  private async readShardFrom(
    shardId: string,
    start: StartPosition,
    checkpoint: (sequenceNumber: string) => void,
  ): Promise<void> {
    let iterator = await this.reader.shardIterator(shardId, start);
    let pending: ShardRecord[] = [];
    while (!this.stopped && iterator !== undefined) {
      const windowEnds = Date.now() + this.settings.maximumBatchingWindowSeconds * 1000;
      while (!this.stopped && iterator !== undefined && pending.length < this.settings.batchSize) {
        const page = await this.reader.getRecords(
          shardId,
          iterator,
          this.settings.batchSize - pending.length,
        );
        pending = [...pending, ...page.records];
        iterator = page.nextIterator;
        if (page.records.length === 0) {
          if (pending.length > 0 && Date.now() >= windowEnds) {
            break;
          }
          await sleep(IDLE_POLL_MS);
        } else if (Date.now() >= windowEnds) {
          break;
        }
      }
      if (pending.length > 0 && !this.stopped) {
        const batch = pending.slice(0, this.settings.batchSize);
        pending = pending.slice(batch.length);
        await this.deliver(shardId, batch, 0);
        if (!this.stopped) {
          checkpoint((batch[batch.length - 1] as ShardRecord).sequenceNumber);
        }
      }
    }
  }

  /** Delivers a batch until it succeeds, is bisected, or is given up on; `attempts` counts retries so far. */
  private async deliver(
    shardId: string,
    records: readonly ShardRecord[],
    retriesSoFar: number,
  ): Promise<void> {
    let batch = records;
    let retries = retriesSoFar;
    while (!this.stopped && batch.length > 0) {
      const { maximumRecordAgeSeconds, maximumRetryAttempts } = this.settings;
      if (maximumRecordAgeSeconds >= 0) {
        const oldestAgeSeconds = (Date.now() - (batch[0] as ShardRecord).arrival.getTime()) / 1000;
        if (oldestAgeSeconds > maximumRecordAgeSeconds) {
          await this.giveUp(shardId, batch, 'RecordAgeExceeded', retries);
          return;
        }
      }
      const outcome = await this.invoker.invoke(
        this.settings.functionArn,
        JSON.stringify({ Records: batch.map((record) => record.eventRecord) }),
      );
      let failedFrom: number | undefined;
      if (outcome.status === 'succeeded') {
        failedFrom = this.settings.reportBatchItemFailures
          ? firstReportedFailure(outcome.payload, batch)
          : undefined;
        if (failedFrom === undefined) {
          return;
        }
      } else if (this.settings.bisectBatchOnFunctionError && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        await this.deliver(shardId, batch.slice(0, half), retries);
        await this.deliver(shardId, batch.slice(half), retries);
        return;
      } else {
        failedFrom = 0;
      }
      batch = batch.slice(failedFrom);
      retries++;
      if (maximumRetryAttempts >= 0 && retries > maximumRetryAttempts) {
        await this.giveUp(shardId, batch, 'RetryAttemptsExhausted', retries);
        return;
      }
      await sleep(Math.min(1_000, 50 * 2 ** retries));
    }
  }

  /** `failedInvocations`: how many times this batch was invoked and failed. */
  private async giveUp(
    shardId: string,
    batch: readonly ShardRecord[],
    condition: string,
    failedInvocations: number,
  ): Promise<void> {
    const first = batch[0] as ShardRecord;
    const last = batch[batch.length - 1] as ShardRecord;
    this.log(
      `${this.settings.functionArn}: ${condition} on ${shardId} ${first.sequenceNumber}..${last.sequenceNumber}`,
    );
    // https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
    await this.settings.onFailure?.({
      requestContext: {
        requestId: randomUUID(),
        functionArn: this.settings.functionArn,
        condition,
        approximateInvokeCount: failedInvocations,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      [this.reader.batchInfoKey]: {
        shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: first.arrival.toISOString(),
        approximateArrivalOfLastRecord: last.arrival.toISOString(),
        batchSize: batch.length,
        streamArn: this.reader.streamArn,
      },
    });
  }
}

/**
 * The index of the lowest-sequence record the function reported as failed, `undefined` for full success, or 0
 * (the whole batch) for a report Lambda cannot use.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
 */
export function firstReportedFailure(payload: string, batch: readonly ShardRecord[]): number | undefined {
  let response: unknown;
  try {
    response = JSON.parse(payload);
  } catch {
    return 0;
  }
  if (response === null) {
    return undefined;
  }
  if (typeof response !== 'object' || Array.isArray(response)) {
    return 0;
  }
  const list = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) {
    return undefined;
  }
  if (!Array.isArray(list)) {
    return 0;
  }
  let lowest: number | undefined;
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = batch.findIndex((record) => record.sequenceNumber === id);
    if (typeof id !== 'string' || index < 0) {
      return 0;
    }
    lowest = lowest === undefined ? index : Math.min(lowest, index);
  }
  return lowest;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal?.addEventListener('abort', wake, { once: true });
  });
}
