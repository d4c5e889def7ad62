import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAssembly } from '../../../test/helpers/assembly.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../src/account.ts';
import { type LocalCloud, startLocalCloud } from '../src/cloud.ts';
import type { CfnResource, CfnTemplate } from '../src/cloudformation/types.ts';
import { kinesisClient } from '../src/emulators/kinesis-mock.ts';

// Appends each SQS message it gets, with its GREETING, to RECORD_FILE.
const WORKER = `
import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  for (const record of event.Records) {
    appendFileSync(process.env.RECORD_FILE, JSON.stringify({ body: record.body, greeting: process.env.GREETING }) + '\\n');
  }
};`;

type Resources = Record<string, CfnResource>;

const table = (key: string, extra: Record<string, unknown> = {}): CfnResource => ({
  Type: 'AWS::DynamoDB::Table',
  Properties: {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
    ...extra,
  },
});

function baseResources(recordFile: string): Resources {
  return {
    Orders: table('id'),
    Jobs: { Type: 'AWS::SQS::Queue' },
    Parked: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 30 } },
    Inbox: { Type: 'AWS::SQS::Queue' },
    Events: { Type: 'AWS::SNS::Topic' },
    InboxSubscription: {
      Type: 'AWS::SNS::Subscription',
      Properties: {
        TopicArn: { Ref: 'Events' },
        Protocol: 'sqs',
        Endpoint: { 'Fn::GetAtt': ['Inbox', 'Arn'] },
        RawMessageDelivery: true,
      },
    },
    Files: { Type: 'AWS::S3::Bucket' },
    Clicks: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: 1 } },
    Worker: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Bucket: 'cdk-assets', S3Key: 'worker.zip' },
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Environment: { Variables: { RECORD_FILE: recordFile, GREETING: 'v1', TABLE: { Ref: 'Orders' } } },
      },
    },
    JobsSource: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': ['Jobs', 'Arn'] },
        FunctionName: { Ref: 'Worker' },
        BatchSize: 1,
      },
    },
  };
}

