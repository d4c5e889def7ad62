import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { generatedName } from '../cloudformation/physical-ids.ts';
import type { CreatedResource, CreateRequest, ResourceProvider } from '../cloudformation/types.ts';

// Queue properties that map to SQS attributes; encryption settings are accepted by AWS and mean nothing in memory.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queue.html
const ATTRIBUTE_PROPERTIES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
] as const;

/** A queue's URL on the local endpoint: `{endpoint}/{account}/{name}`, reachable without DNS tricks. */
export function localQueueUrl(endpoint: string, accountId: string, queueName: string): string {
  return `${endpoint.replace(/\/$/, '')}/${accountId}/${queueName}`;
}

/** Creates `AWS::SQS::Queue` on fauxqs. Ref = queue URL; Arn, QueueName and QueueUrl attributes. */
export function queueProvider(client: SQSClient, endpoint: string): ResourceProvider {
  return {
    async create(request: CreateRequest): Promise<CreatedResource> {
      const properties = request.properties;
      const fifo = properties.FifoQueue === true || properties.FifoQueue === 'true';
      // Generated names are at most 80 characters; a FIFO queue's ends in .fifo.
      const queueName =
        typeof properties.QueueName === 'string'
          ? properties.QueueName
          : `${generatedName(request.stackName, request.logicalId, fifo ? 75 : 80)}${fifo ? '.fifo' : ''}`;
      const attributes: Record<string, string> = {};
      for (const name of ATTRIBUTE_PROPERTIES) {
        if (properties[name] !== undefined) {
          attributes[name] = String(properties[name]);
        }
      }
      if (properties.RedrivePolicy !== undefined) {
        attributes.RedrivePolicy =
          typeof properties.RedrivePolicy === 'string'
            ? properties.RedrivePolicy
            : JSON.stringify(properties.RedrivePolicy);
      }
      await client.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
      const queueUrl = localQueueUrl(endpoint, request.accountId, queueName);
      return {
        physicalId: queueUrl,
        attributes: {
          Arn: `arn:aws:sqs:${request.region}:${request.accountId}:${queueName}`,
          QueueName: queueName,
          QueueUrl: queueUrl,
        },
      };
    },
  };
}
