import { randomUUID } from 'node:crypto';
import { MAX_ASYNC_PAYLOAD_BYTES } from './limits.ts';
import type { AsyncInvoker, FunctionInvoker, InvokeOutcome } from './types.ts';

/**
 * Lambda's waits before the first and the second retry of a function error: one minute, then two.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
export const AWS_ASYNC_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];

/** Lambda's backoff for throttles and service errors: from 1 second, doubling, to at most 5 minutes (same page). */
export const AWS_ASYNC_THROTTLE_BACKOFF_MS: ThrottleBackoff = { firstMs: 1_000, maxMs: 300_000 };

export interface ThrottleBackoff {
  /** Wait after the first throttle of an event, in milliseconds. */
  readonly firstMs: number;
  /** Longest wait, in milliseconds. */
  readonly maxMs: number;
}

/** A function's asynchronous invocation settings (`AWS::Lambda::EventInvokeConfig`), with Lambda's defaults. */
export interface AsyncInvokeConfig {
  /** Retries after a function error, 0 to 2. @default 2 */
  readonly maximumRetryAttempts: number;
  /** How long an event may wait in the queue, 60 to 21,600 seconds. @default 21600 (6 hours) */
  readonly maximumEventAgeSeconds: number;
  /** Where the record of a successful invocation goes (an ARN). */
  readonly onSuccess?: string;
  /** Where the record of an event that failed every attempt or expired goes (an ARN). */
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
  /** Waits before the first retry of a function error, the second, and so on. @default AWS's, 1 and 2 minutes */
  readonly retryDelaysMs?: readonly number[];
  /** Waits after throttles and service errors. @default AWS's, 1 second doubling to 5 minutes */
  readonly throttleBackoffMs?: ThrottleBackoff;
  readonly log?: (line: string) => void;
  /** The clock that dates events and records. @default the system clock */
  readonly now?: () => Date;
}

/** The error codes Invoke answers for an `Event` request it refuses; the error's `name` is the code. */
export type AsyncInvokeErrorCode =
  | 'ResourceNotFoundException'
  | 'RequestTooLargeException'
  | 'InvalidRequestContentException'
  | 'ServiceException';

/** Invoke's refusal of an asynchronous request, before anything is queued. */
export class AsyncInvokeError extends Error {
  constructor(
    readonly code: AsyncInvokeErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = code;
  }
}

/** Why a record goes to a destination. */
export type InvocationCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

/**
 * What a destination receives about an asynchronous invocation.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
export interface InvocationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    /** The function's ARN qualified with the version that ran: `...:function:name:$LATEST`. */
    readonly functionArn: string;
    readonly condition: InvocationCondition;
    /** Times the function ran for this event; throttled attempts are not runs. */
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  /** Present once the function ran: after a success, or with the last function error. */
  readonly responseContext?: {
    readonly statusCode: 200;
    readonly executedVersion: '$LATEST';
    readonly functionError?: 'Unhandled';
  };
  readonly responsePayload?: unknown;
}

type FunctionError = Extract<InvokeOutcome, { status: 'function-error' }>;

interface QueuedEvent {
  readonly requestId: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly payload: string;
  readonly queuedAtMs: number;
  /** Times the function ran. */
  runs: number;
  /** Throttles and service errors so far: picks the next backoff. */
  throttles: number;
  lastError?: FunctionError;
}

/** Throttles and Lambda's own failures go back to the queue without using up a retry. */
const REQUEUED_ERRORS: ReadonlySet<string> = new Set(['TooManyRequestsException', 'ServiceException']);

/**
 * Lambda's asynchronous invocation (`InvocationType: Event`), as S3 notifications use it: each event is queued and
 * run as the host allows (events for one function run concurrently). A function error is retried
 * `maximumRetryAttempts` times; a throttle or a service error is retried with backoff, without counting, until the
 * event is `maximumEventAgeSeconds` old. Then the invocation record goes to the on-failure destination, or the event
 * is dropped and logged, as Lambda discards it. https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 *
 * Functions are known by `register(name, arn)`, which the local cloud calls beside `LambdaHost.register`.
 */
