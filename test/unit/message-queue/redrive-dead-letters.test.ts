import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { redriveDeadLetters } from '../../../scripts/redrive-dead-letters.ts';

/**
 * Two queues in memory. `bounce` sends every message that reaches the source queue straight back to the
 * dead-letter queue, as a poison message that fails at once does.
 */
function queues(deadLetters: string[], bounce: boolean) {
  const held: Record<string, string[]> = { dlq: [...deadLetters], source: [] };
  let handles = 0;
  const inFlight = new Map<string, string>();
  const client = {
    async send(command: unknown) {
      if (command instanceof GetQueueAttributesCommand) {
        return { Attributes: { ApproximateNumberOfMessages: String(held.dlq?.length) } };
      }
      if (command instanceof ReceiveMessageCommand) {
        const taken = (held.dlq ?? []).splice(0, command.input.MaxNumberOfMessages ?? 1);
        return {
          Messages: taken.map((body) => {
            const handle = `h${handles++}`;
            inFlight.set(handle, body);
            return { Body: body, ReceiptHandle: handle };
          }),
        };
      }
      if (command instanceof SendMessageBatchCommand) {
        const entries = command.input.Entries ?? [];
        for (const entry of entries) {
          (bounce ? held.dlq : held.source)?.push(entry.MessageBody ?? '');
        }
        return { Successful: entries.map((entry) => ({ Id: entry.Id })) };
      }
      if (command instanceof DeleteMessageBatchCommand) {
        for (const entry of command.input.Entries ?? []) {
          inFlight.delete(entry.ReceiptHandle ?? '');
        }
        return {};
      }
      throw new Error(`unexpected ${String(command)}`);
    },
  };
  return { sqs: client as unknown as SQSClient, held };
}

describe('redriving dead letters', () => {
  it('moves every dead letter back to its source queue', async () => {
    const { sqs, held } = queues(['a', 'b', 'c'], false);
    expect(await redriveDeadLetters(sqs, { from: 'dlq', to: 'source' })).toBe(3);
    expect(held).toEqual({ dlq: [], source: ['a', 'b', 'c'] });
  });

  it('moves each message once, even when poison comes straight back while it runs', async () => {
    const letters = Array.from({ length: 25 }, (_, index) => `poison-${index}`);
    const { sqs, held } = queues(letters, true);
    expect(await redriveDeadLetters(sqs, { from: 'dlq', to: 'source' })).toBe(25);
    expect(held.dlq).toEqual(letters);
  });
});
