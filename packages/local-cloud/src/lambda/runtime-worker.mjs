// One Lambda execution environment, run by the local cloud's Lambda host (local/lambda/host.ts) in a worker
// thread. It does what the Node.js runtime does inside Lambda: patch the console, load the handler once (the
// cold start), then run one invocation at a time. It follows the runtime interface client that nodejs22.x
// runs (github.com/aws/aws-lambda-nodejs-runtime-interface-client 3.x: UserFunction.js, Runtime.js,
// CallbackContext.js, Errors.js, LogPatch.js). Plain JavaScript, so it needs no TypeScript loader.
// Messages are typed in local/lambda/worker-protocol.ts. Everything it needs comes from its own process.env,
// as in Lambda: LAMBDA_TASK_ROOT, _HANDLER, AWS_LAMBDA_FUNCTION_NAME, ...
import { format } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { loadHandler, useTaskRootModuleFormat } from './handler-loader.mjs';
import {
  NODEJS_EXIT_MESSAGE,
  NodeJsExit,
  toFormatted,
  toRapidResponse,
  UnhandledPromiseRejection,
} from './runtime-errors.mjs';
import { useRuntimeProvidedSdk } from './runtime-sdk.mjs';

const FLUSH_MARKER = '\u0000lambda-host-flushed:';
const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();

// ---- Console (LogPatch.js, text format) ---------------------------------------------------------------

// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
// Lambda's text log format: timestamp, request id (`undefined` during init), level, message. The runtime turns
// newlines into carriage returns to keep one CloudWatch event per call; here they stay newlines, because the
// host hands out lines and a carriage return would garble a terminal.
let currentRequestId;
function writeLog(level, message, ...params) {
  const line = `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${format(message, ...params)}`;
  process.stdout.write(`${line}\n`);
}
console.trace = (message, ...params) => writeLog('TRACE', message, ...params);
console.debug = (message, ...params) => writeLog('DEBUG', message, ...params);
console.info = (message, ...params) => writeLog('INFO', message, ...params);
console.log = console.info;
console.warn = (message, ...params) => writeLog('WARN', message, ...params);
console.error = (message, ...params) => writeLog('ERROR', message, ...params);
console.fatal = (message, ...params) => writeLog('FATAL', message, ...params);
const logError = (label, error) =>
  console.error(label, toFormatted(error instanceof Error ? error : new Error(error)));

// ---- Talking to the host ------------------------------------------------------------------------------

// Lambda's Max Memory Used is the peak of the whole sandbox. A thread has no process of its own, so the nearest
// measure is what its isolate holds: the V8 heap plus external memory (Buffers, streams' chunks), from V8's own
// statistics for this isolate (process.memoryUsage() would also read the process's RSS from /proc, a system call
// each time). Sampled every 10 ms while the environment works (its init, then each invocation), so a peak between
// two answers (a large file streamed through) is seen too; an idle environment, frozen in Lambda, samples nothing.
const memoryInUse = () => {
  const { used_heap_size: heapUsed, external_memory: external } = getHeapStatistics();
  return heapUsed + external;
};
let peakMemoryBytes = memoryInUse();
let sampler;
const startSampling = () => {
  sampler ??= setInterval(() => {
    peakMemoryBytes = Math.max(peakMemoryBytes, memoryInUse());
  }, 10).unref();
};
const stopSampling = () => {
  clearInterval(sampler);
  sampler = undefined;
};
const peakMemory = () => {
  peakMemoryBytes = Math.max(peakMemoryBytes, memoryInUse());
  return peakMemoryBytes;
};
startSampling();

/** Answers the current invocation; the flush markers tell the host that the invocation's output is all out. */
function answer(message) {
  beforeExitListener = () => {};
  process.stdout.write(`${FLUSH_MARKER}${message.requestId}\n`);
  process.stderr.write(`${FLUSH_MARKER}${message.requestId}\n`);
  parentPort.postMessage({ ...message, peakMemoryBytes: peakMemory() });
  stopSampling();
  // Idle again: the port keeps the thread alive until the next invocation.
  parentPort.ref();
}

function postResponse(requestId, result) {
  let payload;
  try {
    payload = JSON.stringify(result === undefined ? null : result);
  } catch {
    throw new Error('Unable to stringify response body');
  }
  answer({ type: 'response', requestId, payload: payload ?? 'null' });
}

function postError(requestId, error, fatal = false) {
  answer({ type: 'error', requestId, error: toRapidResponse(error), fatal });
}

// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html
// An uncaught exception or unhandled rejection ends the runtime: during init as an init error, during an
// invocation as that invocation's error; Lambda then starts a new environment (exit codes 129 and 128).
let errorCallbacks = {
  uncaughtException: (error) => failInit(error, 129),
  unhandledRejection: (error) => failInit(error, 128),
};
process.on('uncaughtException', (error) => {
  logError('Uncaught Exception', error);
  errorCallbacks.uncaughtException(error);
});
process.on('unhandledRejection', (reason, promise) => {
  const error = new UnhandledPromiseRejection(reason, promise);
  logError('Unhandled Promise Rejection', error);
  errorCallbacks.unhandledRejection(error);
});

// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html (callbackWaitsForEmptyEventLoop)
// The runtime settles some invocations when the event loop empties (callbackWaitsForEmptyEventLoop, a handler
// that never calls back). During an invocation the port is unref'd so that 'beforeExit' can tell.
let beforeExitListener = () => {};
process.on('beforeExit', () => beforeExitListener());

function failInit(error, exitCode) {
  parentPort.postMessage({
    type: 'init-error',
    error: toRapidResponse(error),
    peakMemoryBytes: peakMemory(),
  });
  process.exit(exitCode);
}

// ---- Init ---------------------------------------------------------------------------------------------

let handler;
let isAsync = false;
try {
  useTaskRootModuleFormat(taskRoot);
  useRuntimeProvidedSdk();
  handler = await loadHandler(taskRoot, process.env._HANDLER ?? '');
  isAsync = handler.constructor?.name === 'AsyncFunction';
} catch (error) {
  logError('Uncaught Exception', error);
  failInit(error, 129);
}
// Node.js 22 warns about callback handlers at init; Node.js 24 drops them.
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
if (
  handler.length === 3 &&
  !isAsync &&
  process.env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined
) {
  console.warn(
    'AWS Lambda plans to remove support for callback-based function handlers starting with Node.js 24. You will need to update this function to use an async handler to use Node.js 24 or later. For more information and to provide feedback on this change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. To disable this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable.',
  );
}
parentPort.postMessage({ type: 'ready', peakMemoryBytes: peakMemory() });
stopSampling();

// ---- Invocations (Runtime.js, CallbackContext.js) -----------------------------------------------------

/** The callback, and the context's callback members, each answering at most once. */
function callbackContext(requestId) {
  let isCompleteInvoked = false;
  const complete = (result) => {
    if (isCompleteInvoked) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    isCompleteInvoked = true;
    postResponse(requestId, result);
  };
  const fail = (error) => {
    logError('Invoke Error', error);
    postError(requestId, error);
  };
  let waitForEmptyEventLoop = true;
  const callback = (error, result) => {
    beforeExitListener = () => {};
    if (error !== undefined && error !== null) {
      fail(error);
    } else if (!waitForEmptyEventLoop) {
      complete(result);
    } else {
      beforeExitListener = () => setImmediate(() => complete(result));
    }
  };
  const done = (error, result) => {
    beforeExitListener = () => {};
    if (error !== undefined && error !== null) {
      fail(error);
    } else {
      complete(result);
    }
  };
  let finished = false;
  const once =
    (callable) =>
    (...args) => {
      if (!finished) {
        callable(...args);
        finished = true;
      }
    };
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: once((result) => done(null, result)),
    fail: once((error) => (error === undefined || error === null ? done('handled') : done(error, null))),
    done: once(done),
  };
  return { callback: once(callback), context, markCompleted: () => (isCompleteInvoked = true) };
}

function invoke({ requestId, event, deadlineMs, invokedFunctionArn }) {
  currentRequestId = requestId;
  startSampling();
  parentPort.unref();
  // No X-Ray header reaches the local cloud; the runtime clears the variable then.
  delete process.env._X_AMZN_TRACE_ID;
  const { callback, context, markCompleted } = callbackContext(requestId);
  errorCallbacks = {
    uncaughtException: (error) => {
      postError(requestId, error, true);
      process.exit(129);
    },
    unhandledRejection: (error) => {
      postError(requestId, error, true);
      process.exit(128);
    },
  };
  // The event loop emptied before the handler answered: an async handler's promise never settled
  // (Runtime.NodeJsExit); a sync or callback handler that never called back answers null.
  // https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-invocation-nodejs-exit
  beforeExitListener = () => {
    markCompleted();
    if (isAsync) {
      const error = new NodeJsExit(NODEJS_EXIT_MESSAGE);
      logError('Invoke Error', error);
      postError(requestId, error);
    } else {
      postResponse(requestId, null);
    }
  };
  // https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
  Object.assign(context, {
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: undefined,
    identity: undefined,
    invokedFunctionArn,
    awsRequestId: requestId,
    tenantId: undefined,
    getRemainingTimeInMillis: () => deadlineMs - Date.now(),
  });
  try {
    const result = handler(JSON.parse(event), context, callback);
    if (result && typeof result.then === 'function') {
      result.then(context.succeed, context.fail).catch(context.fail);
    }
  } catch (error) {
    callback(error);
  }
}

parentPort.on('message', (message) => {
  if (message.type === 'invoke') {
    invoke(message);
  }
});