export class AsyncInvocationQueue implements AsyncInvoker {
  private readonly configs = new Map<string, AsyncInvokeConfig>();
  private readonly arnsByName = new Map<string, string>();
  /** Events waiting for a retry, by their timer. */
  private readonly waiting = new Map<NodeJS.Timeout, QueuedEvent>();
  private readonly running = new Set<Promise<void>>();
  private readonly idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: AsyncInvocationQueueOptions) {}

  /** Makes a function invocable asynchronously by its name or ARN; `functionArn` is unqualified. */
  register(functionName: string, functionArn: string): void {
    this.arnsByName.set(functionName, functionArn);
  }

  /**
   * Forgets a function and its settings, as DeleteFunction does: later events for it are refused; events already
   * queued fail their next attempt as for a function that does not exist.
   */
  unregister(functionName: string): void {
    this.arnsByName.delete(functionName);
    this.configs.delete(functionName);
  }

  /** Sets a function's settings, replacing earlier ones, as `PutFunctionEventInvokeConfig` does. */
  configure(functionName: string, config: Partial<AsyncInvokeConfig>): void {
    this.configs.set(functionName, { ...DEFAULT_ASYNC_INVOKE_CONFIG, ...config });
  }

  /** Queues an event; resolves once it is queued (Invoke's 202), rejects as Invoke refuses a request. */
  async invokeAsync(functionNameOrArn: string, payload: string): Promise<void> {
    if (this.closed) {
      throw new AsyncInvokeError('ServiceException', 'the local cloud is stopping');
    }
    const target = this.resolve(functionNameOrArn);
    if (!target) {
      throw new AsyncInvokeError('ResourceNotFoundException', `Function not found: ${functionNameOrArn}`);
    }
    // Invoke's request errors: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
    const bytes = Buffer.byteLength(payload);
    if (bytes > MAX_ASYNC_PAYLOAD_BYTES) {
      throw new AsyncInvokeError(
        'RequestTooLargeException',
        `${bytes} byte payload is too large for the Event invocation type (limit ${MAX_ASYNC_PAYLOAD_BYTES} bytes)`,
      );
    }
    const event = payload === '' ? '{}' : payload;
    try {
      JSON.parse(event);
    } catch (error) {
      throw new AsyncInvokeError(
        'InvalidRequestContentException',
        `Could not parse request body into json: ${(error as Error).message}`,
      );
    }
    this.track(
      this.attempt({
        requestId: randomUUID(),
        ...target,
        payload: event,
        queuedAtMs: this.now().getTime(),
        runs: 0,
        throttles: 0,
      }),
    );
  }

  /** Resolves when no event is running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.waiting.size === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops the events waiting for a retry (and says so), refuses new ones, and waits for running ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [timer, event] of this.waiting) {
      clearTimeout(timer);
      this.dropOnClose(event);
    }
    this.waiting.clear();
    this.settle();
    await Promise.all([...this.running]);
  }

  private resolve(functionNameOrArn: string): { functionName: string; functionArn: string } | undefined {
    // A name, `name:qualifier`, a partial ARN (`account:function:name`) or an ARN, qualified or not.
    const match = /^((?:arn:[^:]+:lambda:[^:]+:)?(?:\d{12}:function:)?([^:]+))(?::([^:]+))?$/.exec(
      functionNameOrArn,
    );
    const [, unqualified = '', functionName = '', qualifier] = match ?? [];
    const functionArn = this.arnsByName.get(functionName);
    // The local cloud publishes no versions or aliases: only $LATEST exists.
    if (!functionArn || (qualifier !== undefined && qualifier !== '$LATEST')) {
      return undefined;
    }
    if (unqualified.includes(':function:') && !functionArn.endsWith(unqualified)) {
      return undefined;
    }
    return { functionName, functionArn };
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private config(functionName: string): AsyncInvokeConfig {
    return this.configs.get(functionName) ?? DEFAULT_ASYNC_INVOKE_CONFIG;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private track(run: Promise<void>): void {
    const tracked: Promise<void> = run
      .catch((error: unknown) => this.log(`asynchronous invocation failed unexpectedly: ${String(error)}`))
      .finally(() => {
        this.running.delete(tracked);
        this.settle();
      });
    this.running.add(tracked);
  }

  private settle(): void {
    if (this.running.size === 0 && this.waiting.size === 0) {
      for (const resolve of this.idleWaiters.splice(0)) {
        resolve();
      }
    }
  }

  private msUntilExpiry(event: QueuedEvent): number {
    const maxAgeMs = this.config(event.functionName).maximumEventAgeSeconds * 1000;
    return event.queuedAtMs + maxAgeMs - this.now().getTime();
  }

  private async attempt(event: QueuedEvent): Promise<void> {
    if (this.msUntilExpiry(event) <= 0) {
      await this.fail(event, 'EventAgeExceeded');
      return;
    }
    const outcome = await this.options.invoker.invoke(event.functionArn, event.payload);
    if (outcome.status === 'succeeded') {
      event.runs++;
      await this.succeed(event, outcome.payload);
      return;
    }
    if (outcome.status === 'rejected') {
      if (REQUEUED_ERRORS.has(outcome.errorCode)) {
        event.throttles++;
        this.retryLater(event, this.throttleDelayMs(event.throttles), outcome.errorCode);
      } else {
        this.log(
          `${event.functionName}: event ${event.requestId} dropped, ${outcome.errorCode}: ${outcome.message}`,
        );
      }
      return;
    }
    event.runs++;
    event.lastError = outcome;
    const { maximumRetryAttempts } = this.config(event.functionName);
    if (event.runs > maximumRetryAttempts) {
      await this.fail(event, 'RetriesExhausted');
      return;
    }
    this.retryLater(
      event,
      this.retryDelayMs(event.runs),
      `${outcome.errorType}, retry ${event.runs} of ${maximumRetryAttempts}`,
    );
  }

  /** The wait before retry `retry` (1-based) of a function error. */
  private retryDelayMs(retry: number): number {
    const delays = this.options.retryDelaysMs ?? AWS_ASYNC_RETRY_DELAYS_MS;
    return delays[Math.min(retry, delays.length) - 1] ?? 0;
  }

  private throttleDelayMs(throttles: number): number {
    const { firstMs, maxMs } = this.options.throttleBackoffMs ?? AWS_ASYNC_THROTTLE_BACKOFF_MS;
    return Math.min(firstMs * 2 ** (throttles - 1), maxMs);
  }

  /** Puts the event back in the queue for `delayMs`; one that would outlive its maximum age expires then instead. */
  private retryLater(event: QueuedEvent, delayMs: number, reason: string): void {
    if (this.closed) {
      this.dropOnClose(event);
      return;
    }
    const untilExpiryMs = this.msUntilExpiry(event);
    const expires = untilExpiryMs <= delayMs;
    this.log(
      `${event.functionName}: event ${event.requestId} (${reason}) ${expires ? 'expires' : 'runs again'} in ${Math.max(0, Math.min(delayMs, untilExpiryMs))} ms`,
    );
    const timer = setTimeout(
      () => {
        this.waiting.delete(timer);
        this.track(expires ? this.fail(event, 'EventAgeExceeded') : this.attempt(event));
      },
      Math.max(0, Math.min(delayMs, untilExpiryMs)),
    );
    this.waiting.set(timer, event);
  }

  private dropOnClose(event: QueuedEvent): void {
    this.log(
      `${event.functionName}: event ${event.requestId} dropped, the local cloud stopped before its next attempt`,
    );
  }

  private async succeed(event: QueuedEvent, responsePayload: string): Promise<void> {
    const destination = this.config(event.functionName).onSuccess;
    if (destination) {
      await this.deliver(event, destination, {
        ...this.recordHead(event, 'Success'),
        responseContext: { statusCode: 200, executedVersion: '$LATEST' },
        responsePayload: parsedOrText(responsePayload),
      });
    }
  }

  private async fail(event: QueuedEvent, condition: 'RetriesExhausted' | 'EventAgeExceeded'): Promise<void> {
    const destination = this.config(event.functionName).onFailure;
    if (!destination) {
      this.log(
        `${event.functionName}: event ${event.requestId} discarded (${condition} after ${event.runs} invocations); the function has no on-failure destination`,
      );
      return;
    }
    const { lastError } = event;
    await this.deliver(event, destination, {
      ...this.recordHead(event, condition),
      ...(lastError
        ? {
            responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
            responsePayload: parsedOrText(lastError.payload),
          }
        : {}),
    });
  }

  private recordHead(
    event: QueuedEvent,
    condition: InvocationCondition,
  ): Pick<InvocationRecord, 'version' | 'timestamp' | 'requestContext' | 'requestPayload'> {
    return {
      version: '1.0',
      timestamp: this.now().toISOString(),
      requestContext: {
        requestId: event.requestId,
        functionArn: `${event.functionArn}:$LATEST`,
        condition,
        approximateInvokeCount: event.runs,
      },
      requestPayload: parsedOrText(event.payload),
    };
  }

  private async deliver(event: QueuedEvent, destination: string, record: InvocationRecord): Promise<void> {
    const { condition } = record.requestContext;
    const [, , service = '', , , resource = ''] = destination.split(':');
    if (service !== 'sqs') {
      this.log(
        `${event.functionName}: ${DESTINATION_KINDS[service] ?? service} destinations are not emulated yet (SQS queues are); the ${condition} record of event ${event.requestId} for ${destination} is dropped`,
      );
      return;
    }
    // Lambda takes standard queues only: a FIFO destination fails delivery (DestinationDeliveryFailures).
    if (resource.endsWith('.fifo')) {
      this.log(
        `${event.functionName}: ${destination} is a FIFO queue, which Lambda cannot deliver to; the ${condition} record of event ${event.requestId} is dropped`,
      );
      return;
    }
    try {
      await this.options.sendMessage(destination, JSON.stringify(record));
      this.log(`${event.functionName}: event ${event.requestId} ${condition}, record sent to ${destination}`);
    } catch (error) {
      // Lambda counts a failed delivery in DestinationDeliveryFailures and the record is lost.
      this.log(
        `${event.functionName}: the ${condition} record of event ${event.requestId} could not be sent to ${destination}: ${String(error)}`,
      );
    }
  }
}

/** Destination services other than SQS, by the service part of their ARN. */
const DESTINATION_KINDS: Readonly<Record<string, string>> = {
  sns: 'SNS topic',
  lambda: 'Lambda function',
  events: 'EventBridge event bus',
  s3: 'S3 bucket',
};

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
