/** How the local cloud runs one Lambda function: what the template says, resolved. */
export interface FunctionConfig {
  /** The function's physical name (what `Ref` returns). */
  readonly functionName: string;
  readonly functionArn: string;
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string;
  /** Absolute path of the unpacked code (a `cdk.out/asset.*` folder). */
  readonly codeDirectory: string;
  /** e.g. `nodejs22.x`. */
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  /** The template's `Environment.Variables`, resolved. */
  readonly environment: Readonly<Record<string, string>>;
  /** `ReservedConcurrentExecutions`, when the template sets it. */
  readonly reservedConcurrency?: number;
  /** `LoggingConfig.LogGroup`, when the template sets it; Lambda's default is `/aws/lambda/<functionName>`. */
  readonly logGroupName?: string;
}

/** The outcome of one invocation, shaped after the Lambda Invoke API. */
export type InvokeOutcome =
  /** The handler returned; `payload` is its return value as JSON (`null` for undefined). */
  | { readonly status: 'succeeded'; readonly payload: string; readonly durationMs: number }
  /**
   * The invocation failed in the function: an error thrown, a timeout (`Sandbox.Timedout`), a crash,
   * or a response over the size limit. `payload` is Lambda's `{errorType, errorMessage, trace?}`.
   */
  | {
      readonly status: 'function-error';
      readonly errorType: string;
      readonly payload: string;
      readonly durationMs: number;
    }
  /**
   * Lambda refused the invocation before running it (HTTP 4xx from the Invoke API), or could not finish it
   * (`ServiceException`, HTTP 500: the local host closed while the invocation waited or ran).
   */
  | {
      readonly status: 'rejected';
      readonly errorCode:
        | 'RequestTooLargeException'
        | 'TooManyRequestsException'
        | 'ResourceNotFoundException'
        | 'InvalidRequestContentException'
        | 'ServiceException';
      readonly message: string;
    };

/** Invokes functions synchronously (`RequestResponse`), by name or ARN. */
export interface FunctionInvoker {
  invoke(functionNameOrArn: string, payload: string): Promise<InvokeOutcome>;
}

/**
 * Lambda's asynchronous invocation (`InvocationType: Event`), as S3 and SNS use it: the event is queued and the
 * caller gets no outcome; Lambda retries function errors, then hands the event to the function's on-failure
 * destination or dead-letter queue.
 */
export interface AsyncInvoker {
  /** Queues one event for the function. Resolves once it is queued (Invoke answers 202), never with its outcome. */
  invokeAsync(functionNameOrArn: string, payload: string): Promise<void>;
}
