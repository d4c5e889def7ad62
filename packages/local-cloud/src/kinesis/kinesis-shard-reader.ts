import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import type {
  ShardInfo,
  ShardReader,
  ShardRecord,
  StartPosition,
} from '../event-sources/stream-event-source.ts';

/** Reads a Kinesis stream's shards for the stream event source, and shapes records as Lambda's Kinesis event. */
export class KinesisShardReader implements ShardReader {
  readonly batchInfoKey = 'KinesisBatchInfo' as const;

  constructor(
    private readonly client: KinesisClient,
    readonly streamArn: string,
    private readonly region: string,
    private readonly invokeIdentityArn: string,
  ) {}

  private get streamName(): string {
    return this.streamArn.split('/').pop() ?? '';
  }

  async listShards(): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let nextToken: string | undefined;
    do {
      // With NextToken, ListShards must not name the stream.
      const page = await this.client.send(
        new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: this.streamName }),
      );
      for (const shard of page.Shards ?? []) {
        if (shard.ShardId) {
          shards.push({ shardId: shard.ShardId, parentShardId: shard.ParentShardId });
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return shards;
  }

  async shardIterator(shardId: string, start: StartPosition): Promise<string | undefined> {
    const { ShardIterator } = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: shardId,
        ShardIteratorType: start.type,
        ...(start.type === 'AT_TIMESTAMP' ? { Timestamp: start.timestamp } : {}),
        ...(start.type === 'AFTER_SEQUENCE_NUMBER' ? { StartingSequenceNumber: start.sequenceNumber } : {}),
      }),
    );
    return ShardIterator;
  }

  async getRecords(
    shardId: string,
    iterator: string,
    limit: number,
  ): Promise<{ records: ShardRecord[]; nextIterator?: string }> {
    const { Records = [], NextShardIterator } = await this.client.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }),
    );
    return {
      nextIterator: NextShardIterator,
      records: Records.map((record) => {
        const arrival = record.ApproximateArrivalTimestamp ?? new Date();
        const sequenceNumber = record.SequenceNumber ?? '';
        // https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#services-kinesis-event-example
        const eventRecord: KinesisStreamRecord = {
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: record.PartitionKey ?? '',
            sequenceNumber,
            data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
            approximateArrivalTimestamp: arrival.getTime() / 1000,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${shardId}:${sequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: this.invokeIdentityArn,
          awsRegion: this.region,
          eventSourceARN: this.streamArn,
        };
        return { sequenceNumber, arrival, eventRecord };
      }),
    };
  }
}
