import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { s3Event } from '../../../../test/helpers/events.ts';
import { AsyncInvocationQueue, type AsyncInvocationQueueOptions } from '../../src/lambda/async-invocation.ts';
import { MAX_ASYNC_PAYLOAD_BYTES } from '../../src/lambda/limits.ts';
import type { FunctionInvoker, InvokeOutcome } from '../../src/lambda/types.ts';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:processor';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:failures';
const EVENT = JSON.stringify(s3Event('uploads', ['incoming/a.pdf']));
const CLOCK = new Date('2026-11-22T10:00:00.000Z');

const failed: InvokeOutcome = {
  status: 'function-error',
  errorType: 'Error',
  payload: JSON.stringify({
    errorType: 'Error',
    errorMessage: 'S3 unavailable',
    trace: ['Error: S3 unavailable'],
  }),
  durationMs: 3,
};
const succeeded: InvokeOutcome = { status: 'succeeded', payload: '{"ok":true}', durationMs: 3 };
const throttled: InvokeOutcome = {
  status: 'rejected',
  errorCode: 'TooManyRequestsException',
  message: 'Rate Exceeded.',
};
const serviceError: InvokeOutcome = {
  status: 'rejected',
  errorCode: 'ServiceException',
  message: 'the local Lambda host is closing',
};

interface Call {
  readonly target: string;
  readonly payload: string;
  readonly atMs: number;
}

/** A function that answers the given outcomes in turn (the last one again once they run out). */
function scripted(...outcomes: InvokeOutcome[]): { invoker: FunctionInvoker; calls: Call[] } {
  const calls: Call[] = [];
  const invoker: FunctionInvoker = {
    invoke: async (target, payload) => {
      calls.push({ target, payload, atMs: performance.now() });
      return outcomes[Math.min(calls.length - 1, outcomes.length - 1)] as InvokeOutcome;
    },
  };
  return { invoker, calls };
}

let queue: AsyncInvocationQueue | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await queue?.close();
  queue = undefined;
});

function queueWith(invoker: FunctionInvoker, options: Partial<AsyncInvocationQueueOptions> = {}) {
  const sent: Array<{ queueArn: string; record: Record<string, unknown> }> = [];
  const lines: string[] = [];
  queue = new AsyncInvocationQueue({
    invoker,
    retryDelaysMs: [5, 10],
    throttleBackoffMs: { firstMs: 1, maxMs: 4 },
    sendMessage: async (queueArn, body) => {
      sent.push({ queueArn, record: JSON.parse(body) });
    },
    log: (line) => lines.push(line),
    ...options,
  });
  queue.register('processor', ARN);
  return { queue, sent, lines };
}

