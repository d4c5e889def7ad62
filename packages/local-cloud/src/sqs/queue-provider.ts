import {
  CreateQueueCommand,
  DeleteQueueCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { generatedName } from '../cloudformation/physical-ids.ts';
import { typedProvider } from '../cloudformation/resource-properties.ts';
import type { ResourceProvider } from '../cloudformation/types.ts';
import { type QueueProperties, queueProperties } from './properties.ts';

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

/**
 * What a queue attribute is when the template leaves it out, for an update that removes it: SQS's defaults, and an
 * empty RedrivePolicy, which removes the dead-letter queue.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
const DEFAULT_ATTRIBUTES: Readonly<Record<string, string>> = {
  DelaySeconds: '0',
  MaximumMessageSize: '1048576',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
  ContentBasedDeduplication: 'false',
  RedrivePolicy: '',
};

/**
 * Attributes fauxqs takes only when it creates a queue. They set FIFO high throughput, which fauxqs does not
 * emulate, so a change to them has no local effect and is not sent.
 */
const CREATE_ONLY_HERE: ReadonlySet<string> = new Set(['DeduplicationScope', 'FifoThroughputLimit']);

/**
 * Creates `AWS::SQS::Queue` on fauxqs. Ref = queue URL; Arn, QueueName and QueueUrl attributes. An update sets the
 * changed attributes (messages stay); a delete removes the queue and its messages.
 */
export function queueProvider(client: SQSClient, endpoint: string): ResourceProvider {
  return typedProvider(queueProperties, {
    async create(request) {
      const properties = request.properties;
      const fifo = properties.FifoQueue === true;
      // Generated names are at most 80 characters; a FIFO queue's ends in .fifo.
      const queueName =
        properties.QueueName ??
        `${generatedName(request.stackName, request.logicalId, fifo ? 75 : 80, request.replaces)}${fifo ? '.fifo' : ''}`;
      await client.send(
        new CreateQueueCommand({ QueueName: queueName, Attributes: queueAttributes(properties) }),
      );
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
    async update(request) {
      const before = queueAttributes(request.oldProperties);
      const after = queueAttributes(request.properties);
      const changed: Record<string, string> = {};
      for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
        const value = after[name] ?? DEFAULT_ATTRIBUTES[name];
        if (value !== undefined && value !== before[name] && !CREATE_ONLY_HERE.has(name)) {
          changed[name] = value;
        }
      }
      if (Object.keys(changed).length > 0) {
        await client.send(
          new SetQueueAttributesCommand({ QueueUrl: request.physicalId, Attributes: changed }),
        );
      }
      return { physicalId: request.physicalId, attributes: request.oldAttributes };
    },
    async delete(request) {
      await client.send(new DeleteQueueCommand({ QueueUrl: request.physicalId }));
    },
  });
}

/** The SQS attributes a queue's properties set. */
function queueAttributes(properties: QueueProperties): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of ATTRIBUTE_PROPERTIES) {
    const value = properties[name];
    if (value !== undefined) {
      attributes[name] = String(value);
    }
  }
  if (properties.RedrivePolicy !== undefined) {
    attributes.RedrivePolicy =
      typeof properties.RedrivePolicy === 'string'
        ? properties.RedrivePolicy
        : JSON.stringify(properties.RedrivePolicy);
  }
  return attributes;
}