describe('updating the running local cloud: resources keep their data', { timeout: 90_000 }, () => {
  const directories: string[] = [];
  let recordFile: string;
  let resources: Resources;
  let cloud: LocalCloud;
  let dynamodb: DynamoDBClient;
  let sqs: SQSClient;
  let sns: SNSClient;
  let s3: S3Client;

  const physicalId = (logicalId: string): string =>
    cloud.stacks[0]?.resources.get(logicalId)?.physicalId as string;
  /** Applies the template with `resources` changed by `edit`, which then stay as the next update's base. */
  const update = async (edit: (resources: Resources) => void) => {
    edit(resources);
    const directory = await writeAssembly('Shop', { Resources: resources } satisfies CfnTemplate, {
      worker: { 'index.mjs': WORKER },
    });
    directories.push(directory);
    const summary = await cloud.update(directory);
    return summary.stacks[0];
  };
  const setProperties = (logicalId: string, properties: Record<string, unknown>) => (all: Resources) => {
    const resource = all[logicalId] as CfnResource;
    all[logicalId] = { ...resource, Properties: { ...resource.Properties, ...properties } };
  };
  const recorded = (count: number) =>
    eventually(
      async () => {
        const lines = (await readFile(recordFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
        return lines.length >= count
          ? lines.map((line) => JSON.parse(line) as { body: string; greeting: string })
          : undefined;
      },
      { timeoutMs: 20_000, what: `${count} recorded messages` },
    );

  beforeAll(async () => {
    recordFile = path.join(await mkdtemp(path.join(tmpdir(), 'worker-')), 'records.jsonl');
    directories.push(path.dirname(recordFile));
    resources = baseResources(recordFile);
    const directory = await writeAssembly(
      'Shop',
      { Resources: resources },
      { worker: { 'index.mjs': WORKER } },
    );
    directories.push(directory);
    cloud = await startLocalCloud({
      assemblyDirectory: directory,
      stateDirectory: path.join(directory, 'state'),
      port: 0,
    });
    const config = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    dynamodb = new DynamoDBClient({ ...config, endpoint: cloud.emulatorEndpoints.AWS_ENDPOINT_URL_DYNAMODB });
    sqs = new SQSClient({ ...config, endpoint: cloud.emulatorEndpoints.AWS_ENDPOINT_URL_SQS });
    sns = new SNSClient({ ...config, endpoint: cloud.emulatorEndpoints.AWS_ENDPOINT_URL_SNS });
    s3 = new S3Client({
      ...config,
      endpoint: cloud.emulatorEndpoints.AWS_ENDPOINT_URL_S3,
      forcePathStyle: true,
    });
    // DynamoDB Local is a JVM and kinesis-mock a Scala.js program: both take a while to start on a busy machine.
  });

  afterAll(async () => {
    for (const client of [dynamodb, sqs, sns, s3]) {
      client?.destroy();
    }
    await cloud?.stop();
    for (const directory of directories) {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('turns a table’s stream and time to live on in place, its items kept', async () => {
    const tableName = physicalId('Orders');
    await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: 'o-1' } } }));
    const summary = await update(
      setProperties('Orders', {
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
    expect(summary).toMatchObject({ updated: ['Orders'], replaced: [], created: [], deleted: [] });
    expect(physicalId('Orders')).toBe(tableName);
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(cloud.stacks[0]?.resources.get('Orders')?.attributes.StreamArn).toBe(
      `arn:aws:dynamodb:${LOCAL_REGION}:000000000000:table/${tableName}/stream/${Table?.LatestStreamLabel}`,
    );
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expiresAt',
    });
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: tableName, Key: { id: { S: 'o-1' } } }),
    );
    expect(Item).toEqual({ id: { S: 'o-1' } });
  });

  it('adds a global secondary index in place, which finds the items written before', async () => {
    const tableName = physicalId('Orders');
    await dynamodb.send(
      new PutItemCommand({ TableName: tableName, Item: { id: { S: 'o-2' }, status: { S: 'PAID' } } }),
    );
    const summary = await update(
      setProperties('Orders', {
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' },
          { AttributeName: 'status', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byStatus',
            KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    expect(summary).toMatchObject({ updated: ['Orders'], replaced: [] });
    const { Items } = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'byStatus',
        KeyConditionExpression: '#status = :paid',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':paid': { S: 'PAID' } },
      }),
    );
    expect(Items).toEqual([{ id: { S: 'o-2' }, status: { S: 'PAID' } }]);
  });

  it('replaces a table whose key changes, points the function at the new one, and drops the old one', async () => {
    const old = physicalId('Orders');
    const summary = await update((all) => {
      all.Orders = table('orderId');
    });
    expect(summary).toMatchObject({ replaced: ['Orders'], updated: ['Worker'] });
    const renewed = physicalId('Orders');
    expect(renewed).not.toBe(old);
    expect(cloud.stacks[0]?.resources.get('Worker')?.properties.Environment).toMatchObject({
      Variables: { TABLE: renewed },
    });
    await expect(dynamodb.send(new DescribeTableCommand({ TableName: old }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('keeps a table its DeletionPolicy retains once it leaves the template, with its items', async () => {
    const tableName = physicalId('Orders');
    await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { orderId: { S: 'kept' } } }));
    // A policy alone is no change to the resource.
    expect(
      await update((all) => Object.assign(all.Orders as object, { DeletionPolicy: 'Retain' })),
    ).toMatchObject({
      updated: [],
      replaced: [],
    });
    const summary = await update((all) => {
      delete all.Orders;
      setProperties('Worker', { Environment: { Variables: { RECORD_FILE: recordFile, GREETING: 'v1' } } })(
        all,
      );
    });
    expect(summary).toMatchObject({ retained: ['Orders'], deleted: [] });
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: tableName, Key: { orderId: { S: 'kept' } } }),
    );
    expect(Item).toEqual({ orderId: { S: 'kept' } });
  });

  it('sets a queue’s changed attributes and its defaults for removed ones, its messages kept', async () => {
    const queueUrl = physicalId('Parked');
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'parked-1' }));
    const attribute = async () =>
      (
        await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['VisibilityTimeout'] }),
        )
      ).Attributes?.VisibilityTimeout;
    await update(setProperties('Parked', { VisibilityTimeout: 45 }));
    expect(await attribute()).toBe('45');
    await update((all) => {
      all.Parked = { Type: 'AWS::SQS::Queue' };
    });
    expect(await attribute()).toBe('30');
    expect(physicalId('Parked')).toBe(queueUrl);
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );
    expect(Messages?.map((message) => message.Body)).toEqual(['parked-1']);
  });

  it('gives a subscription a filter policy in place, then removes the filter', async () => {
    const subscriptionArn = physicalId('InboxSubscription');
    const publish = (kind: string) =>
      sns.send(
        new PublishCommand({
          TopicArn: physicalId('Events'),
          Message: kind,
          MessageAttributes: { kind: { DataType: 'String', StringValue: kind } },
        }),
      );
    const received = async () =>
      (
        await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: physicalId('Inbox'),
            WaitTimeSeconds: 1,
            MaxNumberOfMessages: 10,
          }),
        )
      ).Messages?.map((message) => message.Body);

    await update(setProperties('InboxSubscription', { FilterPolicy: { kind: ['order'] } }));
    expect(physicalId('InboxSubscription')).toBe(subscriptionArn);
    await publish('invoice');
    await publish('order');
    expect(await received()).toEqual(['order']);

    await update((all) => {
      const { FilterPolicy: _removed, ...properties } = all.InboxSubscription?.Properties ?? {};
      all.InboxSubscription = { Type: 'AWS::SNS::Subscription', Properties: properties };
    });
    await publish('invoice');
    expect(await received()).toEqual(['invoice']);
  });

  it('unsubscribes a subscription removed from the template', async () => {
    const summary = await update((all) => {
      delete all.InboxSubscription;
    });
    expect(summary?.deleted).toEqual(['InboxSubscription']);
    const { Subscriptions } = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: physicalId('Events') }),
    );
    expect(Subscriptions).toEqual([]);
  });

  it('sets a topic’s display name and subscribes, then unsubscribes, its inline subscriptions', async () => {
    const topicArn = physicalId('Events');
    await update(
      setProperties('Events', {
        DisplayName: 'Shop events',
        Subscription: [{ Protocol: 'sqs', Endpoint: { 'Fn::GetAtt': ['Parked', 'Arn'] } }],
      }),
    );
    expect(physicalId('Events')).toBe(topicArn);
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    expect(Attributes?.DisplayName).toBe('Shop events');
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'to-parked' }));
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: physicalId('Parked'), WaitTimeSeconds: 1 }),
    );
    expect(JSON.parse(Messages?.[0]?.Body ?? '{}')).toMatchObject({
      Type: 'Notification',
      Message: 'to-parked',
    });

    await update(setProperties('Events', { Subscription: [] }));
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(Subscriptions).toEqual([]);
  });

  it('turns CORS on for a bucket, its objects kept; a bucket with objects is not deleted', async () => {
    const bucket = physicalId('Files');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a.csv', Body: 'a,b' }));
    const preflight = () =>
      fetch(`${cloud.emulatorEndpoints.AWS_ENDPOINT_URL_S3}/${bucket}/b.csv`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'PUT' },
      });
    expect((await preflight()).status).toBe(403);
    await update(
      setProperties('Files', {
        CorsConfiguration: {
          CorsRules: [{ AllowedMethods: ['PUT'], AllowedOrigins: ['https://shop.example'] }],
        },
      }),
    );
    const allowed = await preflight();
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a.csv' }));
    expect(await object.Body?.transformToString()).toBe('a,b');

    // S3 refuses to delete a bucket that holds objects: the cleanup reports it and the update stands.
    const summary = await update((all) => {
      delete all.Files;
    });
    expect(summary?.deleted).toEqual(['Files']);
    expect(summary?.cleanupFailures).toEqual([
      {
        logicalId: 'Files',
        message: expect.stringMatching(/^Resource Files \(AWS::S3::Bucket\) failed to delete: /),
      },
    ]);
    expect(cloud.stacks[0]?.resources.has('Files')).toBe(false);
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a.csv' }));
  });

  it('reshards a stream and lengthens its retention in place, and deletes it once removed', async () => {
    const streamName = physicalId('Clicks');
    await update(setProperties('Clicks', { ShardCount: 2, RetentionPeriodHours: 48 }));
    const kinesis = kinesisClient(
      cloud.emulatorEndpoints.AWS_ENDPOINT_URL_KINESIS as string,
      LOCAL_REGION,
      LOCAL_CREDENTIALS,
    );
    try {
      const { StreamDescriptionSummary } = await kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: streamName }),
      );
      expect(StreamDescriptionSummary).toMatchObject({ OpenShardCount: 2, RetentionPeriodHours: 48 });
      expect(
        (
          await update((all) => {
            delete all.Clicks;
          })
        )?.deleted,
      ).toEqual(['Clicks']);
      await expect(
        kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })),
      ).rejects.toThrow(/not found|ResourceNotFound/i);
    } finally {
      kinesis.destroy();
    }
  });

  it('gives a running event source mapping new settings, stops it when disabled and starts it when enabled', async () => {
    const queueUrl = physicalId('Jobs');
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'job-1' }));
    expect(await recorded(1)).toEqual([{ body: 'job-1', greeting: 'v1' }]);

    const summary = await update((all) => {
      setProperties('JobsSource', { BatchSize: 5 })(all);
      setProperties('Worker', { Environment: { Variables: { RECORD_FILE: recordFile, GREETING: 'v2' } } })(
        all,
      );
    });
    expect(summary).toMatchObject({ updated: ['Worker', 'JobsSource'] });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'job-2' }));
    expect((await recorded(2))[1]).toEqual({ body: 'job-2', greeting: 'v2' });

    // The stopped poller's last long poll may still take a message on fauxqs (a receive its client gave up on):
    // a 1-second visibility timeout brings it back soon.
    await update((all) => {
      setProperties('JobsSource', { Enabled: false })(all);
      setProperties('Jobs', { VisibilityTimeout: 1 })(all);
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'job-3' }));
    // With the poller stopped, the message waits in the queue for whoever receives it.
    const Messages = await eventually(
      async () => {
        const received = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
        );
        return received.Messages?.length ? received.Messages : undefined;
      },
      { timeoutMs: 10_000, what: 'job-3 in the queue' },
    );
    expect(Messages.map((message) => message.Body)).toEqual(['job-3']);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: Messages[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    await update(setProperties('JobsSource', { Enabled: true }));
    expect((await recorded(3))[2]).toEqual({ body: 'job-3', greeting: 'v2' });
  });

  it('deletes a removed mapping before the queue it reads, and the queue with it', async () => {
    const queueName = cloud.stacks[0]?.resources.get('Jobs')?.attributes.QueueName as string;
    const summary = await update((all) => {
      delete all.JobsSource;
      delete all.Jobs;
    });
    expect(summary?.deleted).toEqual(['JobsSource', 'Jobs']);
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).rejects.toThrow(
      /does not exist/,
    );
  });
});
