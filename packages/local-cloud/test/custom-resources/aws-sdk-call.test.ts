import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CfnOutput, type Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/account.ts';
import { type LocalCloud, startLocalCloud } from '../../src/cloud.ts';
import { type SynthesizedApp, synthesize } from './cdk-app.ts';

/** A table seeded by AwsCustomResource, read back by another, and a queue sent a message; `seed: false` drops the seed. */
function calls(stack: Stack, options: { seed: boolean }): void {
  const table = new dynamodb.Table(stack, 'Table', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  });
  const queue = new sqs.Queue(stack, 'Queue');
  const policy = cr.AwsCustomResourcePolicy.fromSdkCalls({
    resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE,
  });
  if (options.seed) {
    const seed = new cr.AwsCustomResource(stack, 'Seed', {
      onCreate: {
        service: 'DynamoDB',
        action: 'putItem',
        parameters: {
          TableName: table.tableName,
          Item: { id: { S: 'seed-item' }, qty: { N: '3' } },
        },
        physicalResourceId: cr.PhysicalResourceId.of('seed-item'),
      },
      // The delete finds the item by the physical id: PHYSICAL:RESOURCEID: in the call.
      onDelete: {
        service: 'DynamoDB',
        action: 'deleteItem',
        parameters: { TableName: table.tableName, Key: { id: { S: new cr.PhysicalResourceIdReference() } } },
      },
      policy,
    });
    const read = new cr.AwsCustomResource(stack, 'Read', {
      onCreate: {
        service: '@aws-sdk/client-dynamodb',
        action: 'GetItemCommand',
        parameters: { TableName: table.tableName, Key: { id: { S: 'seed-item' } } },
        physicalResourceId: cr.PhysicalResourceId.of('read'),
        outputPaths: ['Item.qty'],
      },
      policy,
    });
    read.node.addDependency(seed);
    new CfnOutput(stack, 'Qty', { value: read.getResponseField('Item.qty.N') });
  }
  const send = new cr.AwsCustomResource(stack, 'Send', {
    onCreate: {
      service: 'SQS',
      action: 'sendMessage',
      parameters: { QueueUrl: queue.queueUrl, MessageBody: 'from the deployment', DelaySeconds: 0 },
      physicalResourceId: cr.PhysicalResourceId.fromResponse('MessageId'),
    },
    policy,
  });
  new CfnOutput(stack, 'MessageId', { value: send.getResponseField('MessageId') });
  new CfnOutput(stack, 'SendId', { value: send.getResponseField('MessageId') });
  const ignored = new cr.AwsCustomResource(stack, 'Ignored', {
    onCreate: {
      service: 'SQS',
      action: 'getQueueUrl',
      parameters: { QueueName: 'no-such-queue' },
      physicalResourceId: cr.PhysicalResourceId.of('ignored'),
      ignoreErrorCodesMatching: 'QueueDoesNotExist|NonExistentQueue',
    },
    policy,
  });
  new CfnOutput(stack, 'QueueUrl', { value: queue.queueUrl });
  new CfnOutput(stack, 'TableName', { value: table.tableName });
  void ignored;
}

describe('Custom::AWS (AwsCustomResource) on the local cloud', { timeout: 120_000 }, () => {
  const apps: SynthesizedApp[] = [];
  let cloud: LocalCloud;
  let outputs: Record<string, string>;
  let ddb: DynamoDBClient;
  let queues: SQSClient;

  const seedItem = async () =>
    (
      await ddb.send(
        new GetItemCommand({
          TableName: outputs.TableName,
          Key: { id: { S: 'seed-item' } },
          ConsistentRead: true,
        }),
      )
    ).Item;

  /** The deployed `Custom::AWS` of an AwsCustomResource, by construct id. */
  const sdkCall = (id: string) =>
    [...(cloud.stacks[0]?.resources.values() ?? [])].find(
      (resource) => resource.type === 'Custom::AWS' && resource.logicalId.startsWith(id),
    );

  beforeAll(async () => {
    const app = await synthesize('SdkCalls', (stack) => calls(stack, { seed: true }));
    apps.push(app);
    cloud = await startLocalCloud({
      assemblyDirectory: app.directory,
      stateDirectory: path.join(app.directory, 'state'),
      port: 0,
    });
    outputs = { ...cloud.outputs.SdkCalls };
    const config = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    ddb = new DynamoDBClient({ ...config, endpoint: cloud.emulatorEndpoints.AWS_ENDPOINT_URL_DYNAMODB });
    queues = new SQSClient({ ...config, endpoint: cloud.emulatorEndpoints.AWS_ENDPOINT_URL_SQS });
  });

  afterAll(async () => {
    ddb?.destroy();
    queues?.destroy();
    await cloud?.stop();
    await Promise.all(apps.map((app) => rm(app.directory, { recursive: true, force: true })));
  });

  it('makes the create call against the emulator', async () => {
    expect(await seedItem()).toEqual({ id: { S: 'seed-item' }, qty: { N: '3' } });
  });

  it('exposes the flattened response, filtered by outputPaths, to Fn::GetAtt', () => {
    expect(outputs.Qty).toBe('3');
    expect(sdkCall('Read')?.attributes).toEqual({ 'Item.qty.N': '3' });
  });

  it('takes the physical id from the response path, and the message it sent is on the queue', async () => {
    const received = await queues.send(
      new ReceiveMessageCommand({ QueueUrl: outputs.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(received.Messages?.map((m) => [m.MessageId, m.Body])).toEqual([
      [outputs.MessageId, 'from the deployment'],
    ]);
    const send = sdkCall('Send');
    expect(send?.physicalId).toBe(outputs.MessageId);
  });

  it('creates a resource whose call fails with an error it ignores, with no attributes', () => {
    const ignored = sdkCall('Ignored');
    expect(ignored).toMatchObject({ physicalId: 'ignored', attributes: {} });
  });

  it('makes the delete call, with the physical id in place of its reference, when the resource leaves the template', async () => {
    const app = await synthesize('SdkCalls', (stack) => calls(stack, { seed: false }));
    apps.push(app);
    const summary = (await cloud.update(app.directory)).stacks[0];
    expect(summary?.cleanupFailures).toEqual([]);
    expect(summary?.deleted.some((id) => id.startsWith('Seed'))).toBe(true);
    expect(await seedItem()).toBeUndefined();
  });
});
