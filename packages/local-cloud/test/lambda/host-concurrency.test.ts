import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/helpers/eventually.ts';
import type { LambdaHost } from '../../src/lambda/host.ts';
import type { InvokeOutcome } from '../../src/lambda/types.ts';
import { fixtureFunction, payloadOf, testHost } from './lambda-host-fixtures.ts';

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

interface Slow {
  environmentId: string;
  invocations: number;
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('LambdaHost: concurrency', () => {
  it('throttles past reserved concurrency with TooManyRequestsException', async () => {
    const { host } = start();
    host.register(fixtureFunction('slow', { reservedConcurrency: 1 }));
    const outcomes = await Promise.all([
      host.invoke('slow', JSON.stringify({ sleepMs: 300 })),
      host.invoke('slow', JSON.stringify({ sleepMs: 300 })),
    ]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['rejected', 'succeeded']);
    expect(outcomes.find((outcome) => outcome.status === 'rejected')).toEqual({
      status: 'rejected',
      errorCode: 'TooManyRequestsException',
      message: 'Rate Exceeded.',
    });
    // The slot is free again once the first invocation is done.
    expect((await host.invoke('slow', '{}')).status).toBe('succeeded');
  });

  it('throttles every invocation of a function with reserved concurrency 0', async () => {
    const { host } = start();
    host.register(fixtureFunction('slow', { reservedConcurrency: 0 }));
    expect(await host.invoke('slow', '{}')).toMatchObject({ errorCode: 'TooManyRequestsException' });
  });

  it('runs up to the reserved concurrency at once, even above the default cap', async () => {
    const { host } = start({ maxConcurrencyPerFunction: 1 });
    host.register(fixtureFunction('slow', { reservedConcurrency: 3 }));
    const outcomes = await Promise.all(
      Array.from({ length: 3 }, () => host.invoke('slow', JSON.stringify({ sleepMs: 200 }))),
    );
    const environments = new Set(outcomes.map((outcome) => payloadOf<Slow>(outcome).environmentId));
    expect(environments.size).toBe(3);
  });

  it('queues past the default cap instead of failing, never running more environments than the cap', async () => {
    const { host } = start({ maxConcurrencyPerFunction: 2 });
    host.register(fixtureFunction('slow'));
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => host.invoke('slow', JSON.stringify({ sleepMs: 150 }))),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(6).fill('succeeded'));
    const perEnvironment = new Map<string, number>();
    for (const outcome of outcomes) {
      const { environmentId } = payloadOf<Slow>(outcome);
      perEnvironment.set(environmentId, (perEnvironment.get(environmentId) ?? 0) + 1);
    }
    // How the six share the environments depends on which one is free first (a busy machine starts one later);
    // that there are never more than two does not.
    expect(perEnvironment.size).toBeLessThanOrEqual(2);
    expect([...perEnvironment.values()].reduce((sum, count) => sum + count, 0)).toBe(6);
  });

  it('runs each environment one invocation at a time and reuses idle ones', async () => {
    const { host } = start();
    host.register(fixtureFunction('slow'));
    const concurrent = await Promise.all([
      host.invoke('slow', JSON.stringify({ sleepMs: 200 })),
      host.invoke('slow', JSON.stringify({ sleepMs: 200 })),
    ]);
    const [first, second] = concurrent.map((outcome) => payloadOf<Slow>(outcome));
    expect(first?.environmentId).not.toBe(second?.environmentId);
    const later = payloadOf<Slow>(await host.invoke('slow', '{}'));
    expect([first?.environmentId, second?.environmentId]).toContain(later.environmentId);
    expect(later.invocations).toBe(2);
  });
});

describe('LambdaHost: close', () => {
  it('stops every environment, busy or idle, and answers running and queued invocations with ServiceException', async () => {
    const { host } = start({ maxConcurrencyPerFunction: 1 });
    host.register(fixtureFunction('busy', { codeDirectory: 'server', timeoutSeconds: 30 }));
    host.register(fixtureFunction('idle', { codeDirectory: 'server' }));
    const busyPort = payloadOf<{ port: number }>(await host.invoke('busy', '{}')).port;
    const idlePort = payloadOf<{ port: number }>(await host.invoke('idle', '{}')).port;
    expect(await accepts(busyPort)).toBe(true);

    const running = host.invoke('busy', JSON.stringify({ sleepMs: 20_000 }));
    const queued = host.invoke('busy', '{}');
    await host.close();

    const closed: InvokeOutcome = {
      status: 'rejected',
      errorCode: 'ServiceException',
      message: 'The local Lambda host was closed before the invocation could finish.',
    };
    expect(await running).toEqual(closed);
    expect(await queued).toEqual(closed);
    expect(await host.invoke('idle', '{}')).toEqual(closed);
    await eventually(async () => ((await accepts(busyPort)) ? undefined : true), {
      timeoutMs: 5_000,
      what: 'the busy environment to stop',
    });
    expect(await accepts(idlePort)).toBe(false);
  });

  it('can be called again once closed', async () => {
    const { host } = start();
    host.register(fixtureFunction('counter'));
    await host.invoke('counter', '{}');
    await host.close();
    await expect(host.close()).resolves.toBeUndefined();
  });
});
