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
import { typedProvider } from '../cloudformation/resource-properties.ts';
import { TemplateError } from '../cloudformation/template-error.ts';
import type { ResourceProvider } from '../cloudformation/types.ts';
import { type TopicProperties, topicProperties } from './properties.ts';
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
  return typedProvider(topicProperties, {
    async update(request) {
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
    async delete(request) {
      await client.send(new DeleteTopicCommand({ TopicArn: request.physicalId }));
    },
    async create(request) {
      const properties = request.properties;
      const fifo = properties.FifoTopic === true;
      const topicName =
        properties.TopicName ??
        (fifo
          ? `${generatedName(request.stackName, request.logicalId, MAX_TOPIC_NAME_LENGTH - FIFO_SUFFIX.length, request.replaces)}${FIFO_SUFFIX}`
          : generatedName(request.stackName, request.logicalId, MAX_TOPIC_NAME_LENGTH, request.replaces));
      const attributes = topicAttributes(properties);
      const tags = (properties.Tags ?? []).map((tag) => ({ Key: tag.Key, Value: tag.Value }));
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
  });
}

/** The CreateTopic attributes a topic's properties set. */
function topicAttributes(properties: TopicProperties): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of ATTRIBUTE_PROPERTIES) {
    const value = properties[name];
    if (value !== undefined) {
      attributes[name] = String(value);
    }
  }
  if (properties.ArchivePolicy !== undefined) {
    attributes.ArchivePolicy = jsonText(properties.ArchivePolicy);
  }
  return attributes;
}

/** A topic's inline `Subscription` entries, as ListSubscriptionsByTopic lists them. */
function inlineSubscriptions(properties: TopicProperties): Array<{ Protocol: string; Endpoint: string }> {
  return (properties.Subscription ?? []).map(({ Protocol, Endpoint }) => ({ Protocol, Endpoint }));
}
