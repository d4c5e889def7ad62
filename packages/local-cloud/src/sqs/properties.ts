import * as z from 'zod';
import { cfnBoolean, cfnInteger, cfnJson, cfnString } from '../cloudformation/resource-properties.ts';

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html
export const queueProperties = z.looseObject({
  QueueName: cfnString.optional(),
  DelaySeconds: cfnInteger.optional(),
  MaximumMessageSize: cfnInteger.optional(),
  MessageRetentionPeriod: cfnInteger.optional(),
  ReceiveMessageWaitTimeSeconds: cfnInteger.optional(),
  VisibilityTimeout: cfnInteger.optional(),
  FifoQueue: cfnBoolean.optional(),
  ContentBasedDeduplication: cfnBoolean.optional(),
  DeduplicationScope: cfnString.optional(),
  FifoThroughputLimit: cfnString.optional(),
  RedrivePolicy: cfnJson.optional(),
});

export type QueueProperties = z.output<typeof queueProperties>;

// Checked, not evaluated: the emulators do not enforce resource policies.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queuepolicy.html
export const queuePolicyProperties = z.looseObject({ PolicyDocument: cfnJson, Queues: z.array(cfnString) });
