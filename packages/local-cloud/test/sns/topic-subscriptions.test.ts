import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  type MessageAttributeValue,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION, localSecretFor } from '../../src/account.ts';
import { deployStack } from '../../src/cloudformation/deploy.ts';
import { TemplateError } from '../../src/cloudformation/template-error.ts';
import type { CfnTemplate, DeployedStack } from '../../src/cloudformation/types.ts';
import type { RunningEmulator } from '../../src/emulators/child-emulator.ts';
import { startFauxqsEmulator } from '../../src/emulators/fauxqs.ts';
import { freePort } from '../../src/emulators/ports.ts';
import { SERVICES } from '../../src/services.ts';
import { subscriptionProvider } from '../../src/sns/subscription-provider.ts';
import { topicProvider } from '../../src/sns/topic-provider.ts';
import { queueProvider } from '../../src/sqs/queue-provider.ts';

let emulator: RunningEmulator;
let snsClient: SNSClient;
let sqsClient: SQSClient;

beforeAll(async () => {
  emulator = await startFauxqsEmulator({
    port: await freePort(),
    region: LOCAL_REGION,
    secretFor: localSecretFor,
  });
  const config = { endpoint: emulator.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  snsClient = new SNSClient(config);
  sqsClient = new SQSClient(config);
});

afterAll(async () => {
  snsClient?.destroy();
  sqsClient?.destroy();
  await emulator?.stop();
});

/** A stack CDK synthesizes, deployed on fauxqs as the local cloud deploys it; `id` finds a construct's resource. */
async function deploy<T>(
  stackName: string,
  configure: (stack: Stack) => T,
): Promise<{ deployed: DeployedStack; built: T; resourceOf: (construct: IConstruct) => string }> {
  const stack = new Stack(new App(), stackName, { env: { account: LOCAL_ACCOUNT_ID, region: LOCAL_REGION } });
  const built = configure(stack);
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const deployed = await deployStack({
    stackName,
    template,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    providers: {
      'AWS::SQS::Queue': queueProvider(sqsClient, emulator.endpoint),
      'AWS::SNS::Topic': topicProvider(snsClient),
      'AWS::SNS::Subscription': subscriptionProvider(snsClient),
    },
    ignoredTypes: SERVICES.ignoredTypes,
  });
  const resourceOf = (construct: IConstruct): string => {
    const logicalId = stack.getLogicalId(construct.node.defaultChild as CfnElement);
    const resource = deployed.resources.get(logicalId);
    if (!resource) {
      throw new Error(`${construct.node.path} was not deployed`);
    }
    return resource.physicalId;
  };
  return { deployed, built, resourceOf };
}

/** Every message waiting in a queue (each received once: they stay in flight for the test). */
async function drain(queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const received = await sqsClient.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    if (!received.Messages?.length) {
      return messages;
    }
    messages.push(...received.Messages);
  }
}

async function publish(
  topicArn: string,
  message: string,
  attributes: Record<string, MessageAttributeValue> = {},
  subject?: string,
): Promise<string> {
  const published = await snsClient.send(
    new PublishCommand({
      TopicArn: topicArn,
      Message: message,
      MessageAttributes: attributes,
      Subject: subject,
    }),
  );
  return published.MessageId ?? '';
}

