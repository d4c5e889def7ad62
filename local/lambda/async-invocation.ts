import { randomUUID } from 'node:crypto';
import type { AsyncInvoker, FunctionInvoker, InvokeOutcome } from './types.ts';

/** The largest event an asynchronous invocation takes. https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html */
export const MAX_ASYNC_PAYLOAD_BYTES = 1_048_576;

/** Lambda's waits before the first and the second retry of a failed asynchronous event: about 1 and 2 minutes. */
export const AWS_ASYNC_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];

/** A function's `AWS::Lambda::EventInvokeConfig`, with Lambda's defaults. */
export interface AsyncInvokeConfig {
  /** 0 to 2. @default 2 */
  readonly maximumRetryAttempts: number;
  /** 60 to 21,600. @default 21600 (6 hours) */
  readonly maximumEventAgeSeconds: number;
  /** Destination ARNs for invocation records. */
  readonly onSuccess?: string;
  readonly onFailure?: string;
}

export const DEFAULT_ASYNC_INVOKE_CONFIG: AsyncInvokeConfig = {
  maximumRetryAttempts: 2,
  maximumEventAgeSeconds: 21_600,
};

export interface AsyncInvocationQueueOptions {
  /** Runs the events: the Lambda host. */
  readonly invoker: FunctionInvoker;
  /** Sends an invocation record to an SQS destination, by queue ARN. */
  readonly sendMessage: (queueArn: string, body: string) => Promise<void>;
  /** Waits before the first retry, the second, and any later (throttle) retry. @default AWS's, 1 and 2 minutes */
  readonly retryDelaysMs?: readonly number[];
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

/** Lambda's `ResourceNotFoundException` / `RequestTooLargeException` as Invoke answers them for `Event`. */
export class AsyncInvokeError extends Error {
  constructor(
    readonly code: 'ResourceNotFoundException' | 'RequestTooLargeException' | 'ServiceException',
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = code;
  }
}

interface QueuedEvent {
  readonly requestId: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly payload: string;
  readonly queuedAt: number;
  /** Function runs so far (throttled attempts are not runs). */
  invokeCount: number;
  /** Attempts, throttled ones included: picks the next delay. */
  attempts: number;
}

/**
 * Lambda's asynchronous invocation (`InvocationType: Event`), as S3 notifications use it: each event is queued
 * and run as the host allows (events for one function run concurrently). A function error is retried
 * `maximumRetryAttempts` times; a throttle or a service error is retried without counting, until the event is
 * `maximumEventAgeSeconds` old. Then the invocation record goes to the on-failure destination, or the event is
 * dropped and logged, as Lambda discards it. https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 */
export class AsyncInvocationQueue implements AsyncInvoker {
  private readonly configs = new Map<string, AsyncInvokeConfig>();
  private readonly known = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: AsyncInvocationQueueOptions) {}

  /** Makes a function invocable asynchronously, by name; its ARN is `functionArn` (unqualified). */
  register(functionName: string, functionArn: string): void {
    this.known.set(functionName, functionArn);
  }

  /** Sets a function's asynchronous invocation settings (`PutFunctionEventInvokeConfig`). */
  configure(functionName: string, config: Partial<AsyncInvokeConfig>): void {
    this.configs.set(functionName, { ...DEFAULT_ASYNC_INVOKE_CONFIG, ...config });
  }

  /** Queues an event; resolves once it is queued (Invoke's 202), rejects as Invoke refuses a request. */
  async invokeAsync(functionNameOrArn: string, payload: string): Promise<void> {
    if (this.closed) {
      throw new AsyncInvokeError('ServiceException', 'the local cloud is stopping');
    }
    const functionName = functionNameOf(functionNameOrArn);
    const functionArn = this.known.get(functionName);
    if (!functionArn) {
      throw new AsyncInvokeError('ResourceNotFoundException', `Function not found: ${functionNameOrArn}`);
    }
    const bytes = Buffer.byteLength(payload);
    if (bytes > MAX_ASYNC_PAYLOAD_BYTES) {
      throw new AsyncInvokeError(
        'RequestTooLargeException',
        `${bytes} byte payload is too large for the Event invocation type (limit ${MAX_ASYNC_PAYLOAD_BYTES} bytes)`,
      );
    }
    const event: QueuedEvent = {
      requestId: randomUUID(),
      functionName,
      functionArn,
      payload,
      queuedAt: this.now().getTime(),
      invokeCount: 0,
      attempts: 0,
    };
    this.track(this.attempt(event));
  }

