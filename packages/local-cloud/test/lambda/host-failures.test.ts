import { afterEach, describe, expect, it } from 'vitest';
import type { LambdaHost } from '../../src/lambda/host.ts';
import { MAX_SYNC_PAYLOAD_BYTES, MAX_SYNC_RESPONSE_BYTES } from '../../src/lambda/limits.ts';
import { type ErrorPayload, fixtureFunction, payloadOf, testHost } from './lambda-host-fixtures.ts';

let host: LambdaHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

function start(): { host: LambdaHost; logs: string[] } {
  const started = testHost();
  host = started.host;
  return started;
}

describe('LambdaHost: errors from the handler', () => {
  it('reports a thrown error as the Node.js runtime does: errorType, errorMessage, trace', async () => {
    const { host, logs } = start();
    host.register(fixtureFunction('errors', { handler: 'index.throwsTypeError' }));
    const outcome = await host.invoke('errors', '{}');
    expect(outcome).toMatchObject({ status: 'function-error', errorType: 'TypeError' });
    const error = payloadOf<ErrorPayload>(outcome);
    expect(Object.keys(error)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(error).toMatchObject({ errorType: 'TypeError', errorMessage: 'the order has no lines' });
    expect(error.trace?.[0]).toBe('TypeError: the order has no lines');
    expect(error.trace?.[1]).toMatch(/errors\/index\.mjs:\d+:\d+/);
    expect(logs).toContainEqual(
      expect.stringMatching(
        /\tERROR\tInvoke Error \t\{"errorType":"TypeError","errorMessage":"the order has no lines"/,
      ),
    );
  });

  it('reports a thrown string with its typeof as the error type', async () => {
    const { host } = start();
    host.register(fixtureFunction('errors', { handler: 'index.throwsString' }));
    const outcome = await host.invoke('errors', '{}');
    expect(payloadOf(outcome)).toEqual({
      errorType: 'string',
      errorMessage: 'plain string failure',
      trace: [],
    });
  });

  it('fails a response that is not JSON-serialisable as the runtime does', async () => {
    const { host } = start();
    host.register(fixtureFunction('errors', { handler: 'index.returnsCircular' }));
    const outcome = await host.invoke('errors', '{}');
    expect(payloadOf(outcome)).toMatchObject({
      errorType: 'Error',
      errorMessage: 'Unable to stringify response body',
    });
  });

  it('keeps the environment warm after a handler error', async () => {
    const { host } = start();
    host.register(fixtureFunction('errors', { handler: 'index.throwsTypeError' }));
    host.register(fixtureFunction('slow'));
    const before = payloadOf<{ environmentId: string }>(await host.invoke('slow', '{}'));
    expect((await host.invoke('errors', '{}')).status).toBe('function-error');
    const after = payloadOf<{ environmentId: string; invocations: number }>(await host.invoke('slow', '{}'));
    expect(after).toEqual({ environmentId: before.environmentId, invocations: 2 });
  });
});

describe('LambdaHost: callback handlers', () => {
  it('answers with the value passed to the callback', async () => {
    const { host } = start();
    host.register(fixtureFunction('callback'));
    expect(payloadOf(await host.invoke('callback', '{"value":21}'))).toEqual({ doubled: 42 });
  });

  it('waits for the event loop to empty before answering, unless callbackWaitsForEmptyEventLoop is false', async () => {
    const { host } = start();
    host.register(fixtureFunction('callback', { handler: 'index.leavesTimer' }));
    const timerMs = 400;
    const timed = async (waitForEmptyEventLoop: boolean): Promise<number> => {
      const started = Date.now();
      expect((await host.invoke('callback', JSON.stringify({ waitForEmptyEventLoop, timerMs }))).status).toBe(
        'succeeded',
      );
      return Date.now() - started;
    };
    expect(await timed(true)).toBeGreaterThanOrEqual(timerMs);
    expect(await timed(false)).toBeLessThan(timerMs);
  });

  it('reports an error passed to the callback', async () => {
    const { host } = start();
    host.register(fixtureFunction('callback', { handler: 'index.failsByCallback' }));
    expect(payloadOf(await host.invoke('callback', '{}'))).toMatchObject({
      errorType: 'RangeError',
      errorMessage: 'quantity out of range',
    });
  });

  it('answers null when a synchronous handler returns without calling back', async () => {
    const { host } = start();
    host.register(fixtureFunction('callback', { handler: 'index.returnsWithoutCallback' }));
    expect(await host.invoke('callback', '{}')).toMatchObject({ status: 'succeeded', payload: 'null' });
  });
});

describe('LambdaHost: loading failures', () => {
  it('answers Runtime.HandlerNotFound for a missing export or one that is not a function', async () => {
    const { host } = start();
    host.register(fixtureFunction('missing-export', { codeDirectory: 'echo', handler: 'index.missing' }));
    host.register(fixtureFunction('not-callable', { codeDirectory: 'echo', handler: 'index.notAFunction' }));
    expect(payloadOf(await host.invoke('missing-export', '{}'))).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.missing is undefined or not exported',
    });
    expect(payloadOf(await host.invoke('not-callable', '{}'))).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.notAFunction is not a function',
    });
  });

  it('answers Runtime.ImportModuleError when no file matches the handler', async () => {
    const { host, logs } = start();
    host.register(fixtureFunction('echo', { handler: 'app.handler' }));
    const outcome = await host.invoke('echo', '{}');
    expect(outcome).toMatchObject({ status: 'function-error', errorType: 'Runtime.ImportModuleError' });
    expect(payloadOf<ErrorPayload>(outcome).errorMessage).toMatch(/^Error: Cannot find module 'app'/);
    expect(logs).toContainEqual(
      expect.stringMatching(
        /^echo: INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime\.ImportModuleError$/,
      ),
    );
    expect(logs).toContainEqual(
      expect.stringMatching(
        /\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Runtime\.ImportModuleError"/,
      ),
    );
  });

  it('answers Runtime.UserCodeSyntaxError for a module that does not parse', async () => {
    const { host } = start();
    host.register(fixtureFunction('broken'));
    const outcome = await host.invoke('broken', '{}');
    expect(outcome).toMatchObject({ status: 'function-error', errorType: 'Runtime.UserCodeSyntaxError' });
    expect(payloadOf<ErrorPayload>(outcome).errorMessage).toMatch(/^SyntaxError: /);
  });

  it('answers Runtime.MalformedHandlerName for a handler without an export or with ".."', async () => {
    const { host } = start();
    host.register(fixtureFunction('no-dot', { codeDirectory: 'echo', handler: 'index' }));
    host.register(fixtureFunction('escapes', { codeDirectory: 'echo', handler: '../echo/index.handler' }));
    expect(payloadOf(await host.invoke('no-dot', '{}'))).toMatchObject({
      errorType: 'Runtime.MalformedHandlerName',
      errorMessage: 'Bad handler',
    });
    expect(payloadOf(await host.invoke('escapes', '{}'))).toMatchObject({
      errorType: 'Runtime.MalformedHandlerName',
    });
  });

  it('answers Runtime.ExitError when the module ends the runtime during init', async () => {
    const { host } = start();
    host.register(fixtureFunction('init-exit'));
    expect(payloadOf(await host.invoke('init-exit', '{}'))).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(
        /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 2$/,
      ),
    });
  });
});

