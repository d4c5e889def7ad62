import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAssembly } from '../../../test/helpers/assembly.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../src/account.ts';
import { type LocalCloud, startLocalCloud } from '../src/cloud.ts';
import { TemplateError } from '../src/cloudformation/template-error.ts';
import { DynamoDbStreamShardReader } from '../src/dynamodb/dynamodb-stream-shard-reader.ts';
import { eventSourceMappingProvider } from '../src/event-sources/event-source-mapping-provider.ts';
import {
  type ShardInfo,
  type ShardReader,
  type ShardRecord,
  type StartPosition,
  StreamEventSource,
} from '../src/event-sources/stream-event-source.ts';
import type { FunctionInvoker } from '../src/lambda/types.ts';

// Throws for any batch holding an item marked poison, after noting its sequence number; otherwise appends the
// batch's records, in order.
const CONSUMER = `
import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  const poison = event.Records.filter((record) => record.dynamodb.NewImage?.poison);
  if (poison.length > 0) {
    appendFileSync(process.env.RECORD_FILE + '.poison', poison.map((record) => record.dynamodb.SequenceNumber).join('\\n') + '\\n');
    throw new Error('cannot apply a poison item');
  }
  appendFileSync(process.env.RECORD_FILE, event.Records.map((record) => JSON.stringify(record)).join('\\n') + '\\n');
};`;

function template(recordFile: string): object {
  return {
    Resources: {
      Items: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        },
      },
      Failures: { Type: 'AWS::SQS::Queue' },
      Consumer: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { S3Bucket: 'cdk-assets', S3Key: 'consumer.zip' },
          Handler: 'index.handler',
          Runtime: 'nodejs22.x',
          Role: 'arn:aws:iam::000000000000:role/consumer',
          Environment: { Variables: { RECORD_FILE: recordFile } },
        },
      },
      ConsumerSource: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: { 'Fn::GetAtt': ['Items', 'StreamArn'] },
          FunctionName: { Ref: 'Consumer' },
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 10,
          BisectBatchOnFunctionError: true,
          MaximumRetryAttempts: 2,
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Failures', 'Arn'] } } },
        },
      },
      // A second table read from LATEST, with nothing in it when the mapping starts.
      LatestItems: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        },
      },
      LatestConsumer: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { S3Bucket: 'cdk-assets', S3Key: 'consumer.zip' },
          Handler: 'index.handler',
          Runtime: 'nodejs22.x',
          Role: 'arn:aws:iam::000000000000:role/consumer',
          Environment: { Variables: { RECORD_FILE: `${recordFile}.latest` } },
        },
      },
      LatestConsumerSource: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: { 'Fn::GetAtt': ['LatestItems', 'StreamArn'] },
          FunctionName: { Ref: 'LatestConsumer' },
          StartingPosition: 'LATEST',
          BatchSize: 10,
        },
      },
    },
    Outputs: {
      LatestTableName: { Value: { Ref: 'LatestItems' } },
      LatestStreamArn: { Value: { 'Fn::GetAtt': ['LatestItems', 'StreamArn'] } },
      TableName: { Value: { Ref: 'Items' } },
      StreamArn: { Value: { 'Fn::GetAtt': ['Items', 'StreamArn'] } },
      FailuresUrl: { Value: { Ref: 'Failures' } },
    },
  };
}

interface StreamRecord {
  eventID: string;
  eventName: string;
  eventVersion: string;
  eventSource: string;
  eventSourceARN: string;
  awsRegion: string;
  dynamodb: {
    Keys: Record<string, unknown>;
    NewImage?: Record<string, Record<string, unknown>>;
    OldImage?: Record<string, Record<string, unknown>>;
    SequenceNumber: string;
    SizeBytes: number;
    ApproximateCreationDateTime: number;
    StreamViewType: string;
  };
}

