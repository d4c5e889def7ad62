import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FunctionConfig, FunctionInvoker, InvokeOutcome } from './types.ts';

/** Synchronous invocation payload limit, request and response: 6 MB. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;

const WORKER_SCRIPT = path.join(import.meta.dirname, 'runtime-worker.mjs');

export interface LambdaHostOptions {
  /** Added to every function's environment: emulator endpoints (`AWS_ENDPOINT_URL_<SERVICE>`) and credentials. */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  readonly region: string;
  readonly accountId: string;
  /** Each line a function prints, and the runtime's START / END / REPORT lines. */
  readonly onLog?: (functionName: string, line: string) => void;
  /**
   * Concurrent executions of a function without reserved concurrency; more invocations wait for a free one.
   * A laptop-sized stand-in for the account's concurrency, where AWS would scale out instead. @default 10
   */
  readonly maxConcurrencyPerFunction?: number;
}

/** How an invocation ended, as the host sees it. */
type InvocationEnd =
  | Exclude<WorkerReply, { type: 'ready' }>
  | { type: 'timeout' }
  | { type: 'crash'; message: string };

type WorkerReply =
  | { type: 'ready'; initDurationMs: number }
  | { type: 'result'; requestId: string; payload: string }
  | { type: 'error'; requestId: string; error: { errorType: string; errorMessage: string; trace: string[] } };

/** One execution environment: a worker thread that ran the function's init once and now serves invocations. */
interface ExecutionEnvironment {
  readonly worker: Worker;
  readonly logStreamName: string;
  /** Set on the first invocation after a cold start, for its REPORT line. */
  initDurationMs?: number;
}

interface FunctionState {
  readonly config: FunctionConfig;
  readonly environment: Record<string, string>;
  readonly idle: ExecutionEnvironment[];
  busy: number;
  /** Invocations waiting for an execution environment, oldest first. */
  readonly waiting: Array<() => void>;
}

/**
 * Runs Lambda functions locally: each execution environment a worker thread with its own `process.env`, one
 * invocation at a time, reused while warm, replaced after a timeout or crash, with Lambda's limits.
 */
export class LambdaHost implements FunctionInvoker {
  private readonly functions = new Map<string, FunctionState>();
  private readonly workers = new Set<Worker>();
  private closed = false;

  constructor(private readonly options: LambdaHostOptions) {}

  /** Makes a function invocable by its name and ARN. */
  register(config: FunctionConfig): void {
    const logGroupName = `/aws/lambda/${config.functionName}`;
    // Lambda's reserved variables win over the template's; the emulator endpoints come in between.
    // https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
    const environment: Record<string, string> = {
      ...config.environment,
      ...this.options.baseEnvironment,
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_LAMBDA_FUNCTION_NAME: config.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySizeMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: logGroupName,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: `AWS_Lambda_${config.runtime}`,
      LAMBDA_TASK_ROOT: config.codeDirectory,
      LAMBDA_RUNTIME_DIR: path.dirname(WORKER_SCRIPT),
      _HANDLER: config.handler,
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    };
    this.functions.set(config.functionName, { config, environment, idle: [], busy: 0, waiting: [] });
  }