/** The ARN of the subscription that delivers to a queue (by its URL, the queue's Ref). */
function subscriptionArnFor(deployed: DeployedStack, queueUrl: string): string | undefined {
  const queueArn = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${queueUrl.split('/').pop()}`;
  return [...deployed.resources.values()].find(
    (resource) => resource.type === 'AWS::SNS::Subscription' && resource.properties.Endpoint === queueArn,
  )?.physicalId;
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
const number = (value: number): MessageAttributeValue => ({ DataType: 'Number', StringValue: String(value) });

// Synthesizing a CDK stack (and loading aws-cdk-lib the first time) takes seconds on a busy machine.
describe('SNS topics on fauxqs, from templates CDK synthesizes', { timeout: 30_000 }, () => {
  it('creates an encrypted topic with a TLS-only policy: Ref is the ARN, TopicName a CloudFormation name', async () => {
    const { deployed, built: topic } = await deploy('TopicStack', (stack) => {
      const topic = new sns.Topic(stack, 'Orders', {
        masterKey: kms.Alias.fromAliasName(stack, 'SnsKey', 'alias/aws/sns'),
        enforceSSL: true,
      });
      return topic;
    });
    const resource = deployed.resources.get(topic.stack.getLogicalId(topic.node.defaultChild as CfnElement));
    const name = resource?.attributes.TopicName as string;
    expect(name).toMatch(/^TopicStack-Orders[A-Za-z0-9]*-[A-Z0-9]{12}$/);
    expect(resource?.physicalId).toBe(`arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${name}`);
    expect(resource?.attributes.TopicArn).toBe(resource?.physicalId);
    const attributes = await snsClient.send(
      new GetTopicAttributesCommand({ TopicArn: resource?.physicalId }),
    );
    // Kept as an attribute; nothing is encrypted in memory.
    expect(attributes.Attributes?.KmsMasterKeyId).toBe(
      `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:alias/aws/sns`,
    );
  });

  it('keeps a template TopicName, and gives a FIFO topic without one a generated name ending in .fifo', async () => {
    const { resourceOf, built } = await deploy('NamedStack', (stack) => ({
      named: new sns.Topic(stack, 'Named', { topicName: 'order-events' }),
      fifo: new sns.Topic(stack, 'Ordered', { fifo: true, contentBasedDeduplication: true }),
    }));
    expect(resourceOf(built.named)).toBe(`arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:order-events`);
    const fifoArn = resourceOf(built.fifo);
    expect(fifoArn).toMatch(/:NamedStack-Ordered-[A-Za-z0-9-]+\.fifo$/);
    const attributes = await snsClient.send(new GetTopicAttributesCommand({ TopicArn: fifoArn }));
    expect(attributes.Attributes).toMatchObject({ FifoTopic: 'true', ContentBasedDeduplication: 'true' });
  });
});

describe('SQS subscriptions on fauxqs, from templates CDK synthesizes', { timeout: 30_000 }, () => {
  it('delivers to a queue only the messages whose attributes match its filter policy', async () => {
    const { resourceOf, built } = await deploy('AttributeFilterStack', (stack) => {
      const topic = new sns.Topic(stack, 'Topic');
      const large = new sqs.Queue(stack, 'LargeOrders');
      const everything = new sqs.Queue(stack, 'Everything');
      topic.addSubscription(
        new subscriptions.SqsSubscription(large, {
          filterPolicy: {
            eventType: sns.SubscriptionFilter.stringFilter({ allowlist: ['OrderPlaced'] }),
            totalCents: sns.SubscriptionFilter.numericFilter({ greaterThanOrEqualTo: 10_000 }),
          },
        }),
      );
      topic.addSubscription(new subscriptions.SqsSubscription(everything));
      return { topic, large, everything };
    });
    const topicArn = resourceOf(built.topic);
    await publish(topicArn, 'big', { eventType: text('OrderPlaced'), totalCents: number(25_000) });
    await publish(topicArn, 'small', { eventType: text('OrderPlaced'), totalCents: number(500) });
    await publish(topicArn, 'cancelled', { eventType: text('OrderCancelled'), totalCents: number(25_000) });
    await publish(topicArn, 'no attributes');

    const large = await drain(resourceOf(built.large));
    expect(large.map((message) => JSON.parse(message.Body ?? '{}').Message)).toEqual(['big']);
    const everything = await drain(resourceOf(built.everything));
    expect(everything.map((message) => JSON.parse(message.Body ?? '{}').Message).sort()).toEqual(
      ['big', 'cancelled', 'no attributes', 'small'].sort(),
    );
  });

  it('filters on the JSON message body when the policy scope is MessageBody', async () => {
    const { resourceOf, built } = await deploy('BodyFilterStack', (stack) => {
      const topic = new sns.Topic(stack, 'Topic');
      const queue = new sqs.Queue(stack, 'Eu');
      topic.addSubscription(
        new subscriptions.SqsSubscription(queue, {
          rawMessageDelivery: true,
          filterPolicyWithMessageBody: {
            order: sns.FilterOrPolicy.policy({
              region: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: ['eu'] })),
            }),
          },
        }),
      );
      return { topic, queue };
    });
    const topicArn = resourceOf(built.topic);
    const matching = JSON.stringify({ order: { id: 'o-1', region: 'eu' } });
    await publish(topicArn, matching);
    await publish(topicArn, JSON.stringify({ order: { id: 'o-2', region: 'us' } }));
    // The attributes do not count in this scope, and a body that is not JSON matches nothing.
    await publish(topicArn, JSON.stringify({ order: { id: 'o-3' } }), { region: text('eu') });
    await publish(topicArn, 'region=eu');

    const delivered = await drain(resourceOf(built.queue));
    expect(delivered.map((message) => message.Body)).toEqual([matching]);
  });

  it('delivers the bare message with raw delivery, else the SNS JSON envelope', async () => {
    const { resourceOf, deployed, built } = await deploy('RawDeliveryStack', (stack) => {
      const topic = new sns.Topic(stack, 'Topic');
      const raw = new sqs.Queue(stack, 'Raw');
      const wrapped = new sqs.Queue(stack, 'Wrapped');
      topic.addSubscription(new subscriptions.SqsSubscription(raw, { rawMessageDelivery: true }));
      topic.addSubscription(new subscriptions.SqsSubscription(wrapped));
      return { topic, raw, wrapped };
    });
    const topicArn = resourceOf(built.topic);
    const body = JSON.stringify({ orderId: 'o-1' });
    const messageId = await publish(
      topicArn,
      body,
      { eventType: text('OrderPlaced'), totalCents: number(1299) },
      'Order placed',
    );

    const [raw] = await drain(resourceOf(built.raw));
    expect(raw?.Body).toBe(body);
    expect(raw?.MessageAttributes).toEqual({
      eventType: { DataType: 'String', StringValue: 'OrderPlaced' },
      totalCents: { DataType: 'Number', StringValue: '1299' },
    });

    const [wrapped] = await drain(resourceOf(built.wrapped));
    expect(wrapped?.MessageAttributes).toBeUndefined();
    // The envelope as SNS documents it: https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
    const envelope = JSON.parse(wrapped?.Body ?? '{}');
    expect(envelope).toEqual({
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: topicArn,
      Subject: 'Order placed',
      Message: body,
      Timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      SignatureVersion: '1',
      Signature: expect.any(String),
      SigningCertURL: expect.stringMatching(/^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com\/.+\.pem$/),
      UnsubscribeURL: `https://sns.${LOCAL_REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscriptionArnFor(deployed, resourceOf(built.wrapped))}`,
      MessageAttributes: {
        eventType: { Type: 'String', Value: 'OrderPlaced' },
        totalCents: { Type: 'Number', Value: '1299' },
      },
    });
  });

  it("gives a subscription its dead-letter queue's RedrivePolicy; Ref and Arn are the subscription ARN", async () => {
    const { resourceOf, deployed, built } = await deploy('RedriveStack', (stack) => {
      const topic = new sns.Topic(stack, 'Topic');
      const queue = new sqs.Queue(stack, 'Subscriber');
      const deadLetters = new sqs.Queue(stack, 'SubscriberDlq');
      topic.addSubscription(new subscriptions.SqsSubscription(queue, { deadLetterQueue: deadLetters }));
      return { topic, queue, deadLetters };
    });
    const subscriptionArn = subscriptionArnFor(deployed, resourceOf(built.queue));
    expect(subscriptionArn).toMatch(
      new RegExp(`^${resourceOf(built.topic)}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`),
    );
    const listed = await snsClient.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: resourceOf(built.topic) }),
    );
    expect(listed.Subscriptions?.map((entry) => entry.SubscriptionArn)).toEqual([subscriptionArn]);
    const resource = [...deployed.resources.values()].find((one) => one.physicalId === subscriptionArn);
    expect(resource?.attributes.Arn).toBe(subscriptionArn);
    const attributes = await snsClient.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }),
    );
    const dlqName = resourceOf(built.deadLetters).split('/').pop();
    expect(JSON.parse(attributes.Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${dlqName}`,
    });
    expect(attributes.Attributes).toMatchObject({ Protocol: 'sqs', RawMessageDelivery: 'false' });
  });

  it('refuses what it cannot deliver: another protocol, or an unknown filter policy scope', async () => {
    const { resourceOf, built } = await deploy('RefusedStack', (stack) => new sns.Topic(stack, 'Topic'));
    const provider = subscriptionProvider(snsClient);
    const request = (properties: Record<string, unknown>) =>
      provider.create({
        logicalId: 'Sub',
        type: 'AWS::SNS::Subscription',
        stackName: 'RefusedStack',
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT_ID,
        properties: { TopicArn: resourceOf(built), ...properties },
      });
    const queueArn = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:somewhere`;
    await expect(request({ Protocol: 'https', Endpoint: 'https://example.com/hook' })).rejects.toThrow(
      new TemplateError(
        'Resource Sub: the local cloud delivers SNS messages to SQS queues only; protocol https is not supported',
      ),
    );
    await expect(
      request({ Protocol: 'sqs', Endpoint: queueArn, FilterPolicy: { a: ['b'] }, FilterPolicyScope: 'Body' }),
    ).rejects.toThrow(
      new TemplateError(
        'RefusedStack: resource Sub (AWS::SNS::Subscription): property FilterPolicyScope: expected one of "MessageAttributes", "MessageBody", got "Body"',
      ),
    );
  });

  it('keeps an e-mail subscription pending confirmation, as AWS does until the address confirms: nothing is sent', async () => {
    const { resourceOf, built } = await deploy('EmailStack', (stack) => new sns.Topic(stack, 'Topic'));
    const provider = subscriptionProvider(snsClient);
    const base = {
      logicalId: 'Sub',
      type: 'AWS::SNS::Subscription',
      stackName: 'EmailStack',
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
    } as const;
    const properties = { TopicArn: resourceOf(built), Protocol: 'email', Endpoint: 'oncall@example.com' };
    const created = await provider.create({ ...base, properties });
    expect(created.physicalId).toMatch(new RegExp(`^${resourceOf(built)}:[0-9a-f-]{36}$`));
    // No subscription the emulator would deliver to.
    const listed = await snsClient.send(new ListSubscriptionsByTopicCommand({ TopicArn: resourceOf(built) }));
    expect(listed.Subscriptions ?? []).toEqual([]);
    await provider.delete?.({
      ...base,
      properties,
      physicalId: created.physicalId,
      attributes: created.attributes ?? {},
    });
    await expect(
      provider.create({ ...base, properties: { ...properties, Endpoint: 'not an address' } }),
    ).rejects.toThrow(new TemplateError('Resource Sub: Endpoint not an address is not an e-mail address'));
  });
});
