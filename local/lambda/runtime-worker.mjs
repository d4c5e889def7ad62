// One Lambda execution environment: loads a function's module once (the cold start), then runs one
// invocation at a time for the host (local/lambda/host.ts). Plain JavaScript so it needs no TypeScript loader.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { codeDirectory, handler: handlerSetting, functionName, memorySizeMb, enableSourceMaps } = workerData;

if (enableSourceMaps) {
  // NODE_OPTIONS cannot reach a worker thread; this is what --enable-source-maps does.
  process.setSourceMapsEnabled(true);
}

/** `module.handler` or `dir/module.nested.handler`: the module is everything up to the first dot of the last segment. */
function splitHandler(setting) {
  const slash = setting.lastIndexOf('/');
  const dot = setting.indexOf('.', slash + 1);
  if (dot < 0) {
    throw runtimeError('Runtime.MalformedHandlerName', `Bad handler ${setting}`);
  }
  return [setting.slice(0, dot), setting.slice(dot + 1).split('.')];
}

function runtimeError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

// The Node.js runtime tries the path as given, then .js, .mjs and .cjs.
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
function resolveModule(modulePath) {
  const base = path.resolve(codeDirectory, modulePath);
  for (const candidate of [base, `${base}.js`, `${base}.mjs`, `${base}.cjs`]) {
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  throw runtimeError('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'`);
}

async function loadHandler() {
  const [modulePath, exportPath] = splitHandler(handlerSetting);
  let module;
  try {
    module = await import(pathToFileURL(resolveModule(modulePath)).href);
  } catch (error) {
    if (error.name?.startsWith('Runtime.')) {
      throw error;
    }
    const type = error instanceof SyntaxError ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError';
    throw runtimeError(type, `${error.name}: ${error.message}`);
  }
  let candidate = module;
  for (const name of exportPath) {
    candidate = candidate?.[name] ?? (name === exportPath[0] ? module.default?.[name] : undefined);
  }
  if (typeof candidate !== 'function') {
    throw runtimeError(
      'Runtime.HandlerNotFound',
      `${modulePath}.${exportPath.join('.')} is undefined or not exported`,
    );
  }
  return candidate;
}

function errorPayload(error) {
  const value = error instanceof Error ? error : new Error(String(error));
  return {
    errorType: value.name ?? 'Error',
    errorMessage: value.message ?? String(error),
    trace: typeof value.stack === 'string' ? value.stack.split('\n') : [],
  };
}

const initStarted = performance.now();
let userHandler;
let initError;
try {
  userHandler = await loadHandler();
} catch (error) {
  initError = errorPayload(error);
}
parentPort.postMessage({ type: 'ready', initDurationMs: performance.now() - initStarted });

parentPort.on('message', async (message) => {
  if (message.type !== 'invoke') {
    return;
  }
  const { requestId, payload, deadline, invokedFunctionArn, logGroupName, logStreamName } = message;
  if (initError) {
    parentPort.postMessage({ type: 'error', requestId, error: initError });
    return;
  }
  // https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn,
    memoryLimitInMB: String(memorySizeMb),
    awsRequestId: requestId,
    logGroupName,
    logStreamName,
    identity: undefined,
    clientContext: undefined,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const event = JSON.parse(payload);
    const result =
      userHandler.length >= 3
        ? await new Promise((resolve, reject) => {
            const callback = (error, value) => (error ? reject(error) : resolve(value));
            const returned = userHandler(event, context, callback);
            if (returned && typeof returned.then === 'function') {
              returned.then(resolve, reject);
            }
          })
        : await userHandler(event, context);
    parentPort.postMessage({
      type: 'result',
      requestId,
      payload: JSON.stringify(result === undefined ? null : result),
    });
  } catch (error) {
    parentPort.postMessage({ type: 'error', requestId, error: errorPayload(error) });
  }
});
