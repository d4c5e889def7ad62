import * as z from 'zod';
import { cfnBoolean, cfnJson, cfnString } from '../cloudformation/resource-properties.ts';

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-sns-topic-subscription.html
const inlineSubscription = z.looseObject({ Endpoint: cfnString, Protocol: cfnString });

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topic.html
export const topicProperties = z.looseObject({
  TopicName: cfnString.optional(),
  DisplayName: cfnString.optional(),
  FifoTopic: cfnBoolean.optional(),
  ContentBasedDeduplication: cfnBoolean.optional(),
  FifoThroughputScope: cfnString.optional(),
  KmsMasterKeyId: cfnString.optional(),
  SignatureVersion: cfnString.optional(),
  TracingConfig: cfnString.optional(),
  ArchivePolicy: cfnJson.optional(),
  Tags: z.array(z.looseObject({ Key: cfnString, Value: cfnString })).optional(),
  Subscription: z.array(inlineSubscription).optional(),
});

export type TopicProperties = z.output<typeof topicProperties>;

// The scopes a filter policy applies to: message attributes (the default) or the JSON message body.
// https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering-scope.html
const FILTER_POLICY_SCOPES = ['MessageAttributes', 'MessageBody'] as const;

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-subscription.html
export const subscriptionProperties = z.looseObject({
  TopicArn: cfnString,
  Protocol: cfnString,
  Endpoint: cfnString.optional(),
  Region: cfnString.optional(),
  FilterPolicy: cfnJson.optional(),
  FilterPolicyScope: z.enum(FILTER_POLICY_SCOPES).optional(),
  RawMessageDelivery: cfnBoolean.optional(),
  RedrivePolicy: cfnJson.optional(),
  DeliveryPolicy: cfnJson.optional(),
  ReplayPolicy: cfnJson.optional(),
});

export type SubscriptionProperties = z.output<typeof subscriptionProperties>;

// Checked, not evaluated: the emulators do not enforce resource policies.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topicpolicy.html
export const topicPolicyProperties = z.looseObject({ PolicyDocument: cfnJson, Topics: z.array(cfnString) });
