import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LambdaHost } from '../../src/lambda/host.ts';
import { ACCOUNT_ID, fixtureFunction, payloadOf, REGION, testHost } from './lambda-host-fixtures.ts';

let host: LambdaHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

function start(options: Parameters<typeof testHost>[0] = {}): { host: LambdaHost; logs: string[] } {
  const started = testHost(options);
  host = started.host;
  return started;
}

interface Echo {
  event: unknown;
  seenBefore: string | null;
  env: Record<string, string>;
  context: Record<string, unknown> & { remainingMs: number };
}

describe('LambdaHost: running a handler', () => {
  it('passes the event and returns the handler’s value as JSON', async () => {
    const { host } = start();
    host.register(fixtureFunction('echo'));
    const outcome = await host.invoke(
      'echo',
      JSON.stringify({ orderId: 'o-1', lines: [{ sku: 'A', qty: 2 }] }),
    );
    expect(outcome.status).toBe('succeeded');
    expect(payloadOf<Echo>(outcome).event).toEqual({ orderId: 'o-1', lines: [{ sku: 'A', qty: 2 }] });
  });

  it('answers null for a handler that returns undefined', async () => {
    const { host } = start();
    host.register(fixtureFunction('echo', { handler: 'index.nothing' }));
    const outcome = await host.invoke('echo', '{}');
    expect(outcome).toMatchObject({ status: 'succeeded', payload: 'null' });
  });

  it('gives an invocation without a payload an empty object', async () => {
    const { host } = start();
    host.register(fixtureFunction('echo'));
    expect(payloadOf<Echo>(await host.invoke('echo', '')).event).toEqual({});
  });

  it('sets the template’s variables, the local endpoints and the variables the Lambda runtime defines', async () => {
    const { host } = start();
    host.register(
      fixtureFunction('echo', {
        environment: { ORDERS_TABLE_NAME: 'orders', NODE_OPTIONS: '--enable-source-maps' },
        memorySizeMb: 256,
      }),
    );
    const { env } = payloadOf<Echo>(await host.invoke('echo', '{}'));
    expect(env).toMatchObject({
      ORDERS_TABLE_NAME: 'orders',
      NODE_OPTIONS: '--enable-source-maps',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: 'echo',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/echo',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      LAMBDA_TASK_ROOT: path.resolve(import.meta.dirname, '../fixtures/lambda/echo'),
      LAMBDA_RUNTIME_DIR: path.resolve(import.meta.dirname, '../../src/lambda'),
      _HANDLER: 'index.handler',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
    });
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(env.NODE_PATH?.split(path.delimiter)).toContain(
      path.resolve(import.meta.dirname, '../fixtures/lambda/echo'),
    );
    expect(env.PATH).toBe(process.env.PATH);
  });

  it('names the log group from the logging configuration when the template sets one', async () => {
    const { host } = start();
    host.register(fixtureFunction('echo', { logGroupName: 'DataSharingStack-EchoLogs-1A2B3C' }));
    const { env, context } = payloadOf<Echo>(await host.invoke('echo', '{}'));
    expect(env.AWS_LAMBDA_LOG_GROUP_NAME).toBe('DataSharingStack-EchoLogs-1A2B3C');
    expect(context.logGroupName).toBe('DataSharingStack-EchoLogs-1A2B3C');
  });

  it('keeps each function’s process.env to itself, and away from the host', async () => {
    const { host } = start();
    host.register(fixtureFunction('one', { codeDirectory: 'echo', environment: { OWNER: 'one' } }));
    host.register(fixtureFunction('two', { codeDirectory: 'echo', environment: { OWNER: 'two' } }));
    const first = payloadOf<Echo>(await host.invoke('one', '{}'));
    const second = payloadOf<Echo>(await host.invoke('two', '{}'));
    const againInOne = payloadOf<Echo>(await host.invoke('one', '{}'));
    expect([first.env.OWNER, second.env.OWNER]).toEqual(['one', 'two']);
    expect(second.seenBefore).toBeNull();
    expect(againInOne.seenBefore).toBe('one');
    expect(process.env.SET_AT_RUNTIME).toBeUndefined();
    expect(process.env.AWS_LAMBDA_FUNCTION_NAME).toBeUndefined();
  });

  it('refuses a template that sets a variable Lambda reserves, as CreateFunction does', () => {
    const { host } = start();
    expect(() =>
      host.register(fixtureFunction('echo', { environment: { AWS_REGION: 'us-east-1' } })),
    ).toThrow(/reserved keys .*: AWS_REGION/);
  });

  it('hands the handler a Lambda context', async () => {
    const { host } = start();
    host.register(fixtureFunction('echo', { memorySizeMb: 512, timeoutSeconds: 3 }));
    const first = payloadOf<Echo>(await host.invoke('echo', '{}'));
    const second = payloadOf<Echo>(await host.invoke('echo', '{}'));
    expect(first.context).toMatchObject({
      functionName: 'echo',
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:echo`,
      memoryLimitInMB: '512',
      awsRequestId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      logGroupName: '/aws/lambda/echo',
      logStreamName: first.env.AWS_LAMBDA_LOG_STREAM_NAME,
      callbackWaitsForEmptyEventLoop: true,
      identity: 'absent',
      clientContext: 'absent',
    });
    expect(first.context.remainingMs).toBeGreaterThan(2_000);
    expect(first.context.remainingMs).toBeLessThanOrEqual(3_000);
    expect(second.context.awsRequestId).not.toBe(first.context.awsRequestId);
  });
});

describe('LambdaHost: finding the function', () => {
  it('invokes by name, by ARN and by ARN or name qualified with $LATEST, reporting the ARN used', async () => {
    const { host } = start();
    host.register(fixtureFunction('echo'));
    const arn = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:echo`;
    const invokedArns = [];
    for (const id of ['echo', arn, `${arn}:$LATEST`, 'echo:$LATEST']) {
      invokedArns.push(payloadOf<Echo>(await host.invoke(id, '{}')).context.invokedFunctionArn);
    }
    expect(invokedArns).toEqual([arn, arn, `${arn}:$LATEST`, `${arn}:$LATEST`]);
  });

  it('answers ResourceNotFoundException for an unknown function, version or alias', async () => {
    const { host } = start();
    host.register(fixtureFunction('echo'));
    const arn = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:echo`;
    expect(await host.invoke('missing', '{}')).toEqual({
      status: 'rejected',
      errorCode: 'ResourceNotFoundException',
      message: `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:missing`,
    });
    for (const id of [`${arn}:live`, `${arn}:1`, `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:echo`]) {
      expect(await host.invoke(id, '{}')).toMatchObject({ errorCode: 'ResourceNotFoundException' });
    }
  });
});

describe('LambdaHost: loading the code', () => {
  it('prefers index.js over index.mjs and index.cjs, as the Node.js runtime looks them up', async () => {
    const { host } = start();
    host.register(fixtureFunction('resolution-order'));
    expect(payloadOf(await host.invoke('resolution-order', '{}'))).toBe('index.js');
  });

  it('prefers index.mjs over index.cjs', async () => {
    const { host } = start();
    host.register(fixtureFunction('mjs-before-cjs'));
    expect(payloadOf(await host.invoke('mjs-before-cjs', '{}'))).toBe('index.mjs');
  });

  it('finds a CommonJS handler as index.cjs', async () => {
    const { host } = start();
    host.register(fixtureFunction('cjs'));
    expect(payloadOf(await host.invoke('cjs', '{}'))).toEqual({ module: 'commonjs' });
  });

  it('loads a CommonJS index.js as CommonJS although the project around it says "type": "module"', async () => {
    const { host } = start();
    host.register(fixtureFunction('commonjs-js'));
    expect(payloadOf(await host.invoke('commonjs-js', '{}'))).toEqual({
      module: 'commonjs',
      dirname: path.resolve(import.meta.dirname, '../fixtures/lambda/commonjs-js'),
    });
  });

  it('resolves a handler in a subfolder with a nested export', async () => {
    const { host } = start();
    host.register(fixtureFunction('nested', { handler: 'lib/orders.handlers.record' }));
    expect(payloadOf(await host.invoke('nested', '{"orderId":"o-7"}'))).toEqual({ recorded: 'o-7' });
  });

  it('turns NODE_OPTIONS into worker flags: source maps on, per-process flags ignored with one log line', async () => {
    const { host, logs } = start();
    host.register(
      fixtureFunction('source-maps', {
        environment: { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=100' },
      }),
    );
    const first = payloadOf<{ sourceMapsEnabled: boolean; execArgv: string[] }>(
      await host.invoke('source-maps', '{}'),
    );
    expect(first).toMatchObject({ sourceMapsEnabled: true, execArgv: ['--enable-source-maps'] });
    const ignored = logs.filter((line) => line.includes('--max-old-space-size=100'));
    expect(ignored).toEqual([
      'source-maps: NODE_OPTIONS: --max-old-space-size=100 cannot apply to a worker thread and is ignored locally',
    ]);
  });
});

describe('LambdaHost: warm and cold starts', () => {
  it('reuses a warm environment: module state survives between invocations', async () => {
    const { host } = start();
    host.register(fixtureFunction('counter'));
    const counts = [];
    for (let i = 0; i < 3; i++) {
      counts.push(payloadOf<{ invocations: number }>(await host.invoke('counter', '{}')).invocations);
    }
    expect(counts).toEqual([1, 2, 3]);
  });

  it('runs module init once per environment and reports its duration on the cold start only', async () => {
    const { host, logs } = start();
    host.register(fixtureFunction('logs'));
    await host.invoke('logs', '{"orderId":"o-1"}');
    await host.invoke('logs', '{"orderId":"o-2"}');
    expect(logs.filter((line) => line.includes('module initialised'))).toHaveLength(1);
    const reports = logs.filter((line) => line.startsWith('logs: REPORT RequestId:'));
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(/\tInit Duration: \d+\.\d{2} ms$/);
    expect(reports[1]).not.toContain('Init Duration');
  });
});

describe('LambdaHost: logs', () => {
  it('emits the function’s lines between START and END, in Lambda’s text format, then REPORT', async () => {
    const { host, logs } = start();
    host.register(fixtureFunction('logs', { memorySizeMb: 256 }));
    const outcome = await host.invoke('logs', '{"orderId":"o-42"}');
    expect(payloadOf(outcome)).toBe('logged');

    const startIndex = logs.findIndex((line) => line.startsWith('logs: START RequestId: '));
    const requestId = /START RequestId: (\S+) Version: \$LATEST$/.exec(logs[startIndex] ?? '')?.[1];
    expect(requestId).toBeDefined();
    const endIndex = logs.indexOf(`logs: END RequestId: ${requestId}`);
    const invocationLines = logs.slice(startIndex + 1, endIndex);
    const iso = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';
    expect(invocationLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^logs: ${iso}\\t${requestId}\\tINFO\\tprocessing order o-42$`)),
        expect.stringMatching(new RegExp(`^logs: ${iso}\\t${requestId}\\tWARN\\tstock is low$`)),
        expect.stringMatching(new RegExp(`^logs: ${iso}\\t${requestId}\\tERROR\\tpayment retried$`)),
        'logs: raw stdout line',
        'logs: raw stderr line',
      ]),
    );
    expect(invocationLines).toHaveLength(5);
    expect(logs[endIndex + 1]).toMatch(
      new RegExp(
        `^logs: REPORT RequestId: ${requestId}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\t` +
          'Memory Size: 256 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: \\d+\\.\\d{2} ms$',
      ),
    );
    // Init logs carry no request id, as in Lambda.
    expect(logs.slice(0, startIndex)).toEqual([
      expect.stringMatching(new RegExp(`^logs: ${iso}\\tundefined\\tINFO\\tmodule initialised$`)),
    ]);
  });

  it('bills the init phase with the invocation', async () => {
    const { host, logs } = start();
    host.register(fixtureFunction('counter'));
    await host.invoke('counter', '{}');
    const report = logs.find((line) => line.includes('REPORT')) ?? '';
    const [, duration, billed, init] =
      /Duration: ([\d.]+) ms\tBilled Duration: (\d+) ms.*Init Duration: ([\d.]+) ms/.exec(report) ?? [];
    // Both durations are printed to 0.01 ms: the bill is their sum rounded up to the millisecond.
    const total = Number(duration) + Number(init);
    expect(Number(billed)).toBeGreaterThanOrEqual(Math.floor(total));
    expect(Number(billed)).toBeLessThanOrEqual(Math.ceil(total + 0.02));
    expect(Number(billed)).toBeGreaterThan(Number(duration) + 1);
  });
});
