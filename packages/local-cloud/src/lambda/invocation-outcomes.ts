import type { InvocationResult } from './execution-environment.ts';
import type { FaultPoint } from './fault-injection.ts';
import { MAX_SYNC_RESPONSE_BYTES } from './limits.ts';
import type { FunctionConfig, InvokeOutcome } from './types.ts';
import type { RuntimeErrorPayload } from './worker-protocol.ts';

const BYTES_PER_MB = 1_048_576;

/** How one invocation ended, for the caller and for the REPORT line. */
export interface Ending {
  readonly outcome: InvokeOutcome;
  /** REPORT's `Status: ...` suffix, when not a success. */
  readonly status?: string;
  /** Lines Lambda logs before END for this kind of ending. */
  readonly platformLines?: readonly string[];
}

/** How an invocation that ran ended: the caller's outcome, and what the REPORT line says. */
export function endingOf(
  config: FunctionConfig,
  requestId: string,
  result: InvocationResult,
  durationMs: number,
): Ending {
  switch (result.kind) {
    case 'response':
      if (Buffer.byteLength(result.payload) > MAX_SYNC_RESPONSE_BYTES) {
        return {
          outcome: functionError(
            { errorMessage: responseTooLargeMessage(), errorType: 'Function.ResponseSizeTooLarge' },
            durationMs,
          ),
        };
      }
      return { outcome: { status: 'succeeded', payload: result.payload, durationMs } };
    case 'error':
      return { outcome: functionError(result.error, durationMs) };
    case 'timeout': {
      const error = sandboxTimeout(requestId, config.timeoutSeconds);
      return {
        outcome: functionError(error, durationMs),
        status: 'timeout',
        platformLines: [`${new Date().toISOString()} ${requestId} ${timedOutMessage(config.timeoutSeconds)}`],
      };
    }
    case 'exit': {
      const error = runtimeExit(requestId, result.exitCode, result.outOfMemory);
      return {
        outcome: functionError(error, durationMs),
        status: `error\tError Type: ${error.errorType}`,
        platformLines: [error.errorMessage, error.errorType],
      };
    }
  }
}

// https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
function timedOutMessage(timeoutSeconds: number): string {
  return `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

export function sandboxTimeout(requestId: string, timeoutSeconds: number): RuntimeErrorPayload {
  return {
    errorType: 'Sandbox.Timedout',
    errorMessage: `RequestId: ${requestId} Error: ${timedOutMessage(timeoutSeconds)}`,
  };
}

export function functionError(error: RuntimeErrorPayload, durationMs: number): InvokeOutcome {
  return { status: 'function-error', errorType: error.errorType, payload: JSON.stringify(error), durationMs };
}

/** An injected error, shaped as a handler's uncaught exception; the environment stays warm, as it would. */
export function injectedError(at: FaultPoint): InvocationResult {
  return {
    kind: 'error',
    fatal: false,
    error: {
      errorType: 'InjectedFault',
      errorMessage: `Injected fault: the invocation failed ${at === 'before' ? 'before the handler ran' : 'after the handler returned'}`,
    },
  };
}

export function notFound(functionArn: string): InvokeOutcome {
  return {
    status: 'rejected',
    errorCode: 'ResourceNotFoundException',
    message: `Function not found: ${functionArn}`,
  };
}

export function closedOutcome(): InvokeOutcome {
  return {
    status: 'rejected',
    errorCode: 'ServiceException',
    message: 'The local Lambda host was closed before the invocation could finish.',
  };
}

function responseTooLargeMessage(): string {
  return `Response payload size exceeded maximum allowed payload size (${MAX_SYNC_RESPONSE_BYTES} bytes).`;
}

/**
 * Lambda's error when the runtime process ends mid-invocation; out of memory, the kernel kills it.
 * https://repost.aws/knowledge-center/lambda-runtime-error
 */
export function runtimeExit(requestId: string, exitCode: number, outOfMemory: boolean): RuntimeErrorPayload {
  return outOfMemory
    ? {
        errorType: 'Runtime.OutOfMemory',
        errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
      }
    : {
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status ${exitCode}`,
      };
}

/**
 * Lambda's REPORT line. https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
 * Billed Duration includes the init phase, billed since August 2025:
 * https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/
 * Max Memory Used is approximated by the worker's peak heap, sampled at each answer: Lambda measures the whole
 * sandbox, runtime included, so its figure is higher.
 */
export function reportLine(
  requestId: string,
  config: FunctionConfig,
  durationMs: number,
  maxMemoryUsedBytes: number,
  initDurationMs: number | undefined,
  status: string | undefined,
): string {
  const fields = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.ceil(durationMs + (initDurationMs ?? 0))} ms`,
    `Memory Size: ${config.memorySizeMb} MB`,
    `Max Memory Used: ${Math.ceil(maxMemoryUsedBytes / BYTES_PER_MB)} MB`,
  ];
  if (initDurationMs !== undefined) {
    fields.push(`Init Duration: ${initDurationMs.toFixed(2)} ms`);
  }
  if (status !== undefined) {
    fields.push(`Status: ${status}`);
  }
  return fields.join('\t');
}