describe('DynamoDB Streams event source mapping on the local cloud', { timeout: 90_000 }, () => {
  let directory: string;
  let recordFile: string;
  let cloud: LocalCloud;
  let outputs: Record<string, string>;
  let dynamodb: DynamoDBClient;

  beforeAll(async () => {
    recordFile = path.join(await mkdtemp(path.join(tmpdir(), 'ddb-stream-')), 'processed.jsonl');
    directory = await writeAssembly('Tables', template(recordFile), { consumer: { 'index.mjs': CONSUMER } });
    cloud = await startLocalCloud({
      assemblyDirectory: directory,
      stateDirectory: path.join(directory, 'state'),
      port: 0,
    });
    outputs = cloud.outputs.Tables as Record<string, string>;
    dynamodb = new DynamoDBClient({
      endpoint: String(cloud.emulatorEndpoints.AWS_ENDPOINT_URL_DYNAMODB),
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    // DynamoDB Local is a JVM: on a busy machine it takes longer to start than a unit test's default 10 s.
  });

  afterAll(async () => {
    dynamodb?.destroy();
    await cloud?.stop();
    await rm(directory, { recursive: true, force: true });
    await rm(path.dirname(recordFile), { recursive: true, force: true });
  });

  const processed = async (count: number): Promise<StreamRecord[]> =>
    eventually(
      async () => {
        const lines = (await readFile(recordFile, 'utf8').catch(() => ''))
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as StreamRecord);
        return lines.length >= count ? lines : undefined;
      },
      { timeoutMs: 40_000, what: `${count} processed records` },
    );

  it('from LATEST on a table still empty, delivers every record written after the start', async () => {
    // DynamoDB Local refuses reads of a shard with no records yet; the reader retries meanwhile, and must not move
    // LATEST past what was written between its retries.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const id of ['first', 'second']) {
      await dynamodb.send(
        new PutItemCommand({ TableName: outputs.LatestTableName, Item: { id: { S: id } } }),
      );
    }
    const ids = await eventually(
      async () => {
        const lines = (await readFile(`${recordFile}.latest`, 'utf8').catch(() => ''))
          .split('\n')
          .filter(Boolean);
        return lines.length >= 2
          ? lines.map((line) => (JSON.parse(line) as StreamRecord).dynamodb.Keys)
          : undefined;
      },
      { timeoutMs: 20_000, what: 'both records written after the start' },
    );
    expect(ids).toEqual([{ id: { S: 'first' } }, { id: { S: 'second' } }]);
  });

  it('keeps LATEST where it first pointed, so a reader asking again after a failed read skips nothing', async () => {
    const streams = new DynamoDBStreamsClient({
      endpoint: String(cloud.emulatorEndpoints.AWS_ENDPOINT_URL_DYNAMODB),
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      const reader = new DynamoDbStreamShardReader(streams, outputs.LatestStreamArn as string, LOCAL_REGION);
      const [shard] = await reader.listShards();
      const shardId = shard?.shardId ?? '';
      await reader.shardIterator(shardId, { type: 'LATEST' });
      await dynamodb.send(
        new PutItemCommand({ TableName: outputs.LatestTableName, Item: { id: { S: 'between' } } }),
      );
      // The retry after a failed read asks for LATEST again: it still starts before 'between'.
      const again = await reader.shardIterator(shardId, { type: 'LATEST' });
      const { records } = await reader.getRecords(shardId, again ?? '', 100);
      expect(records.map((record) => (record.eventRecord as StreamRecord).dynamodb.Keys)).toContainEqual({
        id: { S: 'between' },
      });
    } finally {
      streams.destroy();
    }
  });

  it('gives the table a stream ARN in the local region and account, as AWS would', () => {
    expect(outputs.StreamArn).toMatch(
      new RegExp(`^arn:aws:dynamodb:${LOCAL_REGION}:000000000000:table/${outputs.TableName}/stream/.+`),
    );
  });

  it('delivers INSERT, MODIFY and REMOVE in order with Lambda’s record shape, then bisects to a poison item', async () => {
    const table = outputs.TableName;
    await dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: { id: { S: 'a' }, count: { N: '1' }, blob: { B: new Uint8Array([1, 2, 3]) } },
      }),
    );
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { id: { S: 'a' } },
        UpdateExpression: 'SET #count = :two',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':two': { N: '2' } },
      }),
    );
    await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: 'a' } } }));
    const [insert, modify, remove] = await processed(3);
    expect([insert, modify, remove].map((record) => record?.eventName)).toEqual([
      'INSERT',
      'MODIFY',
      'REMOVE',
    ]);
    const image = { id: { S: 'a' }, count: { N: '1' }, blob: { B: 'AQID' } };
    for (const record of [insert, modify, remove]) {
      expect(record).toMatchObject({
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        eventSourceARN: outputs.StreamArn,
        awsRegion: LOCAL_REGION,
        dynamodb: { Keys: { id: { S: 'a' } }, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      });
      expect(record?.eventID).toEqual(expect.any(String));
      expect(record?.dynamodb.SizeBytes).toBeGreaterThan(0);
      // Epoch seconds, not milliseconds and not an ISO string.
      expect(Math.abs((record?.dynamodb.ApproximateCreationDateTime ?? 0) - Date.now() / 1000)).toBeLessThan(
        120,
      );
    }
    expect(insert?.dynamodb.NewImage).toEqual(image);
    expect(insert?.dynamodb).not.toHaveProperty('OldImage');
    expect(modify?.dynamodb.OldImage).toEqual(image);
    expect(modify?.dynamodb.NewImage).toEqual({ ...image, count: { N: '2' } });
    expect(remove?.dynamodb.OldImage).toEqual({ ...image, count: { N: '2' } });
    expect(remove?.dynamodb).not.toHaveProperty('NewImage');

    // Twelve more items, the fifth poisoned: the batch is bisected down to it, retried twice, then given up.
    for (let index = 0; index < 12; index++) {
      await dynamodb.send(
        new PutItemCommand({
          TableName: table,
          Item: { id: { S: `item-${index}` }, ...(index === 4 ? { poison: { BOOL: true } } : {}) },
        }),
      );
    }
    const sqs = new SQSClient({
      endpoint: new URL(outputs.FailuresUrl as string).origin,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const failure = await eventually(
      async () => {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: outputs.FailuresUrl, WaitTimeSeconds: 1 }),
        );
        return Messages?.[0];
      },
      { timeoutMs: 40_000, what: 'the on-failure record' },
    );
    sqs.destroy();
    const all = await processed(3 + 11);
    const [poisonSequenceNumber] = (await readFile(`${recordFile}.poison`, 'utf8')).split('\n');
    const record = JSON.parse(String(failure.Body));
    expect(record.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    });
    expect(record.DDBStreamBatchInfo).toMatchObject({
      batchSize: 1,
      streamArn: outputs.StreamArn,
      startSequenceNumber: poisonSequenceNumber,
      endSequenceNumber: poisonSequenceNumber,
    });
    // Every other item processed exactly once, all records in stream order.
    const inserted = all.filter((line) => line.eventName === 'INSERT').map((line) => line.dynamodb.Keys.id);
    expect(inserted).toEqual(
      ['a', ...Array.from({ length: 12 }, (_, index) => `item-${index}`).filter((id) => id !== 'item-4')].map(
        (id) => ({ S: id }),
      ),
    );
    const sequences = all.map((line) => BigInt(line.dynamodb.SequenceNumber));
    expect(sequences).toEqual([...sequences].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });
});

