import { randomUUID } from 'node:crypto';
import {
  SetSubscriptionAttributesCommand,
  type SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { typedProvider } from '../cloudformation/resource-properties.ts';
import { TemplateError } from '../cloudformation/template-error.ts';
import type { ResourceProvider } from '../cloudformation/types.ts';
import { type SubscriptionProperties, subscriptionProperties } from './properties.ts';

/**
 * Creates `AWS::SNS::Subscription` on fauxqs. Ref = subscription ARN; Arn attribute.
 *
 * What fauxqs does with the subscription's attributes when a message is published:
 * - `FilterPolicy` with either `FilterPolicyScope` is honoured: exact values, prefix, suffix, anything-but,
 *   numeric ranges, exists, equals-ignore-case, wildcard, cidr and `$or`. Unlike SNS it does not match a
 *   `String.Array` attribute or an array in the body element by element: such a message is not delivered.
 * - `RawMessageDelivery` is honoured: the bare message with its attributes as SQS message attributes, else the
 *   SNS JSON envelope (Type, MessageId, TopicArn, Subject, Message, Timestamp, SignatureVersion, Signature,
 *   SigningCertURL, UnsubscribeURL, MessageAttributes) with a placeholder signature.
 * - `RedrivePolicy` is stored and returned, but never used: fauxqs drops a message it cannot deliver (its queue
 *   was deleted) instead of sending it to the dead-letter queue. Nothing else fails a delivery locally, since
 *   neither queue policies nor KMS keys are evaluated.
 * Only `sqs` subscriptions are delivered. An `email` or `email-json` subscription is created and stays pending
 * confirmation, as on AWS until the address owner confirms it: nothing is sent to it (the local cloud sends no
 * e-mail). Any other protocol fails the deployment. An update sets the changed
 * attributes, one SetSubscriptionAttributes each; a delete unsubscribes.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-subscription.html
 */
export function subscriptionProvider(client: SNSClient): ResourceProvider {
  return typedProvider(subscriptionProperties, {
    async create(request) {
      const subscriptionArn = await subscribeToTopic(client, {
        where: `Resource ${request.logicalId}`,
        region: request.region,
        properties: request.properties,
      });
      return { physicalId: subscriptionArn, attributes: { Arn: subscriptionArn } };
    },
    async update(request) {
      if (isEmail(request.properties.Protocol)) {
        return { physicalId: request.physicalId, attributes: request.oldAttributes };
      }
      const where = `Resource ${request.logicalId}`;
      const before = subscriptionAttributes(where, request.oldProperties);
      const after = subscriptionAttributes(where, request.properties);
      for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
        const value = after[name] ?? REMOVED_ATTRIBUTE_VALUES[name] ?? '';
        if (value !== before[name]) {
          await client.send(
            new SetSubscriptionAttributesCommand({
              SubscriptionArn: request.physicalId,
              AttributeName: name,
              AttributeValue: value,
            }),
          );
        }
      }
      return { physicalId: request.physicalId, attributes: request.oldAttributes };
    },
    async delete(request) {
      if (!isEmail(String(request.properties.Protocol))) {
        await client.send(new UnsubscribeCommand({ SubscriptionArn: request.physicalId }));
      }
    },
  });
}

/**
 * What an attribute is set to when the template no longer gives it: an empty filter policy (`{}`) removes the
 * filter, as the SNS guide does it; the others go back to their defaults, or empty (no redrive policy).
 * https://docs.aws.amazon.com/sns/latest/dg/example_sns_SetSubscriptionAttributes_section.html
 */
const REMOVED_ATTRIBUTE_VALUES: Readonly<Record<string, string>> = {
  FilterPolicy: '{}',
  FilterPolicyScope: 'MessageAttributes',
  RawMessageDelivery: 'false',
};

/** Subscribes an endpoint as a subscription resource (or a topic's inline `Subscription`) describes it. */
export async function subscribeToTopic(
  client: SNSClient,
  subscription: {
    /** Names the subscription in errors. */
    readonly where: string;
    /** The stack's region: a subscription to a topic elsewhere is not emulated. */
    readonly region: string;
    readonly properties: SubscriptionProperties;
  },
): Promise<string> {
  const { where, properties } = subscription;
  const { TopicArn: topicArn, Protocol: protocol, Endpoint: endpoint } = properties;
  if (isEmail(protocol)) {
    if (endpoint === undefined || !/^[^@\s]+@[^@\s]+$/.test(endpoint)) {
      throw new TemplateError(`${where}: Endpoint ${String(endpoint)} is not an e-mail address`);
    }
    // Pending confirmation, and never confirmed here: nothing is delivered to it.
    return `${topicArn}:${randomUUID()}`;
  }
  if (protocol !== 'sqs') {
    throw new TemplateError(
      `${where}: the local cloud delivers SNS messages to SQS queues only; protocol ${protocol} is not supported`,
    );
  }
  if (endpoint === undefined || !/^arn:[^:]+:sqs:[^:]+:\d{12}:[^:]+$/.test(endpoint)) {
    throw new TemplateError(`${where}: Endpoint ${String(endpoint)} is not the ARN of an SQS queue`);
  }
  const topicRegion = properties.Region ?? topicArn.split(':')[3];
  if (topicRegion !== subscription.region) {
    throw new TemplateError(
      `${where}: the topic is in ${topicRegion}; cross-region subscriptions are not emulated`,
    );
  }
  const subscribed = await client.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: protocol,
      Endpoint: endpoint,
      Attributes: subscriptionAttributes(where, properties),
      ReturnSubscriptionArn: true,
    }),
  );
  if (!subscribed.SubscriptionArn) {
    throw new TemplateError(`${where}: Subscribe returned no SubscriptionArn`);
  }
  return subscribed.SubscriptionArn;
}

/** E-mail subscriptions, which wait for their address's confirmation before anything is delivered. */
function isEmail(protocol: string): boolean {
  return protocol === 'email' || protocol === 'email-json';
}

/** The subscription attributes a subscription's properties set, checked as Subscribe checks them. */
function subscriptionAttributes(where: string, properties: SubscriptionProperties): Record<string, string> {
  if (properties.ReplayPolicy !== undefined) {
    throw new TemplateError(`${where}: ReplayPolicy needs message archiving, which is not emulated`);
  }
  const attributes: Record<string, string> = {};
  if (properties.FilterPolicy !== undefined) {
    attributes.FilterPolicy = jsonText(properties.FilterPolicy);
  }
  if (properties.FilterPolicyScope !== undefined) {
    attributes.FilterPolicyScope = properties.FilterPolicyScope;
  }
  if (properties.RawMessageDelivery !== undefined) {
    attributes.RawMessageDelivery = String(properties.RawMessageDelivery);
  }
  if (properties.RedrivePolicy !== undefined) {
    attributes.RedrivePolicy = jsonText(properties.RedrivePolicy);
  }
  if (properties.DeliveryPolicy !== undefined) {
    attributes.DeliveryPolicy = jsonText(properties.DeliveryPolicy);
  }
  return attributes;
}

/** A JSON-typed property as the SNS API takes it: a string as written, an object serialised. */
export function jsonText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
