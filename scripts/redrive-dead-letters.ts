import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '@serverless-data-sharing/local-cloud';

/**
 * Moves the messages of a dead-letter queue back to its source queue, ten at a time: send first, then
 * delete, so a crash in between duplicates a message rather than losing it (the worker ignores duplicates).
 * It moves at most as many messages as the queue held when it started: a message that fails again at once
 * (a poison message) comes back to the dead-letter queue while the redrive runs, and must not be moved round
 * and round. On AWS, `aws sqs start-message-move-task` does the same server-side.
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  queues: { from: string; to: string },
): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queues.from, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  const waiting = Number(Attributes.ApproximateNumberOfMessages ?? 0);
  let moved = 0;
  while (moved < waiting) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.from,
        MaxNumberOfMessages: Math.min(10, waiting - moved),
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      return moved;
    }
    const entries = Messages.map((message, index) => ({ id: String(index), message }));
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.to,
        Entries: entries.map(({ id, message }) => ({
          Id: id,
          MessageBody: message.Body ?? '',
          MessageAttributes: message.MessageAttributes,
        })),
      }),
    );
    const delivered = new Set((sent.Successful ?? []).map((entry) => entry.Id));
    const toDelete = entries.filter(({ id }) => delivered.has(id));
    if (toDelete.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queues.from,
          Entries: toDelete.map(({ id, message }) => ({ Id: id, ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
    moved += toDelete.length;
    if (delivered.size < entries.length) {
      throw new Error(
        `Could not resend ${entries.length - delivered.size} message(s): ${JSON.stringify(sent.Failed)}`,
      );
    }
  }
  return moved;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      outputs: { type: 'string', default: '.local-cloud/outputs.json' },
      stack: { type: 'string', default: 'DataSharingStack' },
    },
  });
  const outputs = JSON.parse(await readFile(values.outputs, 'utf8'))[values.stack] as
    | Record<string, string>
    | undefined;
  const from = outputs?.OrderDeadLetterQueueUrl;
  const to = outputs?.OrderQueueUrl;
  if (!from || !to) {
    throw new Error(`${values.outputs} has no ${values.stack}.OrderDeadLetterQueueUrl / OrderQueueUrl`);
  }
  // A queue on 127.0.0.1 is the local cloud's; anything else is reached with the default AWS credentials.
  const local = new URL(to).hostname === '127.0.0.1';
  const sqs = new SQSClient(
    local ? { endpoint: new URL(to).origin, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS } : {},
  );
  const moved = await redriveDeadLetters(sqs, { from, to });
  console.log(`Moved ${moved} message(s) from the dead-letter queue back to the order queue.`);
  sqs.destroy();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
