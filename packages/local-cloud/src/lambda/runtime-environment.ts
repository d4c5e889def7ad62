import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FunctionConfig } from './types.ts';

/** The worker entry: one execution environment, plain JavaScript. */
export const RUNTIME_WORKER = path.join(import.meta.dirname, 'runtime-worker.mjs');

// Stand-in for /var/runtime/node_modules, where the Node.js runtime carries the AWS SDK for JavaScript v3.
const RUNTIME_NODE_MODULES = nodeModulesHolding('@aws-sdk/client-s3');

/**
 * Variables Lambda sets itself and refuses in a function's configuration.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
export const RESERVED_ENVIRONMENT_VARIABLES: ReadonlySet<string> = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'TZ',
]);

/** Fails like CreateFunction when the template sets a variable Lambda reserves. */
export function checkEnvironment(config: FunctionConfig): void {
  const reserved = Object.keys(config.environment).filter((name) => RESERVED_ENVIRONMENT_VARIABLES.has(name));
  if (reserved.length > 0) {
    // The InvalidParameterValueException CreateFunction answers with.
    throw new Error(
      `Function ${config.functionName}: Lambda was unable to configure your environment variables because the ` +
        'environment variables you have provided contains reserved keys that are currently not supported for ' +
        `modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
}

export interface EnvironmentContext {
  /** What the local cloud adds to every function: emulator endpoints and credentials. */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  readonly region: string;
  /** Each execution environment logs to its own stream. */
  readonly logStreamName: string;
}

/** The `process.env` of one execution environment: the function's variables plus those the runtime defines. */
export function executionEnvironmentVariables(
  config: FunctionConfig,
  context: EnvironmentContext,
): Record<string, string> {
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
  return {
    // Unreserved: the function may override them. PATH stays the host's so that tools the code spawns resolve.
    LANG: 'en_US.UTF-8',
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    NODE_PATH: [RUNTIME_NODE_MODULES, import.meta.dirname, config.codeDirectory]
      .filter((folder) => existsSync(folder))
      .join(path.delimiter),
    ...config.environment,
    ...context.baseEnvironment,
    // Reserved: Lambda's values always.
    _HANDLER: config.handler,
    AWS_REGION: context.region,
    AWS_DEFAULT_REGION: context.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${config.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: config.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySizeMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupNameOf(config),
    AWS_LAMBDA_LOG_STREAM_NAME: context.logStreamName,
    LAMBDA_TASK_ROOT: config.codeDirectory,
    LAMBDA_RUNTIME_DIR: import.meta.dirname,
    TZ: ':UTC',
  };
}

/** The function's log group: the one its logging configuration names, else `/aws/lambda/<name>`. */
export function logGroupNameOf(config: FunctionConfig): string {
  return config.logGroupName ?? `/aws/lambda/${config.functionName}`;
}

/** A log stream name as Lambda makes them: `YYYY/MM/DD/[$LATEST]<32 hex>`. */
export function logStreamName(now: Date, id: string): string {
  return `${now.toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${id.replaceAll('-', '')}`;
}

/**
 * `NODE_OPTIONS` cannot reach a worker thread (Node reads it when the process starts), so its flags become the
 * worker's `execArgv`. Node refuses the per-process ones there (`--max-old-space-size`, `--expose-gc`, ...):
 * the host drops those, using the list Node reports.
 */
export function nodeOptionsToExecArgv(nodeOptions: string | undefined): string[] {
  return (nodeOptions ?? '').split(/\s+/).filter((token) => token.length > 0);
}

/** The flags Node refused in `execArgv`, from its ERR_WORKER_INVALID_EXEC_ARGV error; undefined for other errors. */
export function refusedExecArgv(error: unknown): string[] | undefined {
  if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') {
    return undefined;
  }
  const [, flags = ''] = error.message.split('flags: ');
  return flags.split(', ').filter((flag) => flag.length > 0);
}

/** The `node_modules` folder that `packageName` is installed in, as Node.js resolves it from this package. */
function nodeModulesHolding(packageName: string): string {
  const manifest = createRequire(import.meta.url).resolve(`${packageName}/package.json`);
  return path.resolve(path.dirname(manifest), ...packageName.split('/').map(() => '..'));
}