describe('stream settings Lambda refuses for DynamoDB sources', () => {
  const provider = eventSourceMappingProvider({
    invoker: {} as FunctionInvoker,
    dynamoDbStreams: {} as never,
    onStarted: () => {},
  });
  const create = (properties: Record<string, unknown>) =>
    provider.create({
      logicalId: 'Source',
      stackName: 'Tables',
      region: LOCAL_REGION,
      accountId: '000000000000',
      properties: {
        EventSourceArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2026-11-22T00:00:00.000',
        FunctionName: 'consumer',
        ...properties,
      },
    } as never);

  it.each([
    [
      { StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: 1 },
      /property StartingPosition: AT_TIMESTAMP is not one of TRIM_HORIZON, LATEST for a DynamoDB stream/,
    ],
    [{ StartingPosition: 'TRIM_HORIZON', FilterCriteria: { Filters: [] } }, /FilterCriteria/],
    [{ StartingPosition: 'TRIM_HORIZON', TumblingWindowInSeconds: 60 }, /TumblingWindowInSeconds/],
    [{ StartingPosition: 'TRIM_HORIZON', BatchSize: 10_001 }, /BatchSize/],
    [{}, /StartingPosition/],
  ])('refuses %o', async (properties, message) => {
    await expect(create(properties)).rejects.toThrow(TemplateError);
    await expect(create(properties)).rejects.toThrow(message);
  });
});

