import {
  type AttributeValue,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import type {
  ShardInfo,
  ShardReader,
  ShardRecord,
  StartPosition,
} from '../event-sources/stream-event-source.ts';

/** The positions DynamoDB Streams iterators start from (it has no `AT_TIMESTAMP`). */
type StreamsPosition = Exclude<StartPosition, { readonly type: 'AT_TIMESTAMP' }>;

/** An attribute value as DynamoDB's JSON wire format (and so Lambda's event) carries it: binaries in base64. */
type WireAttributeValue = Record<string, unknown>;

/** The table and stream label a DynamoDB stream ARN names (`arn:aws:dynamodb:{region}:{account}:table/{name}/stream/{label}`). */
export function tableStreamOf(streamArn: string): { tableName: string; label: string } | undefined {
  const match = /^arn:aws[\w-]*:dynamodb:[^:]*:[^:]*:table\/([^/]+)\/stream\/(.+)$/.exec(streamArn);
  return match ? { tableName: match[1] as string, label: match[2] as string } : undefined;
}

/**
 * Reads a table's DynamoDB stream on DynamoDB Local for the stream event source, and shapes records as Lambda's
 * DynamoDB event. https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
 * The template knows the stream by the ARN the table provider gave it (the local cloud's region and account);
 * DynamoDB Local names it with its own (`ddblocal`, `000000000000`) and answers ResourceNotFound to any other, so
 * the table name and stream label find its ARN there. Like DynamoDB, it closes a stream's shard and opens a child
 * every 4 hours and expires iterators after 15 minutes: the event source follows shard lineage, and asks for a new
 * iterator after a failed read.
 */
export class DynamoDbStreamShardReader implements ShardReader {
  readonly batchInfoKey = 'DDBStreamBatchInfo' as const;
  private emulatorArn: Promise<string> | undefined;
  /** Per shard, the position `LATEST` resolved to the first time it was asked for. */
  private readonly latest = new Map<string, StreamsPosition>();

  constructor(
    private readonly client: DynamoDBStreamsClient,
    readonly streamArn: string,
    private readonly region: string,
  ) {}

  /** The stream's ARN on DynamoDB Local, looked up once it is found. */
  private localArn(): Promise<string> {
    this.emulatorArn ??= this.findLocalArn().catch((error: unknown) => {
      // Not remembered: the next read asks again.
      this.emulatorArn = undefined;
      throw error;
    });
    return this.emulatorArn;
  }

  private async findLocalArn(): Promise<string> {
    const names = tableStreamOf(this.streamArn);
    if (!names) {
      throw new Error(`${this.streamArn} is not a DynamoDB stream ARN`);
    }
    // A table keeps its past streams (one per time its stream was enabled), each with its own label.
    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_ListStreams.html
    let exclusiveStartStreamArn: string | undefined;
    do {
      const page = await this.client.send(
        new ListStreamsCommand({
          TableName: names.tableName,
          ExclusiveStartStreamArn: exclusiveStartStreamArn,
        }),
      );
      const stream = page.Streams?.find((candidate) => candidate.StreamLabel === names.label);
      if (stream?.StreamArn) {
        return stream.StreamArn;
      }
      exclusiveStartStreamArn = page.LastEvaluatedStreamArn;
    } while (exclusiveStartStreamArn);
    throw new Error(`The table ${names.tableName} has no stream labelled ${names.label} on DynamoDB Local`);
  }

  async listShards(): Promise<ShardInfo[]> {
    const streamArn = await this.localArn();
    const shards: ShardInfo[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shard.ShardId) {
          shards.push({ shardId: shard.ShardId, parentShardId: shard.ParentShardId });
        }
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  async shardIterator(shardId: string, requested: StartPosition): Promise<string | undefined> {
    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html
    if (requested.type === 'AT_TIMESTAMP') {
      throw new Error('DynamoDB Streams has no AT_TIMESTAMP iterator');
    }
    const start = requested.type === 'LATEST' ? await this.latestPosition(shardId) : requested;
    const { ShardIterator } = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: await this.localArn(),
        ShardId: shardId,
        ShardIteratorType: start.type,
        ...(start.type === 'AFTER_SEQUENCE_NUMBER' ? { SequenceNumber: start.sequenceNumber } : {}),
      }),
    );
    return ShardIterator;
  }

  /**
   * Where `LATEST` pointed when the event source first asked for it, as a position that stays put: after a failed
   * read (DynamoDB Local has answered TrimmedDataAccessException on a new table's shard) the event source asks for
   * an iterator again, and a `LATEST` taken anew would skip what was written in between. Lambda never skips
   * records once a mapping has started. The first answer is kept: after the shard's last record then, or the
   * shard's start when it had none.
   */
  private async latestPosition(shardId: string): Promise<StreamsPosition> {
    let position = this.latest.get(shardId);
    if (!position) {
      const last = await this.lastSequenceNumber(shardId);
      position =
        last === undefined
          ? { type: 'TRIM_HORIZON' }
          : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last };
      this.latest.set(shardId, position);
    }
    return position;
  }

  /** The sequence number of the shard's last record now, reading it through; `undefined` for an empty shard. */
  private async lastSequenceNumber(shardId: string): Promise<string | undefined> {
    let { ShardIterator: iterator } = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: await this.localArn(),
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let last: string | undefined;
    while (iterator) {
      let page: { Records?: Array<{ dynamodb?: { SequenceNumber?: string } }>; NextShardIterator?: string };
      try {
        page = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1_000 }));
      } catch (error) {
        if ((error as Error).name === 'TrimmedDataAccessException') {
          return last;
        }
        throw error;
      }
      const records = page.Records ?? [];
      if (records.length === 0) {
        return last;
      }
      last = records.at(-1)?.dynamodb?.SequenceNumber ?? last;
      iterator = page.NextShardIterator;
    }
    return last;
  }

  async getRecords(
    _shardId: string,
    iterator: string,
    limit: number,
  ): Promise<{ records: ShardRecord[]; nextIterator?: string }> {
    // GetRecords returns at most 1,000 records.
    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html
    const { Records = [], NextShardIterator } = await this.client.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(limit, 1_000) }),
    );
    return {
      nextIterator: NextShardIterator,
      records: Records.map((record) => {
        const stream = record.dynamodb ?? {};
        const arrival = stream.ApproximateCreationDateTime ?? new Date();
        const sequenceNumber = stream.SequenceNumber ?? '';
        const image = (item: Record<string, AttributeValue> | undefined) => item && wireItem(item);
        const eventRecord: DynamoDBRecord = {
          eventID: record.eventID,
          eventName: record.eventName,
          eventVersion: record.eventVersion ?? '1.1',
          eventSource: 'aws:dynamodb',
          // DynamoDB Local answers `ddblocal`; the event names the region the table is in.
          awsRegion: this.region,
          dynamodb: {
            // Epoch seconds in Lambda's event, where the SDK gives a Date (DynamoDB Local's are whole minutes).
            // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html
            ApproximateCreationDateTime: Math.floor(arrival.getTime() / 1000),
            Keys: image(stream.Keys),
            ...(stream.NewImage ? { NewImage: image(stream.NewImage) } : {}),
            ...(stream.OldImage ? { OldImage: image(stream.OldImage) } : {}),
            SequenceNumber: sequenceNumber,
            SizeBytes: stream.SizeBytes,
            StreamViewType: stream.StreamViewType,
          } as DynamoDBRecord['dynamodb'],
          eventSourceARN: this.streamArn,
          // Only TTL deletions carry a user identity (the DynamoDB service), in the wire format's lower-case keys.
          // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html
          ...(record.userIdentity
            ? {
                userIdentity: {
                  type: record.userIdentity.Type,
                  principalId: record.userIdentity.PrincipalId,
                },
              }
            : {}),
        };
        return { sequenceNumber, arrival, eventRecord };
      }),
    };
  }
}

/** An item in DynamoDB JSON as it goes over the wire. */
function wireItem(item: Record<string, AttributeValue>): Record<string, WireAttributeValue> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, wireValue(value)]));
}

function wireValue(value: AttributeValue): WireAttributeValue {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  if (value.B !== undefined) {
    return { B: base64(value.B) };
  }
  if (value.BS !== undefined) {
    return { BS: value.BS.map(base64) };
  }
  if (value.M !== undefined) {
    return { M: wireItem(value.M) };
  }
  if (value.L !== undefined) {
    return { L: value.L.map(wireValue) };
  }
  // S, N, BOOL, NULL, SS and NS are the same on the wire and in the SDK.
  const { $unknown: _, ...known } = value as AttributeValue & { $unknown?: unknown };
  return known as WireAttributeValue;
}
