// The messages between the Lambda host and each execution environment (local/lambda/runtime-worker.mjs).
// The worker is plain JavaScript; these types are the contract it follows.

/** An error as the Node.js runtime reports it to Lambda: `errorType`, `errorMessage`, `trace` (stack lines). */
export interface RuntimeErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** Host to worker: run one invocation. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly requestId: string;
  /** The request payload, JSON. */
  readonly event: string;
  /** Epoch milliseconds at which the invocation times out (`context.getRemainingTimeInMillis()`). */
  readonly deadlineMs: number;
  /** The ARN the caller used, qualifier included. */
  readonly invokedFunctionArn: string;
}

/** Worker to host. */
export type WorkerMessage =
  /** The handler was loaded: the cold start's init phase is over. */
  | { readonly type: 'ready'; readonly peakMemoryBytes: number }
  /** Loading the handler failed (or code run at init crashed); the worker exits after this message. */
  | { readonly type: 'init-error'; readonly error: RuntimeErrorPayload; readonly peakMemoryBytes: number }
  /** The invocation succeeded; `payload` is the result as JSON. */
  | {
      readonly type: 'response';
      readonly requestId: string;
      readonly payload: string;
      readonly peakMemoryBytes: number;
    }
  /**
   * The invocation failed with `error`. `fatal` when the runtime is going down with it (an uncaught exception
   * or unhandled rejection): the environment must not be reused.
   */
  | {
      readonly type: 'error';
      readonly requestId: string;
      readonly error: RuntimeErrorPayload;
      readonly fatal: boolean;
      readonly peakMemoryBytes: number;
    };

/**
 * Written by the worker to stdout and stderr, followed by the request id and a newline, once an invocation is
 * answered: everything the invocation printed comes before it, so the host can log END after the function's lines.
 */
export const FLUSH_MARKER = '\u0000lambda-host-flushed:';