  /** Resolves when no event is running or waiting for a retry. */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.timers.size > 0) {
      await Promise.all([...this.running]);
      if (this.running.size === 0 && this.timers.size > 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  /** Cancels waiting retries (those events are dropped, as on a stopped machine) and waits for running ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    await Promise.all([...this.running]);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private config(functionName: string): AsyncInvokeConfig {
    return this.configs.get(functionName) ?? DEFAULT_ASYNC_INVOKE_CONFIG;
  }

  private track(run: Promise<void>): void {
    const tracked = run
      .catch((error: unknown) => this.log(`async invocation failed unexpectedly: ${String(error)}`))
      .finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private async attempt(event: QueuedEvent): Promise<void> {
    const config = this.config(event.functionName);
    const ageSeconds = (this.now().getTime() - event.queuedAt) / 1000;
    if (ageSeconds > config.maximumEventAgeSeconds) {
      await this.fail(event, 'EventAgeExceeded', undefined);
      return;
    }
    event.attempts++;
    const outcome = await this.options.invoker.invoke(event.functionArn, event.payload);
    if (outcome.status === 'succeeded') {
      event.invokeCount++;
      await this.succeed(event, outcome.payload);
      return;
    }
    if (outcome.status === 'rejected') {
      if (outcome.errorCode === 'TooManyRequestsException' || outcome.errorCode === 'ServiceException') {
        // Throttles and service errors do not count against the retry attempts.
        this.retryLater(event);
      } else {
        this.log(
          `${event.functionName}: event ${event.requestId} dropped, ${outcome.errorCode}: ${outcome.message}`,
        );
      }
      return;
    }
    event.invokeCount++;
    if (event.invokeCount <= config.maximumRetryAttempts) {
      this.log(
        `${event.functionName}: event ${event.requestId} failed (${outcome.errorType}), retry ${event.invokeCount} of ${config.maximumRetryAttempts}`,
      );
      this.retryLater(event);
      return;
    }
    await this.fail(event, 'RetriesExhausted', outcome);
  }

  private retryLater(event: QueuedEvent): void {
    if (this.closed) {
      return;
    }
    const delays = this.options.retryDelaysMs ?? AWS_ASYNC_RETRY_DELAYS_MS;
    const delay = delays[Math.min(event.attempts - 1, delays.length - 1)] ?? 0;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.attempt(event));
    }, delay);
    this.timers.add(timer);
  }

  private async succeed(event: QueuedEvent, responsePayload: string): Promise<void> {
    const destination = this.config(event.functionName).onSuccess;
    if (destination) {
      await this.deliver(destination, invocationRecord(event, 'Success', this.now(), responsePayload));
    }
  }

  private async fail(
    event: QueuedEvent,
    condition: 'RetriesExhausted' | 'EventAgeExceeded',
    outcome: Extract<InvokeOutcome, { status: 'function-error' }> | undefined,
  ): Promise<void> {
    const destination = this.config(event.functionName).onFailure;
    if (!destination) {
      this.log(
        `${event.functionName}: event ${event.requestId} discarded (${condition} after ${event.invokeCount} invocations); the function has no on-failure destination`,
      );
      return;
    }
    this.log(`${event.functionName}: event ${event.requestId} sent to ${destination} (${condition})`);
    await this.deliver(
      destination,
      invocationRecord(event, condition, this.now(), outcome?.payload, outcome),
    );
  }

  private async deliver(destination: string, record: object): Promise<void> {
    if (!destination.startsWith('arn:aws:sqs:')) {
      this.log(
        `destination ${destination} is not emulated yet (SQS destinations are); the invocation record is lost`,
      );
      return;
    }
    await this.options.sendMessage(destination, JSON.stringify(record));
  }
}

/** The function name in a name, a `name:qualifier`, a partial ARN or an ARN. */
function functionNameOf(nameOrArn: string): string {
  const match = /(?:^|:function:)([A-Za-z0-9_-]+)(?::[^:]+)?$/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn;
}

/**
 * The record an asynchronous invocation's destination receives.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
export function invocationRecord(
  event: Pick<QueuedEvent, 'requestId' | 'functionArn' | 'payload' | 'invokeCount'>,
  condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded',
  timestamp: Date,
  responsePayload: string | undefined,
  functionError?: Extract<InvokeOutcome, { status: 'function-error' }>,
): object {
  return {
    version: '1.0',
    timestamp: timestamp.toISOString(),
    requestContext: {
      requestId: event.requestId,
      functionArn: `${event.functionArn}:$LATEST`,
      condition,
      approximateInvokeCount: event.invokeCount,
    },
    requestPayload: parsedOrText(event.payload),
    ...(responsePayload === undefined
      ? {}
      : {
          responseContext: {
            statusCode: 200,
            executedVersion: '$LATEST',
            ...(functionError ? { functionError: 'Unhandled' } : {}),
          },
          responsePayload: parsedOrText(responsePayload),
        }),
  };
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
