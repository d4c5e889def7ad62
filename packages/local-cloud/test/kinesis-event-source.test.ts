import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAssembly } from '../../../test/helpers/assembly.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../src/account.ts';
import { type LocalCloud, startLocalCloud } from '../src/cloud.ts';
import { TemplateError } from '../src/cloudformation/template-error.ts';
import { kinesisClient } from '../src/emulators/kinesis-mock.ts';
import { eventSourceMappingProvider } from '../src/event-sources/event-source-mapping-provider.ts';
import { firstReportedFailure } from '../src/event-sources/stream-event-source.ts';
import type { FunctionInvoker } from '../src/lambda/types.ts';

// Throws for any batch holding a "poison" record; otherwise records the batch's records, in order, as processed.
const CONSUMER = `
import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  const records = event.Records.map((record) => ({ data: Buffer.from(record.kinesis.data, 'base64').toString(), key: record.kinesis.partitionKey, seq: record.kinesis.sequenceNumber, source: record.eventSource }));
  if (records.some((record) => record.data === 'poison')) throw new Error('cannot count a poison record');
  appendFileSync(process.env.RECORD_FILE, records.map((record) => JSON.stringify(record)).join('\\n') + '\\n');
};`;

function template(recordFile: string): object {
  return {
    Resources: {
      Events: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: 2, RetentionPeriodHours: 24 } },
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
          EventSourceArn: { 'Fn::GetAtt': ['Events', 'Arn'] },
          FunctionName: { Ref: 'Consumer' },
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 10,
          BisectBatchOnFunctionError: true,
          MaximumRetryAttempts: 2,
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Failures', 'Arn'] } } },
        },
      },
    },
    Outputs: { StreamName: { Value: { Ref: 'Events' } }, FailuresUrl: { Value: { Ref: 'Failures' } } },
  };
}

describe('Kinesis event source mapping on the local cloud', { timeout: 60_000 }, () => {
  let directory: string;
  let recordFile: string;
  let cloud: LocalCloud;

  beforeAll(async () => {
    recordFile = path.join(await mkdtemp(path.join(tmpdir(), 'stream-')), 'processed.jsonl');
    directory = await writeAssembly('Streams', template(recordFile), { consumer: { 'index.mjs': CONSUMER } });
    cloud = await startLocalCloud({
      assemblyDirectory: directory,
      stateDirectory: path.join(directory, 'state'),
      port: 0,
    });
  });

  afterAll(async () => {
    await cloud?.stop();
    await rm(directory, { recursive: true, force: true });
    await rm(path.dirname(recordFile), { recursive: true, force: true });
  });

  it('bisects down to a poison record, sends its batch description on, and processes everything else once, in order', async () => {
    const outputs = cloud.outputs.Streams as Record<string, string>;
    const client = kinesisClient(
      String(cloud.emulatorEndpoints.AWS_ENDPOINT_URL_KINESIS),
      LOCAL_REGION,
      LOCAL_CREDENTIALS,
    );
    const entries = Array.from({ length: 30 }, (_, index) => ({
      Data: Buffer.from(index === 12 ? 'poison' : `event-${index}`),
      PartitionKey: `sku-${index % 3}`,
    }));
    const put = await client.send(
      new PutRecordsCommand({ StreamName: outputs.StreamName, Records: entries }),
    );
    expect(put.FailedRecordCount).toBe(0);
    const poisonSequence = put.Records?.[12]?.SequenceNumber;

    const sqs = new SQSClient({
      endpoint: new URL(String(outputs.FailuresUrl)).origin,
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
    const record = JSON.parse(String(failure.Body));
    expect(record.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    });
    expect(record.KinesisBatchInfo).toMatchObject({
      batchSize: 1,
      startSequenceNumber: poisonSequence,
      endSequenceNumber: poisonSequence,
      streamArn: expect.stringMatching(/^arn:aws:kinesis:us-east-1:000000000000:stream\//),
    });
    expect(record).not.toHaveProperty('Records');

    const processed = await eventually(
      async () => {
        const lines = (await readFile(recordFile, 'utf8').catch(() => ''))
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line));
        return lines.length >= 29 ? lines : undefined;
      },
      { what: 'the 29 good records' },
    );
    const data = processed.map((line: { data: string }) => line.data);
    expect(data.sort()).toEqual(
      entries
        .filter((_, index) => index !== 12)
        .map((entry) => entry.Data.toString())
        .sort(),
    );
    expect(processed[0].source).toBe('aws:kinesis');
    for (const key of ['sku-0', 'sku-1', 'sku-2']) {
      const sequences = processed
        .filter((line: { key: string }) => line.key === key)
        .map((line: { seq: string }) => BigInt(line.seq));
      expect(sequences).toEqual([...sequences].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    sqs.destroy();
    client.destroy();
  });
});

describe('firstReportedFailure', () => {
  const batch = ['100', '200', '300'].map((sequenceNumber) => ({
    sequenceNumber,
    arrival: new Date(),
    eventRecord: {},
  }));
  it.each([
    ['success (null)', 'null', undefined],
    ['success (empty list)', '{"batchItemFailures":[]}', undefined],
    [
      'the lowest failed sequence number',
      '{"batchItemFailures":[{"itemIdentifier":"300"},{"itemIdentifier":"200"}]}',
      1,
    ],
    ['an unknown sequence number as the whole batch', '{"batchItemFailures":[{"itemIdentifier":"999"}]}', 0],
    ['invalid JSON as the whole batch', '{', 0],
  ])('reads %s', (_case, payload, index) => {
    expect(firstReportedFailure(payload, batch)).toBe(index);
  });
});

describe('starting positions of a Kinesis mapping', () => {
  const provider = eventSourceMappingProvider({
    invoker: {} as FunctionInvoker,
    kinesis: {} as never,
    onStarted: () => {},
  });
  const create = (properties: Record<string, unknown>) =>
    provider.create({
      logicalId: 'Source',
      stackName: 'Streams',
      region: LOCAL_REGION,
      accountId: '000000000000',
      properties: {
        EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/Events',
        FunctionName: 'consumer',
        Enabled: false,
        ...properties,
      },
    } as never);

  it('takes AT_TIMESTAMP with a StartingPositionTimestamp', async () => {
    await expect(
      create({ StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: 1_700_000_000 }),
    ).resolves.toMatchObject({ attributes: { Id: expect.any(String) } });
  });

  it.each([
    [{ StartingPosition: 'AT_TIMESTAMP' }, /AT_TIMESTAMP needs a StartingPositionTimestamp/],
    [
      { StartingPosition: 'AT_SEQUENCE_NUMBER' },
      /not one of TRIM_HORIZON, LATEST, AT_TIMESTAMP for a Kinesis/,
    ],
  ])('refuses %o', async (properties, message) => {
    await expect(create(properties)).rejects.toThrow(TemplateError);
    await expect(create(properties)).rejects.toThrow(message);
  });
});