describe('LambdaHost: timeouts and crashes', () => {
  it('stops an invocation at the timeout with Sandbox.Timedout, then starts the next one cold', async () => {
    const { host, logs } = start();
    host.register(fixtureFunction('slow', { timeoutSeconds: 1 }));
    const before = payloadOf<{ environmentId: string }>(await host.invoke('slow', '{}'));
    const timedOut = await host.invoke('slow', JSON.stringify({ sleepMs: 10_000 }));
    expect(timedOut).toMatchObject({ status: 'function-error', errorType: 'Sandbox.Timedout' });
    expect(payloadOf(timedOut)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(
        /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/,
      ),
    });
    expect(timedOut.status === 'function-error' && timedOut.durationMs).toBeLessThan(2_000);
    const after = payloadOf<{ environmentId: string; invocations: number }>(await host.invoke('slow', '{}'));
    expect(after.environmentId).not.toBe(before.environmentId);
    expect(after.invocations).toBe(1);
    expect(logs).toContainEqual(expect.stringMatching(/^slow: REPORT RequestId: .*\tStatus: timeout$/));
    expect(logs).toContainEqual(
      expect.stringMatching(/^slow: \S+Z [0-9a-f-]{36} Task timed out after 1\.00 seconds$/),
    );
  });

  it('answers Runtime.ExitError when the handler ends the runtime, and starts the next invocation cold', async () => {
    const { host, logs } = start();
    host.register(fixtureFunction('crash', { handler: 'index.exits' }));
    const exitError = {
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(
        /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3$/,
      ),
    };
    expect(payloadOf(await host.invoke('crash', '{}'))).toEqual(exitError);
    expect(payloadOf(await host.invoke('crash', '{}'))).toEqual(exitError);
    const reports = logs.filter((line) => line.startsWith('crash: REPORT'));
    expect(reports).toHaveLength(2);
    for (const report of reports) {
      expect(report).toMatch(/\tInit Duration: [\d.]+ ms\tStatus: error\tError Type: Runtime\.ExitError$/);
    }
  });

  it('reports an exception thrown from a timer as the invocation’s error, then starts the next one cold', async () => {
    const { host, logs } = start();
    host.register(fixtureFunction('crash', { handler: 'index.throwsInTimer' }));
    for (let i = 0; i < 2; i++) {
      expect(payloadOf(await host.invoke('crash', '{}'))).toMatchObject({
        errorType: 'Error',
        errorMessage: 'thrown outside the handler',
      });
    }
    const reports = logs.filter((line) => line.startsWith('crash: REPORT'));
    expect(reports.map((report) => report.includes('Init Duration'))).toEqual([true, true]);
    expect(logs).toContainEqual(
      expect.stringMatching(
        /\tERROR\tUncaught Exception \t\{"errorType":"Error","errorMessage":"thrown outside the handler"/,
      ),
    );
  });

  it('answers Runtime.OutOfMemory when the handler outgrows the function’s memory', async () => {
    const { host, logs } = start();
    host.register(fixtureFunction('memory-hog', { memorySizeMb: 128, timeoutSeconds: 30 }));
    expect(payloadOf(await host.invoke('memory-hog', '{}'))).toEqual({
      errorType: 'Runtime.OutOfMemory',
      errorMessage: expect.stringMatching(
        /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/,
      ),
    });
    expect(logs).toContainEqual(
      expect.stringMatching(
        /\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t.*Status: error\tError Type: Runtime\.OutOfMemory$/,
      ),
    );
  });

  it('reports an unhandled rejection as Runtime.UnhandledPromiseRejection', async () => {
    const { host } = start();
    host.register(fixtureFunction('crash', { handler: 'index.rejectsUnhandled' }));
    expect(payloadOf(await host.invoke('crash', '{}'))).toMatchObject({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'Error: nobody awaited this',
    });
  });

  it('answers Runtime.NodeJsExit when an async handler’s promise can never settle', async () => {
    const { host } = start();
    host.register(fixtureFunction('crash', { handler: 'index.neverSettles' }));
    const outcome = await host.invoke('crash', '{}');
    expect(payloadOf(outcome)).toMatchObject({
      errorType: 'Runtime.NodeJsExit',
      errorMessage: expect.stringContaining(
        'This is most commonly caused by a Promise that was never settled.',
      ),
    });
  });
});

