import { Worker } from 'node:worker_threads';
import { RUNTIME_WORKER, refusedExecArgv } from './runtime-environment.ts';
import {
  FLUSH_MARKER,
  type InvokeMessage,
  type RuntimeErrorPayload,
  type WorkerMessage,
} from './worker-protocol.ts';

/** How a worker went away: its exit code, and whether it ran out of heap. */
export interface WorkerExit {
  readonly exitCode: number;
  readonly outOfMemory: boolean;
}

/** How the init phase (loading the handler) ended. */
export type InitResult =
  | { readonly kind: 'ready'; readonly initDurationMs: number }
  | { readonly kind: 'init-error'; readonly initDurationMs: number; readonly error: RuntimeErrorPayload }
  | { readonly kind: 'timeout'; readonly initDurationMs: number }
  | ({ readonly kind: 'exit'; readonly initDurationMs: number } & WorkerExit);

/** How one invocation ended. */
export type InvocationResult =
  | { readonly kind: 'response'; readonly payload: string }
  | { readonly kind: 'error'; readonly error: RuntimeErrorPayload; readonly fatal: boolean }
  | { readonly kind: 'timeout' }
  | ({ readonly kind: 'exit' } & WorkerExit);

export interface ExecutionEnvironmentOptions {
  /** The worker's whole `process.env`. */
  readonly environment: Readonly<Record<string, string>>;
  /** Node flags for the worker; those Node refuses in a worker are dropped (see `execArgv`). */
  readonly execArgv: readonly string[];
  readonly memorySizeMb: number;
  /** Each line the function writes to stdout or stderr. */
  readonly onLine: (line: string) => void;
}

/** How long the host waits for a live worker's output after its answer, before logging END anyway. */
const OUTPUT_FLUSH_LIMIT_MS = 1_000;

/**
 * One Lambda execution environment: a worker thread with its own `process.env`, which runs the function's init
 * once, then one invocation at a time. The pool and Lambda's rules live in the host.
 */
export class ExecutionEnvironment {
  /** The flags the worker accepted. */
  readonly execArgv: readonly string[];
  /** The flags Node refused in a worker, dropped. */
  readonly refusedExecArgv: readonly string[];
  /** Resolves when the worker has exited, for whatever reason. */
  readonly exited: Promise<WorkerExit>;
  /** The highest memory use (JavaScript heap plus buffers) any answer reported, in bytes. */
  maxMemoryUsedBytes = 0;

  private readonly worker: Worker;
  private readonly createdAt = performance.now();
  private exit: WorkerExit | undefined;
  private outOfMemory = false;
  private readonly streams: OutputStream[];

