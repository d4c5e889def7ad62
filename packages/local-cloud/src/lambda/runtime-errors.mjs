// The Node.js runtime's error types and formats (aws-lambda-nodejs-runtime-interface-client 3.x, Errors.js),
// for local/lambda/runtime-worker.mjs. https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html
import { types } from 'node:util';

/** The runtime's own error types are named `Runtime.<Class>`, set on the prototype so stacks carry the name. */
function runtimeError(name, construct = () => {}) {
  const ErrorClass = class extends Error {
    constructor(...args) {
      super(args[0]);
      construct(this, ...args);
    }
  };
  ErrorClass.prototype.name = `Runtime.${name}`;
  return ErrorClass;
}
export const ImportModuleError = runtimeError('ImportModuleError');
export const HandlerNotFound = runtimeError('HandlerNotFound');
export const MalformedHandlerName = runtimeError('MalformedHandlerName');
export const UserCodeSyntaxError = runtimeError('UserCodeSyntaxError');
export const UnhandledPromiseRejection = runtimeError(
  'UnhandledPromiseRejection',
  (error, reason, promise) => {
    error.reason = reason;
    error.promise = promise;
  },
);
export const NodeJsExit = runtimeError('NodeJsExit');
export const NODEJS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';

/** An error from another realm or a look-alike: the runtime treats it as an Error. */
function isErrorLike(value) {
  return Boolean(
    value?.name &&
      value.message &&
      value.stack &&
      typeof value.name === 'string' &&
      typeof value.message === 'string' &&
      typeof value.stack === 'string',
  );
}

/** What Lambda returns for a failed invocation: `{errorType, errorMessage, trace}` (toRapidResponse). */
export function toRapidResponse(error) {
  try {
    if (types.isNativeError(error) || isErrorLike(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: error.stack.split('\n') };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

/** The JSON the runtime logs after "Invoke Error" and friends, with a leading tab (toFormatted). */
export function toFormatted(error) {
  const withEnumerableProperties = (_key, value) => {
    if (!(value instanceof Error)) {
      return value;
    }
    const copy = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: value.code },
      value,
    );
    if (typeof value.stack === 'string') {
      copy.stack = value.stack.split('\n');
    }
    return copy;
  };
  try {
    return `\t${JSON.stringify(error, withEnumerableProperties)}`;
  } catch {
    return `\t${JSON.stringify(toRapidResponse(error))}`;
  }
}
