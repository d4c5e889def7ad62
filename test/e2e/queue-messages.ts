import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { eventually } from '../helpers/eventually.ts';

/**
 * Takes from a queue the messages `matches` picks until `enough` says so, deleting each one taken. Every other
 * message is released at once (visibility 0): dead-letter and failure queues are shared by tests that run side by
 * side, and each must still find its own.
 */
export async function takeMessages(
  sqs: SQSClient,
  queueUrl: string,
  matches: (message: Message) => boolean,
  enough: (taken: readonly Message[]) => boolean,
  { timeoutMs = 60_000, what = `messages from ${queueUrl}` } = {},
): Promise<Message[]> {
  const taken: Message[] = [];
  return eventually(
    async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      for (const message of Messages) {
        const receiptHandle = String(message.ReceiptHandle);
        if (matches(message)) {
          taken.push(message);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
        } else {
          await sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrl,
              ReceiptHandle: receiptHandle,
              VisibilityTimeout: 0,
            }),
          );
        }
      }
      return enough(taken) ? taken : undefined;
    },
    { timeoutMs, intervalMs: 100, what },
  );
}

/** The `maxReceiveCount` of a queue's redrive policy, as SQS has it: deliveries before the DLQ. */
export async function maxReceiveCountOf(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  const policy = JSON.parse(Attributes?.RedrivePolicy ?? '{}') as { maxReceiveCount?: number | string };
  if (policy.maxReceiveCount === undefined) {
    throw new Error(`${queueUrl} has no redrive policy`);
  }
  return Number(policy.maxReceiveCount);
}