  async invoke(functionNameOrArn: string, payload: string): Promise<InvokeOutcome> {
    const state = this.functions.get(functionNameOf(functionNameOrArn));
    if (!state || this.closed) {
      return {
        status: 'rejected',
        errorCode: 'ResourceNotFoundException',
        message: `Function not found: ${functionNameOrArn}`,
      };
    }
    const requestBytes = Buffer.byteLength(payload);
    if (requestBytes > MAX_SYNC_PAYLOAD_BYTES) {
      return {
        status: 'rejected',
        errorCode: 'RequestTooLargeException',
        message: `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
      };
    }
    const { reservedConcurrency } = state.config;
    if (reservedConcurrency !== undefined) {
      // Reserved concurrency is a hard cap: Lambda throttles the invocation past it.
      if (state.busy >= reservedConcurrency) {
        return { status: 'rejected', errorCode: 'TooManyRequestsException', message: 'Rate Exceeded.' };
      }
    } else {
      while (state.busy >= (this.options.maxConcurrencyPerFunction ?? 10)) {
        await new Promise<void>((resolve) => state.waiting.push(resolve));
      }
    }
    state.busy++;
    try {
      return await this.run(state, payload);
    } finally {
      state.busy--;
      state.waiting.shift()?.();
    }
  }

  /** Stops every execution environment; later invocations answer ResourceNotFoundException. */
  async close(): Promise<void> {
    this.closed = true;
    for (const state of this.functions.values()) {
      state.idle.length = 0;
      for (const wake of state.waiting.splice(0)) {
        wake();
      }
    }
    await Promise.all([...this.workers].map((worker) => worker.terminate()));
    this.workers.clear();
  }

  private async run(state: FunctionState, payload: string): Promise<InvokeOutcome> {
    const { config } = state;
    const requestId = randomUUID();
    const log = (line: string): void => this.options.onLog?.(config.functionName, line);
    const environment = state.idle.pop() ?? (await this.coldStart(state));
    const initDurationMs = environment.initDurationMs;
    environment.initDurationMs = undefined;
    log(`START RequestId: ${requestId} Version: $LATEST`);

    const started = performance.now();
    const timeoutMs = config.timeoutSeconds * 1000;
    const reply = await new Promise<InvocationEnd>((resolve) => {
      const { worker } = environment;
      const timer = setTimeout(() => resolve({ type: 'timeout' }), timeoutMs);
      const onMessage = (message: WorkerReply): void => {
        if (message.type !== 'ready' && message.requestId === requestId) {
          finish(message);
        }
      };
      const onError = (error: Error): void =>
        finish({ type: 'crash', message: `${error.name}: ${error.message}` });
      const onExit = (code: number): void => finish({ type: 'crash', message: `exit status ${code}` });
      const finish = (result: InvocationEnd): void => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        resolve(result);
      };
      worker.on('message', onMessage).once('error', onError).once('exit', onExit);
      worker.postMessage({
        type: 'invoke',
        requestId,
        payload,
        deadline: Date.now() + timeoutMs,
        invokedFunctionArn: config.functionArn,
        logGroupName: `/aws/lambda/${config.functionName}`,
        logStreamName: environment.logStreamName,
      });
    });
    const durationMs = performance.now() - started;

    let outcome: InvokeOutcome;
    if (reply.type === 'result') {
      state.idle.push(environment);
      outcome =
        Buffer.byteLength(reply.payload) > MAX_SYNC_PAYLOAD_BYTES
          ? functionError(
              'Function.ResponseSizeTooLarge',
              `Response payload size exceeded maximum allowed payload size (${MAX_SYNC_PAYLOAD_BYTES} bytes).`,
              durationMs,
            )
          : { status: 'succeeded', payload: reply.payload, durationMs };
    } else if (reply.type === 'error') {
      // A thrown error leaves the environment usable, as in Lambda.
      state.idle.push(environment);
      outcome = {
        status: 'function-error',
        errorType: reply.error.errorType,
        payload: JSON.stringify(reply.error),
        durationMs,
      };
    } else {
      // After a timeout or a crash Lambda discards the environment; the next invocation starts cold.
      void this.discard(environment);
      outcome =
        reply.type === 'timeout'
          ? functionError(
              'Sandbox.Timedout',
              `RequestId: ${requestId} Error: Task timed out after ${config.timeoutSeconds.toFixed(2)} seconds`,
              durationMs,
            )
          : functionError(
              'Runtime.ExitError',
              `RequestId: ${requestId} Error: Runtime exited with ${reply.message}`,
              durationMs,
            );
    }
    log(`END RequestId: ${requestId}`);
    const heapMb = Math.round(process.memoryUsage().heapUsed / 1_048_576);
    log(
      `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(durationMs)} ms\t` +
        `Memory Size: ${config.memorySizeMb} MB\tMax Memory Used: ${heapMb} MB` +
        (initDurationMs === undefined ? '' : `\tInit Duration: ${initDurationMs.toFixed(2)} ms`),
    );
    return outcome;
  }

  private async coldStart(state: FunctionState): Promise<ExecutionEnvironment> {
    const { config } = state;
    const worker = new Worker(WORKER_SCRIPT, {
      env: state.environment,
      stdout: true,
      stderr: true,
      workerData: {
        codeDirectory: config.codeDirectory,
        handler: config.handler,
        functionName: config.functionName,
        memorySizeMb: config.memorySizeMb,
        enableSourceMaps: (config.environment.NODE_OPTIONS ?? '').includes('--enable-source-maps'),
      },
      // The function's memory setting bounds its heap, the closest a thread gets to Lambda's memory limit.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(config.memorySizeMb, 64) },
    });
    this.workers.add(worker);
    // A crash outside an invocation (a stray timer throwing) must not take the host down: drop the environment.
    worker.on('error', (error) =>
      this.options.onLog?.(config.functionName, `Runtime crashed: ${error.message}`),
    );
    worker.once('exit', () => {
      this.workers.delete(worker);
      const index = state.idle.findIndex((environment) => environment.worker === worker);
      if (index >= 0) {
        state.idle.splice(index, 1);
      }
    });
    for (const stream of [worker.stdout, worker.stderr]) {
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          this.options.onLog?.(config.functionName, line);
        }
      });
    }
    const initDurationMs = await new Promise<number>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      worker.once('error', onError);
      worker.once('message', (message: WorkerReply) => {
        worker.off('error', onError);
        resolve(message.type === 'ready' ? message.initDurationMs : 0);
      });
    });
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    return { worker, logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`, initDurationMs };
  }

  private async discard(environment: ExecutionEnvironment): Promise<void> {
    this.workers.delete(environment.worker);
    await environment.worker.terminate();
  }
}

/** The function name in a name, a full ARN, or an ARN with a version or alias qualifier. */
function functionNameOf(nameOrArn: string): string {
  const arn = /^arn:[^:]+:lambda:[^:]+:\d+:function:([^:]+)(?::.+)?$/.exec(nameOrArn);
  return arn?.[1] ?? nameOrArn;
}

function functionError(errorType: string, errorMessage: string, durationMs: number): InvokeOutcome {
  return {
    status: 'function-error',
    errorType,
    payload: JSON.stringify({ errorType, errorMessage }),
    durationMs,
  };
}
