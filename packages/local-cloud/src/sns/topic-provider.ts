import { isDeepStrictEqual } from 'node:util';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  paginateListSubscriptionsByTopic,
  SetTopicAttributesCommand,
  type SNSClient,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { generatedName } from '../cloudformation/physical-ids.ts';
import { TemplateError } from '../cloudformation/template-error.ts';
import type {
  CreatedResource,
  CreateRequest,
  DeleteRequest,
  ResourceProvider,
  UpdateRequest,
} from '../cloudformation/types.ts';
import { jsonText, subscribeToTopic } from './subscription-provider.ts';

// Topic properties that are CreateTopic attributes of the same name. fauxqs keeps every attribute it is given and
// GetTopicAttributes returns it, but only FifoTopic and ContentBasedDeduplication change what it does:
// KmsMasterKeyId is accepted and nothing is encrypted (messages stay in memory), and SignatureVersion does not
// change the fixed placeholder signature of the notifications it delivers.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topic.html
const ATTRIBUTE_PROPERTIES = [
  'DisplayName',
  'FifoTopic',
  'ContentBasedDeduplication',
  'FifoThroughputScope',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
] as const;

// A topic name is 1 to 256 letters, digits, hyphens and underscores; a FIFO topic's ends in `.fifo`.
// https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html
const MAX_TOPIC_NAME_LENGTH = 256;
const FIFO_SUFFIX = '.fifo';

/**
 * Attributes SetTopicAttributes changes on fauxqs; `FifoTopic` needs a new topic (CloudFormation replaces it), and
 * `FifoThroughputScope` and `ArchivePolicy` are taken at creation only there: they change nothing fauxqs does
 * (throughput is not limited, nothing is archived), so a change to them is not sent. Tags have no local effect.
 */
const UPDATABLE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'DisplayName',
  'ContentBasedDeduplication',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
]);

/**
 * Creates `AWS::SNS::Topic` on fauxqs. Ref = topic ARN; TopicArn and TopicName attributes. Inline `Subscription`
 * entries are subscribed as `AWS::SNS::Subscription` resources are. Delivery status logging and data protection
 * policies are CloudWatch and Macie settings with no local effect. An update sets the changed attributes and
 * subscribes or unsubscribes the inline entries that came or went; a delete deletes the topic and so its
 * subscriptions. https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html
 */
export function topicProvider(client: SNSClient): ResourceProvider {
  return {
    async update(request: UpdateRequest): Promise<CreatedResource> {
      const topicArn = request.physicalId;
      const before = topicAttributes(request.oldProperties);
      const after = topicAttributes(request.properties);
      for (const name of UPDATABLE_ATTRIBUTES) {
        if (before[name] !== after[name]) {
          await client.send(
            new SetTopicAttributesCommand({
              TopicArn: topicArn,
              AttributeName: name,
              AttributeValue: after[name] ?? '',
            }),
          );
        }
      }
      const inlineBefore = inlineSubscriptions(request.oldProperties);
      const inlineAfter = inlineSubscriptions(request.properties);
      const gone = inlineBefore.filter((old) => !inlineAfter.some((entry) => isDeepStrictEqual(entry, old)));
      if (gone.length > 0) {
        for await (const page of paginateListSubscriptionsByTopic({ client }, { TopicArn: topicArn })) {
          for (const subscription of page.Subscriptions ?? []) {
            const listed = { Protocol: subscription.Protocol, Endpoint: subscription.Endpoint };
            if (
              subscription.TopicArn === topicArn &&
              gone.some((entry) => isDeepStrictEqual(entry, listed))
            ) {
              await client.send(new UnsubscribeCommand({ SubscriptionArn: subscription.SubscriptionArn }));
            }
          }
        }
      }
      for (const [index, subscription] of inlineAfter.entries()) {
        if (!inlineBefore.some((entry) => isDeepStrictEqual(entry, subscription))) {
          await subscribeToTopic(client, {
            where: `Resource ${request.logicalId}, Subscription[${index}]`,
            region: request.region,
            properties: { TopicArn: topicArn, ...subscription },
          });
        }
      }
      return { physicalId: topicArn, attributes: request.oldAttributes };
    },
    async delete(request: DeleteRequest): Promise<void> {
      await client.send(new DeleteTopicCommand({ TopicArn: request.physicalId }));
    },
    async create(request: CreateRequest): Promise<CreatedResource> {
      const properties = request.properties;
      const fifo = properties.FifoTopic === true || properties.FifoTopic === 'true';
      const topicName =
        typeof properties.TopicName === 'string'
          ? properties.TopicName
          : fifo
            ? `${generatedName(request.stackName, request.logicalId, MAX_TOPIC_NAME_LENGTH - FIFO_SUFFIX.length, request.replaces)}${FIFO_SUFFIX}`
            : generatedName(request.stackName, request.logicalId, MAX_TOPIC_NAME_LENGTH, request.replaces);
      const attributes = topicAttributes(properties);
      const tags = ((properties.Tags ?? []) as Array<{ Key: string; Value: string }>).map((tag) => ({
        Key: String(tag.Key),
        Value: String(tag.Value),
      }));
      const created = await client.send(
        new CreateTopicCommand({
          Name: topicName,
          Attributes: attributes,
          Tags: tags.length > 0 ? tags : undefined,
        }),
      );
      const topicArn = created.TopicArn;
      if (!topicArn) {
        throw new TemplateError(`Resource ${request.logicalId}: CreateTopic returned no TopicArn`);
      }
      for (const [index, subscription] of inlineSubscriptions(properties).entries()) {
        await subscribeToTopic(client, {
          where: `Resource ${request.logicalId}, Subscription[${index}]`,
          region: request.region,
          properties: { TopicArn: topicArn, ...subscription },
        });
      }
      return { physicalId: topicArn, attributes: { TopicArn: topicArn, TopicName: topicName } };
    },
  };
}

/** The CreateTopic attributes a topic's properties set. */
function topicAttributes(properties: Readonly<Record<string, unknown>>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of ATTRIBUTE_PROPERTIES) {
    if (properties[name] !== undefined) {
      attributes[name] = String(properties[name]);
    }
  }
  if (properties.ArchivePolicy !== undefined) {
    attributes.ArchivePolicy = jsonText(properties.ArchivePolicy);
  }
  return attributes;
}

/** A topic's inline `Subscription` entries. */
function inlineSubscriptions(
  properties: Readonly<Record<string, unknown>>,
): Array<{ Endpoint?: unknown; Protocol?: unknown }> {
  return (properties.Subscription ?? []) as Array<{ Endpoint?: unknown; Protocol?: unknown }>;
}
