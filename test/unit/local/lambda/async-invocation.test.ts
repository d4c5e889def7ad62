import { describe, expect, it } from 'vitest';
import { AsyncInvocationQueue, MAX_ASYNC_PAYLOAD_BYTES } from '../../../../local/lambda/async-invocation.ts';
import { eventInvokeConfigProvider } from '../../../../local/lambda/event-invoke-config-provider.ts';
import type { FunctionInvoker, InvokeOutcome } from '../../../../local/lambda/types.ts';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:processor';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:failures';
const EVENT = JSON.stringify({ Records: [{ s3: { object: { key: 'incoming/a.pdf' } } }] });

const failed: InvokeOutcome = {
  status: 'function-error',
  errorType: 'Error',
  payload: JSON.stringify({ errorType: 'Error', errorMessage: 'S3 unavailable' }),
  durationMs: 3,
};
const succeeded: InvokeOutcome = { status: 'succeeded', payload: '{"ok":true}', durationMs: 3 };
const throttled: InvokeOutcome = {
  status: 'rejected',
  errorCode: 'TooManyRequestsException',
  message: 'Rate Exceeded.',
};

/** A function that answers the given outcomes in turn (the last one again once they run out). */
function scripted(...outcomes: InvokeOutcome[]) {
  const calls: Array<{ target: string; payload: string }> = [];
  const invoker: FunctionInvoker = {
    invoke: async (target, payload) => {
      calls.push({ target, payload });
      return outcomes[Math.min(calls.length - 1, outcomes.length - 1)] as InvokeOutcome;
    },
  };
  return { invoker, calls };
}

function queueWith(invoker: FunctionInvoker, now?: () => Date) {
  const sent: Array<{ queueArn: string; record: Record<string, unknown> }> = [];
  const lines: string[] = [];
  const queue = new AsyncInvocationQueue({
    invoker,
    retryDelaysMs: [5, 10],
    sendMessage: async (queueArn, body) => {
      sent.push({ queueArn, record: JSON.parse(body) });
    },
    log: (line) => lines.push(line),
    now,
  });
  queue.register('processor', ARN);
  return { queue, sent, lines };
}

