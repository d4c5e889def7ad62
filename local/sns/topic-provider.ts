import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { generatedName } from '../cloudformation/physical-ids.ts';
import { TemplateError } from '../cloudformation/template-error.ts';
import type { CreatedResource, CreateRequest, ResourceProvider } from '../cloudformation/types.ts';
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
 * Creates `AWS::SNS::Topic` on fauxqs. Ref = topic ARN; TopicArn and TopicName attributes. Inline `Subscription`
 * entries are subscribed as `AWS::SNS::Subscription` resources are. Delivery status logging and data protection
 * policies are CloudWatch and Macie settings with no local effect.
 */
export function topicProvider(client: SNSClient): ResourceProvider {
  return {
    async create(request: CreateRequest): Promise<CreatedResource> {
      const properties = request.properties;
      const fifo = properties.FifoTopic === true || properties.FifoTopic === 'true';
      const topicName =
        typeof properties.TopicName === 'string'
          ? properties.TopicName
          : fifo
            ? `${generatedName(request.stackName, request.logicalId, MAX_TOPIC_NAME_LENGTH - FIFO_SUFFIX.length)}${FIFO_SUFFIX}`
            : generatedName(request.stackName, request.logicalId, MAX_TOPIC_NAME_LENGTH);
      const attributes: Record<string, string> = {};
      for (const name of ATTRIBUTE_PROPERTIES) {
        if (properties[name] !== undefined) {
          attributes[name] = String(properties[name]);
        }
      }
      if (properties.ArchivePolicy !== undefined) {
        attributes.ArchivePolicy = jsonText(properties.ArchivePolicy);
      }
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
      const inline = (properties.Subscription ?? []) as Array<{ Endpoint?: unknown; Protocol?: unknown }>;
      for (const [index, subscription] of inline.entries()) {
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
