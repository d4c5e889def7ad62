import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaHost, MAX_SYNC_PAYLOAD_BYTES } from '../../../../local/lambda/host.ts';
import type { FunctionConfig, InvokeOutcome } from '../../../../local/lambda/types.ts';

const FIXTURES = path.resolve('test/fixtures/lambda');
let host: LambdaHost;
const logs: string[] = [];

function config(name: string, overrides: Partial<FunctionConfig> = {}): FunctionConfig {
  return {
    functionName: name,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    timeoutSeconds: 3,
    memorySizeMb: 128,
    environment: {},
    ...overrides,
    // Fixture folders are named relative to test/fixtures/lambda.
    codeDirectory: path.join(FIXTURES, overrides.codeDirectory ?? name),
  };
}

function newHost(options: { maxConcurrencyPerFunction?: number } = {}): LambdaHost {
  host = new LambdaHost({
    baseEnvironment: { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' },
    region: 'eu-west-1',
    accountId: '000000000000',
    onLog: (functionName, line) => logs.push(`${functionName}: ${line}`),
    ...options,
  });
  return host;
}

function payloadOf(outcome: InvokeOutcome): unknown {
  if (outcome.status === 'rejected') {
    throw new Error(`rejected: ${outcome.errorCode}`);
  }
  return JSON.parse(outcome.payload);
}

afterEach(async () => {
  await host?.close();
  logs.length = 0;
});

describe('LambdaHost', () => {
  it('runs a handler with the event, its environment, Lambda variables and a context', async () => {
    newHost().register(
      config('echo', { environment: { FUNCTION_SETTING: 'from-template' }, memorySizeMb: 256 }),
    );
    const outcome = await host.invoke('echo', JSON.stringify({ orderId: 'o-1' }));
    expect(outcome.status).toBe('succeeded');
    const result = payloadOf(outcome) as Record<string, Record<string, unknown>>;
    expect(result.event).toEqual({ orderId: 'o-1' });
    expect(result.env).toEqual({
      FUNCTION_SETTING: 'from-template',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'echo',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      _HANDLER: 'index.handler',
      TZ: ':UTC',
    });
    expect(result.context).toMatchObject({
      functionName: 'echo',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
      memoryLimitInMB: '256',
      awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(result.context?.remainingMs).toBeGreaterThan(2000);
    expect(result.context?.remainingMs).toBeLessThanOrEqual(3000);
  });

  it('keeps each function’s process.env to itself, and away from the host', async () => {
    newHost().register(config('one', { codeDirectory: 'echo' }));
    host.register(config('two', { codeDirectory: 'echo' }));
    await host.invoke('one', '{}');
    const second = payloadOf(await host.invoke('two', '{}')) as { seenBefore: string | null };
    const againInOne = payloadOf(await host.invoke('one', '{}')) as { seenBefore: string | null };
    expect(second.seenBefore).toBeNull();
    expect(againInOne.seenBefore).toBe('one');
    expect(process.env.SET_AT_RUNTIME).toBeUndefined();
  });

  it('invokes by name, ARN and qualified ARN', async () => {
    newHost().register(config('counter'));
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:counter';
    for (const id of ['counter', arn, `${arn}:$LATEST`]) {
      expect((await host.invoke(id, '{}')).status).toBe('succeeded');
    }
    expect((await host.invoke('nope', '{}')).status).toBe('rejected');
  });

  it('reuses a warm environment: module state survives between invocations', async () => {
    newHost().register(config('counter'));
    const counts = [];
    for (let i = 0; i < 3; i++) {
      counts.push((payloadOf(await host.invoke('counter', '{}')) as { invocations: number }).invocations);
    }
    expect(counts).toEqual([1, 2, 3]);
  });

  it('reports a thrown error as the Node.js runtime does', async () => {
    newHost().register(config('echo', { handler: 'index.fails' }));
    const outcome = await host.invoke('echo', '{}');
    expect(outcome).toMatchObject({ status: 'function-error', errorType: 'TypeError' });
    expect(payloadOf(outcome)).toMatchObject({
      errorType: 'TypeError',
      errorMessage: 'the order has no lines',
      trace: expect.any(Array),
    });
  });

  it('returns null for a handler that returns nothing, and supports callback handlers', async () => {
    newHost().register(config('echo', { handler: 'index.nothing' }));
    host.register(config('callback'));
    expect(payloadOf(await host.invoke('echo', '{}'))).toBeNull();
    expect(payloadOf(await host.invoke('callback', '{"value":21}'))).toEqual({ doubled: 42 });
  });

  it('times out a slow invocation, then starts a new environment cold', async () => {
    newHost().register(config('slow', { timeoutSeconds: 1 }));
    const first = payloadOf(await host.invoke('slow', '{}')) as { initializedAt: number };
    const timedOut = await host.invoke('slow', JSON.stringify({ sleepMs: 5_000 }));
    expect(timedOut).toMatchObject({ status: 'function-error', errorType: 'Sandbox.Timedout' });
    expect((payloadOf(timedOut) as { errorMessage: string }).errorMessage).toMatch(
      /Task timed out after 1\.00 seconds/,
    );
    const after = payloadOf(await host.invoke('slow', '{}')) as { initializedAt: number };
    expect(after.initializedAt).toBeGreaterThan(first.initializedAt);
  });

  it('throttles past reserved concurrency with TooManyRequestsException', async () => {
    newHost().register(config('slow', { reservedConcurrency: 1 }));
    const [first, second] = await Promise.all([
      host.invoke('slow', JSON.stringify({ sleepMs: 300 })),
      host.invoke('slow', JSON.stringify({ sleepMs: 300 })),
    ]);
    expect([first?.status, second?.status].sort()).toEqual(['rejected', 'succeeded']);
    const rejected = [first, second].find((outcome) => outcome?.status === 'rejected');
    expect(rejected).toMatchObject({ errorCode: 'TooManyRequestsException', message: 'Rate Exceeded.' });
  });

  it('queues past the default concurrency cap instead of failing', async () => {
    newHost({ maxConcurrencyPerFunction: 2 }).register(config('slow'));
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => host.invoke('slow', JSON.stringify({ sleepMs: 50 }))),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(5).fill('succeeded'));
  });

  it('refuses a request over 6 MB and fails a response over 6 MB', async () => {
    newHost().register(config('big'));
    const request = await host.invoke(
      'big',
      JSON.stringify({ bytes: 1, pad: 'x'.repeat(MAX_SYNC_PAYLOAD_BYTES) }),
    );
    expect(request).toMatchObject({ status: 'rejected', errorCode: 'RequestTooLargeException' });
    const response = await host.invoke('big', JSON.stringify({ bytes: MAX_SYNC_PAYLOAD_BYTES }));
    expect(response).toMatchObject({ status: 'function-error', errorType: 'Function.ResponseSizeTooLarge' });
  });

  it('reports a missing handler, a module that does not parse, and a runtime that exits', async () => {
    newHost().register(config('echo', { handler: 'index.missing' }));
    host.register(config('broken'));
    host.register(config('crash'));
    expect(await host.invoke('echo', '{}')).toMatchObject({ errorType: 'Runtime.HandlerNotFound' });
    expect(await host.invoke('broken', '{}')).toMatchObject({ errorType: 'Runtime.UserCodeSyntaxError' });
    expect(await host.invoke('crash', '{}')).toMatchObject({ errorType: 'Runtime.ExitError' });
  });

  it('finds a CommonJS handler as index.cjs', async () => {
    newHost().register(config('cjs'));
    expect(payloadOf(await host.invoke('cjs', '{}'))).toEqual({ module: 'commonjs' });
  });

  it('logs START, END and REPORT lines, with the init duration on a cold start only', async () => {
    newHost().register(config('counter'));
    await host.invoke('counter', '{}');
    await host.invoke('counter', '{}');
    const reports = logs.filter((line) => line.startsWith('counter: REPORT RequestId:'));
    expect(logs.filter((line) => line.startsWith('counter: START RequestId:'))).toHaveLength(2);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(/Init Duration: [\d.]+ ms/);
    expect(reports[1]).not.toMatch(/Init Duration/);
  });

  it('stops every environment on close; later invocations are refused', async () => {
    newHost().register(config('counter'));
    await host.invoke('counter', '{}');
    await host.close();
    expect(await host.invoke('counter', '{}')).toMatchObject({
      status: 'rejected',
      errorCode: 'ResourceNotFoundException',
    });
  });
});