describe('shard discovery and reading', () => {
  const record = (sequenceNumber: string): ShardRecord => ({
    sequenceNumber,
    arrival: new Date(),
    eventRecord: { sequenceNumber },
  });

  /**
   * A stream whose parent shard holds two records (the second slow to read) then closes, and whose child holds one
   * record; the child is listed from the start (a split before the mapping started) or once the parent was read.
   */
  class SplittingStream implements ShardReader {
    readonly streamArn = 'arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/label';
    readonly batchInfoKey = 'DDBStreamBatchInfo' as const;
    /** `shardId type`, one per iterator asked for. */
    readonly iteratorRequests: string[] = [];
    parentReads = 0;

    constructor(private childListed: boolean) {}

    async listShards(): Promise<ShardInfo[]> {
      return [
        { shardId: 'parent' },
        ...(this.childListed ? [{ shardId: 'child', parentShardId: 'parent' }] : []),
      ];
    }

    async shardIterator(shardId: string, start: StartPosition): Promise<string> {
      this.iteratorRequests.push(`${shardId} ${start.type}`);
      return `${shardId}:0`;
    }

    async getRecords(
      shardId: string,
      iterator: string,
    ): Promise<{ records: ShardRecord[]; nextIterator?: string }> {
      if (shardId === 'child') {
        return iterator.endsWith(':0')
          ? { records: [record('3')], nextIterator: 'child:1' }
          : { records: [], nextIterator: 'child:1' };
      }
      this.parentReads++;
      this.childListed = true;
      if (this.parentReads === 1) {
        return { records: [record('1')], nextIterator: 'parent:1' };
      }
      if (this.parentReads === 2) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { records: [record('2')], nextIterator: 'parent:2' };
      }
      return { records: [], nextIterator: undefined };
    }
  }

  /** One open shard with records 1 and 2, whose second read fails as an expired iterator does. */
  class ExpiringStream implements ShardReader {
    readonly streamArn = 'arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/label';
    readonly batchInfoKey = 'DDBStreamBatchInfo' as const;
    readonly iteratorRequests: string[] = [];
    reads = 0;

    async listShards(): Promise<ShardInfo[]> {
      return [{ shardId: 'only' }];
    }

    async shardIterator(_shardId: string, start: StartPosition): Promise<string> {
      this.iteratorRequests.push(
        start.type === 'AFTER_SEQUENCE_NUMBER' ? `after ${start.sequenceNumber}` : start.type,
      );
      return start.type === 'AFTER_SEQUENCE_NUMBER' ? `after:${start.sequenceNumber}` : 'start';
    }

    async getRecords(
      _shardId: string,
      iterator: string,
    ): Promise<{ records: ShardRecord[]; nextIterator?: string }> {
      this.reads++;
      if (this.reads === 2) {
        throw new Error('ExpiredIteratorException: Iterator expired');
      }
      if (iterator === 'start') {
        return { records: [record('1')], nextIterator: 'next' };
      }
      if (iterator === 'after:1') {
        return { records: [record('2')], nextIterator: 'idle' };
      }
      return { records: [], nextIterator: iterator };
    }
  }

  /** Shard `a` stays open and idle; shard `b`, holding one record, is listed from the second listing on. */
  class GrowingStream implements ShardReader {
    readonly streamArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/Events';
    readonly batchInfoKey = 'KinesisBatchInfo' as const;
    listings = 0;

    async listShards(): Promise<ShardInfo[]> {
      this.listings++;
      return [{ shardId: 'a' }, ...(this.listings >= 2 ? [{ shardId: 'b' }] : [])];
    }

    async shardIterator(shardId: string): Promise<string> {
      return `${shardId}:0`;
    }

    async getRecords(
      shardId: string,
      iterator: string,
    ): Promise<{ records: ShardRecord[]; nextIterator?: string }> {
      return shardId === 'b' && iterator === 'b:0'
        ? { records: [record('1')], nextIterator: 'b:1' }
        : { records: [], nextIterator: iterator.replace(':0', ':1') };
    }
  }

  /** Collects the sequence numbers of every record the function is invoked with, in order. */
  function recordingInvoker(): { invoker: FunctionInvoker; delivered: string[] } {
    const delivered: string[] = [];
    const invoker = {
      invoke: async (_arn: string, payload: string) => {
        delivered.push(
          ...JSON.parse(payload).Records.map((entry: { sequenceNumber: string }) => entry.sequenceNumber),
        );
        return { status: 'succeeded', payload: 'null', durationMs: 1 };
      },
    } satisfies FunctionInvoker;
    return { invoker, delivered };
  }

  const settings = (startingPosition: StartPosition) => ({
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer',
    batchSize: 1,
    maximumBatchingWindowSeconds: 0,
    startingPosition,
    bisectBatchOnFunctionError: false,
    maximumRetryAttempts: 0,
    maximumRecordAgeSeconds: -1,
    reportBatchItemFailures: false,
  });

  it('reads a child shard only after its parent is read to its end', async () => {
    const { invoker, delivered } = recordingInvoker();
    // Both listed at once: the child must still wait for its parent's two records.
    const stream = new SplittingStream(true);
    const source = new StreamEventSource(settings({ type: 'TRIM_HORIZON' }), stream, invoker);
    await source.start();
    await eventually(async () => (delivered.length === 3 ? true : undefined), { what: 'three records' });
    await source.stop();
    expect(delivered).toEqual(['1', '2', '3']);
    expect(stream.iteratorRequests).toEqual(['parent TRIM_HORIZON', 'child TRIM_HORIZON']);
  });

  it('reads a shard that appeared after the start from its beginning, even from LATEST', async () => {
    const { invoker, delivered } = recordingInvoker();
    const stream = new SplittingStream(false);
    const source = new StreamEventSource(settings({ type: 'LATEST' }), stream, invoker);
    await source.start();
    await eventually(async () => (delivered.length === 3 ? true : undefined), { what: 'three records' });
    await source.stop();
    expect(stream.iteratorRequests).toEqual(['parent LATEST', 'child TRIM_HORIZON']);
    expect(delivered).toEqual(['1', '2', '3']);
  });

  it('keeps looking for new shards while the ones it reads stay open', { timeout: 20_000 }, async () => {
    const { invoker, delivered } = recordingInvoker();
    const stream = new GrowingStream();
    const source = new StreamEventSource(settings({ type: 'TRIM_HORIZON' }), stream, invoker);
    await source.start();
    await eventually(async () => (delivered.length === 1 ? true : undefined), {
      timeoutMs: 15_000,
      what: 'the record of the new shard',
    });
    await source.stop();
    expect(delivered).toEqual(['1']);
    expect(stream.listings).toBeGreaterThanOrEqual(2);
  });

  it('reads a shard again after its checkpoint when a read fails', async () => {
    const { invoker, delivered } = recordingInvoker();
    const stream = new ExpiringStream();
    const source = new StreamEventSource(settings({ type: 'TRIM_HORIZON' }), stream, invoker);
    await source.start();
    await eventually(async () => (delivered.length === 2 ? true : undefined), { what: 'two records' });
    await source.stop();
    expect(stream.iteratorRequests).toEqual(['TRIM_HORIZON', 'after 1']);
    expect(delivered).toEqual(['1', '2']);
  });
});