describe('LambdaHost: payload limits', () => {
  it('refuses a request payload over 6 MB with RequestTooLargeException', async () => {
    const { host } = start();
    host.register(fixtureFunction('big'));
    const payload = JSON.stringify({ bytes: 1, pad: 'x'.repeat(MAX_SYNC_PAYLOAD_BYTES) });
    expect(await host.invoke('big', payload)).toEqual({
      status: 'rejected',
      errorCode: 'RequestTooLargeException',
      message: `${Buffer.byteLength(payload)} byte payload is too large for the RequestResponse invocation type (limit 6291456 bytes)`,
    });
  });

  it('fails a response over the limit with Function.ResponseSizeTooLarge, and passes one at the limit', async () => {
    const { host } = start();
    host.register(fixtureFunction('big'));
    // The JSON string adds two quotes to the characters asked for.
    const atLimit = await host.invoke('big', JSON.stringify({ bytes: MAX_SYNC_RESPONSE_BYTES - 2 }));
    expect(atLimit.status === 'succeeded' && atLimit.payload.length).toBe(MAX_SYNC_RESPONSE_BYTES);
    const overLimit = await host.invoke('big', JSON.stringify({ bytes: MAX_SYNC_RESPONSE_BYTES - 1 }));
    expect(overLimit).toMatchObject({ status: 'function-error', errorType: 'Function.ResponseSizeTooLarge' });
    expect(payloadOf(overLimit)).toEqual({
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      errorType: 'Function.ResponseSizeTooLarge',
    });
  });

  it('refuses a payload that is not JSON with InvalidRequestContentException', async () => {
    const { host } = start();
    host.register(fixtureFunction('echo'));
    expect(await host.invoke('echo', '{"orderId":')).toMatchObject({
      status: 'rejected',
      errorCode: 'InvalidRequestContentException',
      message: expect.stringMatching(/^Could not parse request body into json: /),
    });
  });
});