describe('AsyncInvocationQueue', () => {
  it('answers once the event is queued, then runs it once when it succeeds', async () => {
    const { invoker, calls } = scripted(succeeded);
    const { queue, sent } = queueWith(invoker);
    queue.configure('processor', { onFailure: QUEUE_ARN });
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    expect(calls).toEqual([{ target: ARN, payload: EVENT }]);
    expect(sent).toEqual([]);
  });

  it('retries a function error twice by default, then sends the invocation record to the on-failure queue', async () => {
    const { invoker, calls } = scripted(failed);
    const { queue, sent } = queueWith(invoker);
    queue.configure('processor', { onFailure: QUEUE_ARN });
    await queue.invokeAsync('processor', EVENT);
    await queue.idle();
    expect(calls).toHaveLength(3);
    expect(sent).toHaveLength(1);
    const [{ queueArn, record } = { queueArn: '', record: {} }] = sent;
    expect(queueArn).toBe(QUEUE_ARN);
    expect(record).toEqual({
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: `${ARN}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: JSON.parse(EVENT),
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'S3 unavailable' },
    });
  });

  it('runs a function once with MaximumRetryAttempts 0, and stops retrying once an attempt succeeds', async () => {
    const once = scripted(failed);
    const first = queueWith(once.invoker);
    first.queue.configure('processor', { maximumRetryAttempts: 0, onFailure: QUEUE_ARN });
    await first.queue.invokeAsync(ARN, EVENT);
    await first.queue.idle();
    expect(once.calls).toHaveLength(1);
    expect(first.sent[0]?.record).toMatchObject({ requestContext: { approximateInvokeCount: 1 } });

    const recovering = scripted(failed, succeeded);
    const second = queueWith(recovering.invoker);
    second.queue.configure('processor', { onFailure: QUEUE_ARN });
    await second.queue.invokeAsync(ARN, EVENT);
    await second.queue.idle();
    expect(recovering.calls).toHaveLength(2);
    expect(second.sent).toEqual([]);
  });

  it('retries throttles without counting them as attempts', async () => {
    const { invoker, calls } = scripted(throttled, throttled, throttled, failed);
    const { queue, sent } = queueWith(invoker);
    queue.configure('processor', { maximumRetryAttempts: 1, onFailure: QUEUE_ARN });
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    // Three throttles, then the run and its one retry.
    expect(calls).toHaveLength(5);
    expect(sent[0]?.record).toMatchObject({ requestContext: { approximateInvokeCount: 2 } });
  });

  it('sends EventAgeExceeded once an event is older than MaximumEventAgeInSeconds', async () => {
    let clock = Date.parse('2026-11-22T10:00:00Z');
    const invoker: FunctionInvoker = {
      invoke: async () => {
        clock += 61_000;
        return throttled;
      },
    };
    const { queue, sent } = queueWith(invoker, () => new Date(clock));
    queue.configure('processor', { maximumEventAgeSeconds: 60, onFailure: QUEUE_ARN });
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.record).toMatchObject({
      requestContext: { condition: 'EventAgeExceeded', approximateInvokeCount: 0 },
      requestPayload: JSON.parse(EVENT),
    });
    expect(sent[0]?.record).not.toHaveProperty('responseContext');
  });

  it('sends a Success record to an on-success destination', async () => {
    const { invoker } = scripted(succeeded);
    const { queue, sent } = queueWith(invoker);
    queue.configure('processor', { onSuccess: QUEUE_ARN });
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    expect(sent[0]?.record).toMatchObject({
      requestContext: { condition: 'Success', approximateInvokeCount: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { ok: true },
    });
    expect(sent[0]?.record.responseContext).not.toHaveProperty('functionError');
  });

  it('drops a failed event without a destination, and says so', async () => {
    const { invoker, calls } = scripted(failed);
    const { queue, sent, lines } = queueWith(invoker);
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    expect(calls).toHaveLength(3);
    expect(sent).toEqual([]);
    expect(lines.at(-1)).toMatch(
      /discarded \(RetriesExhausted after 3 invocations\).*no on-failure destination/,
    );
  });

  it('refuses an unknown function and a payload over 1 MB, as Invoke does', async () => {
    const { invoker, calls } = scripted(succeeded);
    const { queue } = queueWith(invoker);
    await expect(
      queue.invokeAsync('arn:aws:lambda:us-east-1:000000000000:function:other', '{}'),
    ).rejects.toThrow(/ResourceNotFoundException/);
    const large = JSON.stringify({ data: 'x'.repeat(MAX_ASYNC_PAYLOAD_BYTES) });
    await expect(queue.invokeAsync(ARN, large)).rejects.toThrow(/RequestTooLargeException/);
    expect(calls).toEqual([]);
  });

  it('cancels waiting retries on close', async () => {
    const { invoker, calls } = scripted(failed);
    const queue = new AsyncInvocationQueue({ invoker, retryDelaysMs: [60_000], sendMessage: async () => {} });
    queue.register('processor', ARN);
    await queue.invokeAsync(ARN, EVENT);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await queue.close();
    expect(calls).toHaveLength(1);
    await expect(queue.invokeAsync(ARN, EVENT)).rejects.toThrow(/ServiceException/);
  });
});

describe('eventInvokeConfigProvider', () => {
  const request = (properties: Record<string, unknown>) => ({
    logicalId: 'ProcessorEventInvokeConfig',
    type: 'AWS::Lambda::EventInvokeConfig',
    properties,
    stackName: 'Stack',
    region: 'us-east-1',
    accountId: '000000000000',
  });

  it('configures the function from what CDK writes', async () => {
    const configured: unknown[] = [];
    const provider = eventInvokeConfigProvider({
      configure: (name, config) => configured.push([name, config]),
    });
    const created = await provider.create(
      request({
        FunctionName: 'processor',
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: QUEUE_ARN } },
      }),
    );
    expect(created.physicalId).toBe('processor:$LATEST');
    expect(configured).toEqual([
      [
        'processor',
        { maximumRetryAttempts: 1, maximumEventAgeSeconds: 3600, onFailure: QUEUE_ARN, onSuccess: undefined },
      ],
    ]);
  });

  it.each([
    [{ FunctionName: 'f', Qualifier: 'live' }, /Qualifier live is not supported/],
    [
      { FunctionName: 'f', Qualifier: '$LATEST', MaximumRetryAttempts: 3 },
      /MaximumRetryAttempts must be 0, 1 or 2/,
    ],
    [{ FunctionName: 'f', Qualifier: '$LATEST', MaximumEventAgeInSeconds: 30 }, /from 60 to 21600/],
    [{ Qualifier: '$LATEST' }, /has no FunctionName/],
  ])('refuses %j', async (properties, message) => {
    const provider = eventInvokeConfigProvider({ configure: () => {} });
    await expect(provider.create(request(properties))).rejects.toThrow(message);
  });
});
