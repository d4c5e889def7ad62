import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExecutionEnvironment, type InitResult, type InvocationResult } from './execution-environment.ts';
import type { FaultDecision, FaultInjector } from './fault-injection.ts';
import {
  closedOutcome,
  endingOf,
  functionError,
  injectedError,
  notFound,
  reportLine,
  runtimeExit,
  sandboxTimeout,
} from './invocation-outcomes.ts';
import { INIT_PHASE_LIMIT_MS, MAX_SYNC_PAYLOAD_BYTES } from './limits.ts';
import {
  checkEnvironment,
  executionEnvironmentVariables,
  logStreamName,
  nodeOptionsToExecArgv,
} from './runtime-environment.ts';
import type { FunctionConfig, FunctionInvoker, InvokeOutcome } from './types.ts';
import type { InvokeMessage, RuntimeErrorPayload } from './worker-protocol.ts';

const DEFAULT_MAX_CONCURRENCY_PER_FUNCTION = 10;

export interface LambdaHostOptions {
  /** Added to every function's environment: emulator endpoints (`AWS_ENDPOINT_URL_<SERVICE>`) and credentials. */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  readonly region: string;
  readonly accountId: string;
  /** Each line a function prints, and the runtime's START / END / REPORT lines. */
  readonly onLog?: (functionName: string, line: string) => void;
  /**
   * Concurrent executions of a function without reserved concurrency; more invocations wait for a free one.
   * A laptop-sized stand-in for the account's concurrency (1,000), where AWS would scale out. @default 10
   */
  readonly maxConcurrencyPerFunction?: number;
  /** Faults to inject into invocations (errors, timeouts, latency), for showing recovery; none by default. */
  readonly faults?: FaultInjector;
}

/** A function's execution environments and the invocations waiting for one. */
interface FunctionPool {
  /** The configuration new execution environments start with. */
  config: FunctionConfig;
  /**
   * Counts the function's updates: an environment started before the last one runs the invocation it has, then
   * stops instead of going back to `idle`.
   */
  generation: number;
  /** Warm environments, most recently used last. */
  readonly idle: ExecutionEnvironment[];
  /** Invocations in progress, cold starts included: the function's concurrency. */
  running: number;
  /** Invocations waiting for a free slot, oldest first; called with false when the host closes. */
  readonly waiting: Array<(proceed: boolean) => void>;
  /** The Worker flags from the function's NODE_OPTIONS, once Node has said which it accepts. */
  execArgv: readonly string[];
}

/**
 * Runs Lambda functions locally: each execution environment a worker thread with its own `process.env`, one
 * invocation at a time, reused while warm, replaced after a timeout or a crash, with Lambda's limits.
 */
export class LambdaHost implements FunctionInvoker {
  private readonly functions = new Map<string, FunctionPool>();
  /** Every environment not yet exited, busy, idle or stopping, and the function it runs. */
  private readonly environments = new Map<ExecutionEnvironment, string>();
  private closing: Promise<void> | undefined;
  private timeZoneChecked = false;

  constructor(private readonly options: LambdaHostOptions) {}

  /** Makes a function invocable by its name and ARN; fails like CreateFunction on reserved variables. */
  register(config: FunctionConfig): void {
    checkEnvironment(config);
    this.functions.set(config.functionName, {
      config,
      generation: 0,
      idle: [],
      running: 0,
      waiting: [],
      execArgv: nodeOptionsToExecArgv(config.environment.NODE_OPTIONS),
    });
  }

  /**
   * Gives a function a new configuration, its code included, as UpdateFunctionConfiguration and UpdateFunctionCode
   * do: invocations from now on start in new execution environments; invocations in flight finish in theirs,
   * which then stop; warm environments stop now. Fails like the API on reserved variables, changing nothing.
   * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
   */
  update(config: FunctionConfig): void {
    const pool = this.functions.get(config.functionName);
    if (!pool) {
      throw new Error(`Function not found: ${this.arnOf(config.functionName)}`);
    }
    checkEnvironment(config);
    pool.config = config;
    pool.execArgv = nodeOptionsToExecArgv(config.environment.NODE_OPTIONS);
    this.retire(pool);
  }

