import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/helpers/eventually.ts';
import type { LambdaHost } from '../../src/lambda/host.ts';
import { fixtureFunction, payloadOf, testHost } from './lambda-host-fixtures.ts';

let host: LambdaHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

/** Waits until the function has `count` execution environments that have not exited. */
async function environments(host: LambdaHost, count: number): Promise<void> {
  await eventually(async () => (host.environmentCount('versioned') === count ? true : undefined), {
    timeoutMs: 5_000,
    what: `${count} environment(s) of versioned`,
  });
}

function start(): LambdaHost {
  host = testHost().host;
  return host;
}

interface Answer {
  version: number;
  greeting: string | null;
}

const v1 = fixtureFunction('versioned', { codeDirectory: 'versions/v1' });

describe('LambdaHost: updating a function', () => {
  it('answers with the new code from the next invocation on, and stops the warm environment', async () => {
    const host = start();
    host.register(v1);
    expect(payloadOf<Answer>(await host.invoke('versioned', '{}')).version).toBe(1);
    expect(host.environmentCount('versioned')).toBe(1);

    host.updateFunctionCode(
      'versioned',
      fixtureFunction('versioned', { codeDirectory: 'versions/v2' }).codeDirectory,
    );
    expect(payloadOf<Answer>(await host.invoke('versioned', '{}')).version).toBe(2);
    // The v1 environment has exited: only the v2 one is left.
    await environments(host, 1);
  });

  it('lets an invocation in flight finish on the old code, then stops its environment', async () => {
    const host = start();
    host.register(v1);
    const inFlight = host.invoke('versioned', JSON.stringify({ sleepMs: 500 }));
    // The invocation has its (v1) environment from the start.
    expect(host.environmentCount('versioned')).toBe(1);

    host.update({
      ...v1,
      codeDirectory: fixtureFunction('x', { codeDirectory: 'versions/v2' }).codeDirectory,
    });
    expect(payloadOf<Answer>(await host.invoke('versioned', '{}')).version).toBe(2);
    expect(payloadOf<Answer>(await inFlight).version).toBe(1);
    // The old environment is not reused: every later invocation runs v2, and it exits.
    for (let i = 0; i < 3; i++) {
      expect(payloadOf<Answer>(await host.invoke('versioned', '{}')).version).toBe(2);
    }
    await environments(host, 1);
  });

  it('gives new invocations the new configuration', async () => {
    const host = start();
    host.register({ ...v1, environment: { GREETING: 'hello' } });
    expect(payloadOf<Answer>(await host.invoke('versioned', '{}')).greeting).toBe('hello');
    host.update({ ...v1, environment: { GREETING: 'bonjour' } });
    expect(payloadOf<Answer>(await host.invoke('versioned', '{}'))).toEqual({
      version: 1,
      greeting: 'bonjour',
    });
  });

  it('refuses a configuration with a reserved variable and keeps the old one', async () => {
    const host = start();
    host.register({ ...v1, environment: { GREETING: 'hello' } });
    expect(() => host.update({ ...v1, environment: { AWS_REGION: 'eu-central-1' } })).toThrow(/AWS_REGION/);
    expect(payloadOf<Answer>(await host.invoke('versioned', '{}')).greeting).toBe('hello');
  });

  it('fails to update a function it does not know', () => {
    const host = start();
    expect(() => host.updateFunctionCode('missing', '/tmp')).toThrow(
      'Function not found: arn:aws:lambda:eu-west-1:000000000000:function:missing',
    );
  });

  it('removes a function: later invocations are not found, the one in flight finishes, workers exit', async () => {
    const host = start();
    host.register(v1);
    const inFlight = host.invoke('versioned', JSON.stringify({ sleepMs: 300 }));
    expect(host.environmentCount('versioned')).toBe(1);
    host.unregister('versioned');
    expect(await host.invoke('versioned', '{}')).toMatchObject({
      status: 'rejected',
      errorCode: 'ResourceNotFoundException',
    });
    expect(payloadOf<Answer>(await inFlight).version).toBe(1);
    await environments(host, 0);
  });
});