describe('AsyncInvocationQueue', () => {
  it('answers once the event is queued, before the function has finished', async () => {
    let finish: (outcome: InvokeOutcome) => void = () => {};
    const started: string[] = [];
    const { queue } = queueWith({
      invoke: (target) => {
        started.push(target);
        return new Promise((resolve) => {
          finish = resolve;
        });
      },
    });
    await queue.invokeAsync('processor', EVENT);
    expect(started).toEqual([ARN]);
    let idle = false;
    const idled = queue.idle().then(() => {
      idle = true;
    });
    await Promise.resolve();
    expect(idle).toBe(false);
    finish(succeeded);
    await idled;
    expect(idle).toBe(true);
  });

  it('runs a succeeding event once and sends nothing to the on-failure destination', async () => {
    const { invoker, calls } = scripted(succeeded);
    const { queue, sent } = queueWith(invoker);
    queue.configure('processor', { onFailure: QUEUE_ARN });
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    expect(calls.map(({ target, payload }) => ({ target, payload }))).toEqual([
      { target: ARN, payload: EVENT },
    ]);
    expect(sent).toEqual([]);
  });

  it('runs a failing function three times by default, waiting the retry delays, then sends the invocation record', async () => {
    const { invoker, calls } = scripted(failed);
    const { queue, sent } = queueWith(invoker, { now: () => CLOCK });
    queue.configure('processor', { onFailure: QUEUE_ARN });
    await queue.invokeAsync('processor', EVENT);
    await queue.idle();
    expect(calls).toHaveLength(3);
    const [first, second, third] = calls.map((call) => call.atMs);
    // Timers have millisecond resolution; allow one for rounding.
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(4);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(9);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.queueArn).toBe(QUEUE_ARN);
    expect(sent[0]?.record).toEqual({
      version: '1.0',
      timestamp: '2026-11-22T10:00:00.000Z',
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        functionArn: `${ARN}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: JSON.parse(EVENT),
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: 'Error',
        errorMessage: 'S3 unavailable',
        trace: ['Error: S3 unavailable'],
      },
    });
  });

  it('runs a failing function once with MaximumRetryAttempts 0', async () => {
    const { invoker, calls } = scripted(failed);
    const { queue, sent } = queueWith(invoker);
    queue.configure('processor', { maximumRetryAttempts: 0, onFailure: QUEUE_ARN });
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    expect(calls).toHaveLength(1);
    expect(sent[0]?.record).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 },
    });
  });

  it('stops retrying once an attempt succeeds, and sends the Success record to the on-success destination', async () => {
    const { invoker, calls } = scripted(failed, succeeded);
    const { queue, sent } = queueWith(invoker, { now: () => CLOCK });
    queue.configure('processor', {
      onSuccess: QUEUE_ARN,
      onFailure: 'arn:aws:sqs:us-east-1:000000000000:other',
    });
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    expect(calls).toHaveLength(2);
    expect(sent).toEqual([
      {
        queueArn: QUEUE_ARN,
        record: {
          version: '1.0',
          timestamp: '2026-11-22T10:00:00.000Z',
          requestContext: {
            requestId: expect.any(String),
            functionArn: `${ARN}:$LATEST`,
            condition: 'Success',
            approximateInvokeCount: 2,
          },
          requestPayload: JSON.parse(EVENT),
          responseContext: { statusCode: 200, executedVersion: '$LATEST' },
          responsePayload: { ok: true },
        },
      },
    ]);
  });

  it('retries throttles and service errors without using up retry attempts', async () => {
    const { invoker, calls } = scripted(throttled, serviceError, throttled, failed);
    const { queue, sent } = queueWith(invoker);
    queue.configure('processor', { maximumRetryAttempts: 1, onFailure: QUEUE_ARN });
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    // Three refusals, then the run and its one retry.
    expect(calls).toHaveLength(5);
    expect(sent[0]?.record).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 },
    });
  });

  it('sends EventAgeExceeded, without a response, when an event stays throttled past MaximumEventAgeInSeconds', async () => {
    let clock = CLOCK.getTime();
    const invoker: FunctionInvoker = {
      invoke: async () => {
        clock += 30_000;
        return throttled;
      },
    };
    const { queue, sent } = queueWith(invoker, { now: () => new Date(clock) });
    queue.configure('processor', { maximumEventAgeSeconds: 60, onFailure: QUEUE_ARN });
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.record).toEqual({
      version: '1.0',
      timestamp: '2026-11-22T10:01:00.000Z',
      requestContext: {
        requestId: expect.any(String),
        functionArn: `${ARN}:$LATEST`,
        condition: 'EventAgeExceeded',
        approximateInvokeCount: 0,
      },
      requestPayload: JSON.parse(EVENT),
    });
  });

  it('expires a failed event whose next retry would come after its maximum age, with the last error', async () => {
    let clock = CLOCK.getTime();
    const { invoker: failing, calls } = scripted(failed);
    const invoker: FunctionInvoker = {
      invoke: async (target, payload) => {
        // The run ends 2 ms before the event's 60 seconds are up; the first retry waits 5 ms.
        clock += 59_998;
        return failing.invoke(target, payload);
      },
    };
    const { queue, sent } = queueWith(invoker, { now: () => new Date(clock) });
    queue.configure('processor', { maximumEventAgeSeconds: 60, onFailure: QUEUE_ARN });
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    expect(calls).toHaveLength(1);
    expect(sent[0]?.record).toMatchObject({
      requestContext: { condition: 'EventAgeExceeded', approximateInvokeCount: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'S3 unavailable' },
    });
  });

  it('discards a failed event without an on-failure destination, and says so', async () => {
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

  it('logs that SNS, Lambda and EventBridge destinations are not emulated, and sends nothing', async () => {
    const { invoker } = scripted(failed);
    const { queue, sent, lines } = queueWith(invoker);
    queue.configure('processor', {
      maximumRetryAttempts: 0,
      onFailure: 'arn:aws:sns:us-east-1:000000000000:failures',
    });
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    expect(sent).toEqual([]);
    expect(lines.at(-1)).toMatch(/SNS topic destinations are not emulated yet.*RetriesExhausted record/);
  });

  it('logs a record it could not send, and still becomes idle', async () => {
    const { invoker } = scripted(failed);
    const { queue, lines } = queueWith(invoker, {
      sendMessage: async () => {
        throw new Error('AWS.SimpleQueueService.NonExistentQueue');
      },
    });
    queue.configure('processor', { maximumRetryAttempts: 0, onFailure: QUEUE_ARN });
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    expect(lines.at(-1)).toMatch(
      /could not be sent to .*failures: Error: AWS.SimpleQueueService.NonExistentQueue/,
    );
  });

  it('runs events for one function concurrently', async () => {
    let started = 0;
    let release: () => void = () => {};
    const bothStarted = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { queue, lines } = queueWith({
      invoke: async () => {
        started++;
        if (started === 2) {
          release();
        }
        // A queue that ran one event at a time would never start the second.
        await Promise.race([
          bothStarted,
          new Promise((_, reject) => setTimeout(() => reject(new Error('events ran one at a time')), 1000)),
        ]);
        return succeeded;
      },
    });
    await queue.invokeAsync(ARN, EVENT);
    await queue.invokeAsync(ARN, EVENT);
    await queue.idle();
    expect(started).toBe(2);
    expect(lines.filter((line) => line.includes('failed unexpectedly'))).toEqual([]);
  });

  it('refuses a payload over 1 MB with RequestTooLargeException, and takes one of exactly 1 MB', async () => {
    const { invoker, calls } = scripted(succeeded);
    const { queue } = queueWith(invoker);
    const exactly = JSON.stringify({ data: 'x'.repeat(MAX_ASYNC_PAYLOAD_BYTES - 11) });
    expect(Buffer.byteLength(exactly)).toBe(1_048_576);
    await expect(queue.invokeAsync(ARN, `${exactly} `)).rejects.toMatchObject({
      name: 'RequestTooLargeException',
    });
    expect(calls).toEqual([]);
    await queue.invokeAsync(ARN, exactly);
    await queue.idle();
    expect(calls).toHaveLength(1);
  });

  it('refuses unknown functions, other qualifiers and other accounts with ResourceNotFoundException', async () => {
    const { invoker, calls } = scripted(succeeded);
    const { queue } = queueWith(invoker);
    for (const target of [
      'other',
      'arn:aws:lambda:us-east-1:000000000000:function:other',
      'processor:live',
      'arn:aws:lambda:us-east-1:111111111111:function:processor',
    ]) {
      await expect(queue.invokeAsync(target, '{}'), target).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    }
    expect(calls).toEqual([]);
    for (const target of ['processor:$LATEST', `${ARN}:$LATEST`, '000000000000:function:processor']) {
      await queue.invokeAsync(target, '{}');
    }
    await queue.idle();
    expect(calls.map((call) => call.target)).toEqual([ARN, ARN, ARN]);
  });

  it('refuses a payload that is not JSON with InvalidRequestContentException', async () => {
    const { invoker, calls } = scripted(succeeded);
    const { queue } = queueWith(invoker);
    await expect(queue.invokeAsync(ARN, '{"Records": [')).rejects.toMatchObject({
      name: 'InvalidRequestContentException',
    });
    expect(calls).toEqual([]);
  });

  it('cancels waiting retries on close, and refuses new events afterwards', async () => {
    vi.useFakeTimers();
    const { invoker, calls } = scripted(failed);
    let scheduled: () => void = () => {};
    const retryScheduled = new Promise<void>((resolve) => {
      scheduled = resolve;
    });
    const { queue, lines } = queueWith(invoker, {
      retryDelaysMs: [60_000, 120_000],
      log: (line) => {
        lines.push(line);
        if (line.includes('runs again')) {
          scheduled();
        }
      },
    });
    await queue.invokeAsync(ARN, EVENT);
    await retryScheduled;
    expect(vi.getTimerCount()).toBe(1);
    await queue.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.runAllTimersAsync();
    await queue.idle();
    expect(calls).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/dropped, the local cloud stopped before its next attempt/);
    await expect(queue.invokeAsync(ARN, EVENT)).rejects.toMatchObject({ name: 'ServiceException' });
  });
});