  constructor(options: ExecutionEnvironmentOptions) {
    const refused: string[] = [];
    let execArgv = [...options.execArgv];
    this.worker = startWorker(options, execArgv, (flags) => {
      refused.push(...flags);
      execArgv = execArgv.filter((flag) => !flags.includes(flag));
      return execArgv;
    });
    this.execArgv = execArgv;
    this.refusedExecArgv = refused;
    this.streams = [
      new OutputStream(this.worker.stdout, options.onLine),
      new OutputStream(this.worker.stderr, options.onLine),
    ];
    this.worker.on('error', (error: NodeJS.ErrnoException) => {
      // An error the runtime did not catch: only the thread's own failures get here, like running out of heap.
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        this.outOfMemory = true;
        this.maxMemoryUsedBytes = options.memorySizeMb * 1_048_576;
      } else {
        options.onLine(`Runtime failure: ${error.stack ?? error.message}`);
      }
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (exitCode) => {
        this.exit = { exitCode, outOfMemory: this.outOfMemory };
        resolve(this.exit);
      }),
    );
  }

  get isAlive(): boolean {
    return this.exit === undefined;
  }

  /**
   * Waits for the init phase, at most `limitMs`; past it the environment is stopped. Call it right after
   * construction. The init duration runs from the worker's creation: runtime start-up plus the function's init.
   */
  async initialized(limitMs: number): Promise<InitResult> {
    const result = await this.nextMessage(limitMs, (message) =>
      message.type === 'ready' || message.type === 'init-error' ? message : undefined,
    );
    const initDurationMs = performance.now() - this.createdAt;
    if (result === 'timeout') {
      return { kind: 'timeout', initDurationMs };
    }
    if ('exitCode' in result) {
      return { kind: 'exit', initDurationMs, ...result };
    }
    this.noteMemory(result.peakMemoryBytes);
    return result.type === 'ready'
      ? { kind: 'ready', initDurationMs }
      : { kind: 'init-error', initDurationMs, error: result.error };
  }

  /** Runs one invocation; past `timeoutMs` the environment is stopped, as Lambda stops a timed-out one. */
  async invoke(message: InvokeMessage, timeoutMs: number): Promise<InvocationResult> {
    const answered = this.nextMessage<InvocationResult>(timeoutMs, (reply) => {
      if (reply.type === 'response' && reply.requestId === message.requestId) {
        this.noteMemory(reply.peakMemoryBytes);
        return { kind: 'response', payload: reply.payload };
      }
      if (reply.type === 'error' && reply.requestId === message.requestId) {
        this.noteMemory(reply.peakMemoryBytes);
        return { kind: 'error', error: reply.error, fatal: reply.fatal };
      }
      return undefined;
    });
    this.worker.postMessage(message);
    const result = await answered;
    return result === 'timeout'
      ? { kind: 'timeout' }
      : 'exitCode' in result
        ? { kind: 'exit', ...result }
        : result;
  }

  /** Resolves once everything the invocation printed has been handed to `onLine` (or the worker is gone). */
  async outputFlushed(requestId: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.streams.map((stream) => stream.flushed(requestId))),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, OUTPUT_FLUSH_LIMIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Stops the worker; resolves once it has exited. */
  async stop(): Promise<WorkerExit> {
    await this.worker.terminate();
    return this.exited;
  }

  private noteMemory(bytes: number): void {
    this.maxMemoryUsedBytes = Math.max(this.maxMemoryUsedBytes, bytes);
  }

  /** The first message `pick` accepts, the worker's exit, or 'timeout' (which stops the worker). */
  private nextMessage<T>(
    limitMs: number,
    pick: (message: WorkerMessage) => T | undefined,
  ): Promise<T | WorkerExit | 'timeout'> {
    return new Promise((resolve) => {
      if (this.exit) {
        resolve(this.exit);
        return;
      }
      const onMessage = (message: WorkerMessage): void => {
        const picked = pick(message);
        if (picked !== undefined) {
          finish(picked);
        }
      };
      // Listeners, not a promise callback: a warm environment answers many invocations before it exits.
      const onExit = (): void => finish(this.exit ?? { exitCode: 1, outOfMemory: this.outOfMemory });
      const timer = setTimeout(() => {
        finish('timeout');
        void this.stop();
      }, limitMs);
      const finish = (result: T | WorkerExit | 'timeout'): void => {
        clearTimeout(timer);
        this.worker.off('message', onMessage).off('exit', onExit);
        resolve(result);
      };
      this.worker.on('message', onMessage).on('exit', onExit);
    });
  }
}

/** Creates the worker, dropping the flags Node refuses in a worker (it names them in its error). */
function startWorker(
  options: ExecutionEnvironmentOptions,
  execArgv: string[],
  dropRefused: (flags: string[]) => string[],
): Worker {
  for (;;) {
    try {
      return new Worker(RUNTIME_WORKER, {
        env: { ...options.environment },
        execArgv,
        stdout: true,
        stderr: true,
        // The function's memory bounds its heap: the nearest a thread gets to Lambda's memory limit, which covers
        // the whole sandbox.
        resourceLimits: { maxOldGenerationSizeMb: options.memorySizeMb },
      });
    } catch (error) {
      const refused = refusedExecArgv(error);
      if (!refused || refused.length === 0) {
        throw error;
      }
      execArgv = dropRefused(refused);
    }
  }
}

/** Splits a worker's stdout or stderr into lines, and notices the worker's flush markers. */
class OutputStream {
  private partial = '';
  private ended = false;
  private readonly flushedIds = new Set<string>();
  private readonly waiters = new Map<string, () => void>();

  constructor(
    stream: NodeJS.ReadableStream,
    private readonly onLine: (line: string) => void,
  ) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (this.partial + chunk).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        this.line(line);
      }
    });
    stream.on('end', () => {
      if (this.partial.length > 0) {
        this.line(this.partial);
        this.partial = '';
      }
      this.ended = true;
      for (const wake of this.waiters.values()) {
        wake();
      }
      this.waiters.clear();
    });
  }

  flushed(requestId: string): Promise<void> {
    if (this.ended || this.flushedIds.delete(requestId)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.set(requestId, resolve));
  }

  private line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const marker = line.indexOf(FLUSH_MARKER);
    if (marker < 0) {
      this.onLine(line);
      return;
    }
    // A line the function left unterminated comes out before the marker.
    if (marker > 0) {
      this.onLine(line.slice(0, marker));
    }
    const requestId = line.slice(marker + FLUSH_MARKER.length);
    const wake = this.waiters.get(requestId);
    if (wake) {
      this.waiters.delete(requestId);
      wake();
    } else {
      this.flushedIds.add(requestId);
    }
  }
}