  /** Runs a function's new code (a folder of the same layout) from its next invocation on, as {@link update}. */
  updateFunctionCode(functionName: string, codeDirectory: string): void {
    const pool = this.functions.get(functionName);
    if (!pool) {
      throw new Error(`Function not found: ${this.arnOf(functionName)}`);
    }
    this.update({ ...pool.config, codeDirectory });
  }

  /**
   * Removes a function, as DeleteFunction does: waiting invocations answer ResourceNotFoundException, invocations
   * in flight finish, and every environment stops. Unknown names are ignored.
   */
  unregister(functionName: string): void {
    const pool = this.functions.get(functionName);
    if (!pool) {
      return;
    }
    this.functions.delete(functionName);
    this.retire(pool);
    for (const wake of pool.waiting.splice(0)) {
      wake(false);
    }
  }

  /** How many execution environments of a function have not exited yet: warm, busy or stopping. */
  environmentCount(functionName: string): number {
    return [...this.environments.values()].filter((name) => name === functionName).length;
  }

  /** Invokes a function synchronously (`RequestResponse`) by name, `name:$LATEST`, ARN or `$LATEST` ARN. */
  async invoke(functionNameOrArn: string, payload: string): Promise<InvokeOutcome> {
    if (this.closing) {
      return closedOutcome();
    }
    const target = this.resolve(functionNameOrArn);
    if (!target) {
      return notFound(this.arnOf(functionNameOrArn));
    }
    const { pool, invokedFunctionArn } = target;
    // Invoke's request errors: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
    const requestBytes = Buffer.byteLength(payload);
    if (requestBytes > MAX_SYNC_PAYLOAD_BYTES) {
      return {
        status: 'rejected',
        errorCode: 'RequestTooLargeException',
        message: `${requestBytes} byte payload is too large for the RequestResponse invocation type (limit ${MAX_SYNC_PAYLOAD_BYTES} bytes)`,
      };
    }
    // An invocation without a payload gets an empty object; a payload must be JSON.
    const event = payload === '' ? '{}' : payload;
    try {
      JSON.parse(event);
    } catch (error) {
      return {
        status: 'rejected',
        errorCode: 'InvalidRequestContentException',
        message: `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
      };
    }

    const { reservedConcurrency } = pool.config;
    const cap =
      reservedConcurrency ?? this.options.maxConcurrencyPerFunction ?? DEFAULT_MAX_CONCURRENCY_PER_FUNCTION;
    if (pool.running < cap) {
      pool.running++;
    } else if (reservedConcurrency !== undefined) {
      // Reserved concurrency is also the function's maximum: past it Lambda throttles, 0 throttles everything.
      // https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
      return { status: 'rejected', errorCode: 'TooManyRequestsException', message: 'Rate Exceeded.' };
    } else {
      // Where AWS would scale out to the account's concurrency, the host queues: a laptop runs fewer threads.
      // A finishing invocation hands its slot over, so `running` already counts this one when it proceeds.
      const proceed = await new Promise<boolean>((resolve) => pool.waiting.push(resolve));
      if (!proceed) {
        return this.closing ? closedOutcome() : notFound(this.arnOf(functionNameOrArn));
      }
    }
    try {
      return await this.run(pool, event, invokedFunctionArn);
    } finally {
      const next = pool.waiting.shift();
      if (next) {
        next(true);
      } else {
        pool.running--;
      }
    }
  }

  /** Stops every execution environment; waiting and running invocations answer ServiceException. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const pool of this.functions.values()) {
        pool.idle.length = 0;
        for (const wake of pool.waiting.splice(0)) {
          wake(false);
        }
      }
      await Promise.all([...this.environments.keys()].map((environment) => environment.stop()));
      this.environments.clear();
    })();
    return this.closing;
  }

  private async run(pool: FunctionPool, event: string, invokedFunctionArn: string): Promise<InvokeOutcome> {
    const { config, generation } = pool;
    const log = (line: string): void => this.options.onLog?.(config.functionName, line);
    const requestId = randomUUID();
    const timeoutMs = config.timeoutSeconds * 1000;

    let environment = pool.idle.pop();
    let initDurationMs: number | undefined;
    // Time the handler gets; a slow init (past the init phase's limit) eats into it.
    let invocationLimitMs = timeoutMs;
    if (!environment) {
      environment = this.coldStart(pool);
      const init = await environment.initialized(INIT_PHASE_LIMIT_MS + timeoutMs);
      initDurationMs = init.initDurationMs;
      if (init.kind !== 'ready') {
        return this.finishFailedInit(pool, environment, requestId, init);
      }
      if (init.initDurationMs > INIT_PHASE_LIMIT_MS) {
        invocationLimitMs = INIT_PHASE_LIMIT_MS + timeoutMs - init.initDurationMs;
      }
    }

    log(`START RequestId: ${requestId} Version: $LATEST`);
    const started = performance.now();
    const fault = this.options.faults?.decide(config.functionName) ?? { delayMs: 0 };
    const { result, handlerRan } = await this.invokeUnderFaults(environment, fault, invocationLimitMs, log, {
      type: 'invoke',
      requestId,
      event,
      deadlineMs: 0,
      invokedFunctionArn,
    });
    const durationMs = performance.now() - started;
    if (handlerRan) {
      await environment.outputFlushed(requestId);
    }
    if (this.closing) {
      return closedOutcome();
    }

    const ending = endingOf(config, requestId, result, durationMs);
    const reusable = result.kind === 'response' || (result.kind === 'error' && !result.fatal);
    if (reusable && environment.isAlive && pool.generation === generation) {
      pool.idle.push(environment);
    } else {
      // After a timeout or a crash Lambda discards the environment; the next invocation starts cold.
      this.discard(environment);
    }
    for (const line of ending.platformLines ?? []) {
      log(line);
    }
    log(`END RequestId: ${requestId}`);
    log(
      reportLine(
        requestId,
        config,
        durationMs,
        environment.maxMemoryUsedBytes,
        initDurationMs,
        ending.status,
      ),
    );
    return ending.outcome;
  }

  /**
   * Runs one invocation with the fault the plan drew for it: latency first (it uses up the function's time),
   * then an error or a timeout before the handler (no side effects) or after it (side effects done, answer lost).
   */
  private async invokeUnderFaults(
    environment: ExecutionEnvironment,
    fault: FaultDecision,
    limitMs: number,
    log: (line: string) => void,
    message: InvokeMessage,
  ): Promise<{ result: InvocationResult; handlerRan: boolean }> {
    const note = (text: string): void =>
      log(`${new Date().toISOString()}\t${message.requestId}\tWARN\tInjected fault: ${text}`);
    if (fault.delayMs > 0) {
      note(`${fault.delayMs} ms of latency before the handler`);
      await sleep(Math.min(fault.delayMs, limitMs));
      if (fault.delayMs >= limitMs) {
        return { result: { kind: 'timeout' }, handlerRan: false };
      }
    }
    const remainingMs = limitMs - fault.delayMs;
    const { failure } = fault;
    if (failure?.at === 'before') {
      note(`${failure.kind === 'error' ? 'an error' : 'a timeout'} before the handler ran`);
      if (failure.kind === 'timeout') {
        await sleep(remainingMs);
        return { result: { kind: 'timeout' }, handlerRan: false };
      }
      return { result: injectedError('before'), handlerRan: false };
    }
    const deadline = Date.now() + remainingMs;
    const result = await environment.invoke({ ...message, deadlineMs: deadline }, remainingMs);
    if (!failure || result.kind !== 'response') {
      return { result, handlerRan: true };
    }
    note(
      `${failure.kind === 'error' ? 'an error' : 'a timeout'} after the handler returned; its answer is lost`,
    );
    if (failure.kind === 'timeout') {
      await sleep(Math.max(0, deadline - Date.now()));
      return { result: { kind: 'timeout' }, handlerRan: true };
    }
    return { result: injectedError('after'), handlerRan: true };
  }

  /** Answers an invocation whose cold start failed; Lambda resets such an environment. */
  private async finishFailedInit(
    pool: FunctionPool,
    environment: ExecutionEnvironment,
    requestId: string,
    init: Exclude<InitResult, { kind: 'ready' }>,
  ): Promise<InvokeOutcome> {
    const { config } = pool;
    const log = (line: string): void => this.options.onLog?.(config.functionName, line);
    this.discard(environment);
    await environment.outputFlushed(requestId);
    if (this.closing) {
      return closedOutcome();
    }
    let error: RuntimeErrorPayload;
    let phaseStatus: string;
    if (init.kind === 'init-error') {
      error = init.error;
      phaseStatus = `error\tError Type: ${error.errorType}`;
    } else if (init.kind === 'exit') {
      error = runtimeExit(requestId, init.exitCode, init.outOfMemory);
      phaseStatus = `error\tError Type: ${error.errorType}`;
    } else {
      error = sandboxTimeout(requestId, config.timeoutSeconds);
      phaseStatus = 'timeout';
    }
    // https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
    log(
      `INIT_REPORT Init Duration: ${init.initDurationMs.toFixed(2)} ms\tPhase: init\tStatus: ${phaseStatus}`,
    );
    log(`START RequestId: ${requestId} Version: $LATEST`);
    log(`END RequestId: ${requestId}`);
    const status = init.kind === 'timeout' ? 'timeout' : `error\tError Type: ${error.errorType}`;
    log(reportLine(requestId, config, 0, environment.maxMemoryUsedBytes, init.initDurationMs, status));
    return functionError(error, 0);
  }

  private coldStart(pool: FunctionPool): ExecutionEnvironment {
    const { config } = pool;
    const log = (line: string): void => this.options.onLog?.(config.functionName, line);
    this.checkTimeZone(log);
    const environment = new ExecutionEnvironment({
      environment: executionEnvironmentVariables(config, {
        baseEnvironment: this.options.baseEnvironment,
        region: this.options.region,
        logStreamName: logStreamName(new Date(), randomUUID()),
      }),
      execArgv: pool.execArgv,
      memorySizeMb: config.memorySizeMb,
      onLine: log,
    });
    if (environment.refusedExecArgv.length > 0) {
      log(
        `NODE_OPTIONS: ${environment.refusedExecArgv.join(' ')} cannot apply to a worker thread and ${environment.refusedExecArgv.length === 1 ? 'is' : 'are'} ignored locally`,
      );
    }
    pool.execArgv = environment.execArgv;
    this.environments.set(environment, config.functionName);
    void environment.exited.then(() => {
      // A warm environment whose runtime ended between invocations (a stray timer throwing) is gone.
      this.environments.delete(environment);
      const index = pool.idle.indexOf(environment);
      if (index >= 0) {
        pool.idle.splice(index, 1);
      }
    });
    return environment;
  }

  /** Stops an environment; it stays tracked until it has exited, so that close() waits for it too. */
  private discard(environment: ExecutionEnvironment): void {
    void environment.stop();
  }

  /** Makes a pool's environments stale: warm ones stop now, busy ones once their invocation is answered. */
  private retire(pool: FunctionPool): void {
    pool.generation++;
    for (const environment of pool.idle.splice(0)) {
      this.discard(environment);
    }
  }

  /** Lambda runs functions in UTC (`TZ=:UTC`); a thread shares its process's time zone, so say when it differs. */
  private checkTimeZone(log: (line: string) => void): void {
    if (this.timeZoneChecked) {
      return;
    }
    this.timeZoneChecked = true;
    const { timeZone } = Intl.DateTimeFormat().resolvedOptions();
    if (!['UTC', 'Etc/UTC', 'Etc/GMT'].includes(timeZone)) {
      log(
        `Time zone: functions see this process's time zone (${timeZone}) where Lambda runs them in UTC; start the local cloud with TZ=UTC to match`,
      );
    }
  }

  /** The function an Invoke names, and the ARN the invocation reports as `invokedFunctionArn`. */
  private resolve(functionNameOrArn: string): { pool: FunctionPool; invokedFunctionArn: string } | undefined {
    // FunctionName accepts a name, a partial ARN or an ARN, each with an optional version or alias qualifier.
    // https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
    const arn = /^(?:arn:[^:]+:lambda:([^:]+):)?(?:(\d{12}):function:)?([^:]+)(?::([^:]+))?$/.exec(
      functionNameOrArn,
    );
    const [, region, accountId, name = '', qualifier] = arn ?? [];
    const pool = this.functions.get(name);
    // The local cloud publishes no versions or aliases: only $LATEST exists.
    if (!pool || (qualifier !== undefined && qualifier !== '$LATEST')) {
      return undefined;
    }
    if ((region && region !== this.options.region) || (accountId && accountId !== this.options.accountId)) {
      return undefined;
    }
    const base = pool.config.functionArn;
    return { pool, invokedFunctionArn: qualifier ? `${base}:${qualifier}` : base };
  }

  private arnOf(functionNameOrArn: string): string {
    return functionNameOrArn.startsWith('arn:')
      ? functionNameOrArn
      : `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${functionNameOrArn}`;
  }
}
