import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkFaultPlan, FaultInjector, type FaultRule } from '../../src/lambda/fault-injection.ts';
import type { LambdaHost } from '../../src/lambda/host.ts';
import { fixtureFunction, payloadOf, testHost } from './lambda-host-fixtures.ts';

describe('fault plans', () => {
  it('accepts a complete plan', () => {
    expect(
      checkFaultPlan({
        seed: 7,
        rules: [
          {
            functions: '*ProcessOrders*',
            errorRate: 0.2,
            timeoutRate: 0.05,
            at: 'either',
            slowRate: 0.1,
            slowMs: [100, 500],
          },
        ],
      }),
    ).toEqual([]);
  });

  it('names every problem of a bad plan', () => {
    expect(
      checkFaultPlan({
        seed: -1,
        rules: [
          { functions: '', errorRate: 1.5, at: 'during', slowMs: [5, 1], retries: 3 },
          { functions: 'f', errorRate: 0.7, timeoutRate: 0.6 },
        ],
      }),
    ).toEqual([
      '`seed` must be a non-negative integer',
      'rules[0].retries is not a fault setting (known: functions, errorRate, timeoutRate, at, slowRate, slowMs)',
      'rules[0].functions must name functions, e.g. "*ProcessOrders*"',
      'rules[0].errorRate must be a share from 0 to 1',
      'rules[0]: errorRate and timeoutRate add up to more than 1',
      'rules[0].at must be "before", "after" or "either"',
      'rules[0].slowMs must be milliseconds, or [min, max]',
      'rules[1]: errorRate and timeoutRate add up to more than 1',
    ]);
    expect(checkFaultPlan([])).toEqual(['`rules` must be an array']);
    expect(() => new FaultInjector({ rules: [{ functions: 'f', errorRate: 2 }] })).toThrow(
      /Invalid fault plan:\n- rules\[0\]\.errorRate must be a share from 0 to 1/,
    );
  });
});

describe('FaultInjector', () => {
  const draws = (rule: FaultRule, count: number, seed = 1) => {
    const injector = new FaultInjector({ seed, rules: [rule] });
    return Array.from({ length: count }, () => injector.decide('Stack-ProcessOrders-1'));
  };

  it('draws the same faults from the same seed, and other faults from another', () => {
    const rule: FaultRule = { functions: '*', errorRate: 0.3, timeoutRate: 0.1, slowRate: 0.2 };
    expect(draws(rule, 200, 42)).toEqual(draws(rule, 200, 42));
    expect(draws(rule, 200, 42)).not.toEqual(draws(rule, 200, 43));
  });

  it('fails the configured share of invocations, before and after the handler', () => {
    const decisions = draws({ functions: '*ProcessOrders*', errorRate: 0.2 }, 10_000);
    const failures = decisions.filter((decision) => decision.failure?.kind === 'error');
    expect(failures.length / decisions.length).toBeGreaterThan(0.18);
    expect(failures.length / decisions.length).toBeLessThan(0.22);
    const before = failures.filter((decision) => decision.failure?.at === 'before').length;
    expect(before / failures.length).toBeGreaterThan(0.45);
    expect(before / failures.length).toBeLessThan(0.55);
    expect(decisions.every((decision) => decision.delayMs === 0)).toBe(true);
  });

  it('draws timeouts at the point the rule fixes, and latency within its range', () => {
    const decisions = draws(
      { functions: '*', timeoutRate: 0.5, at: 'after', slowRate: 1, slowMs: [100, 200] },
      1_000,
    );
    const timeouts = decisions.filter((decision) => decision.failure);
    expect(timeouts.every((decision) => decision.failure?.kind === 'timeout')).toBe(true);
    expect(timeouts.every((decision) => decision.failure?.at === 'after')).toBe(true);
    expect(timeouts.length).toBeGreaterThan(400);
    expect(Math.min(...decisions.map((decision) => decision.delayMs))).toBeGreaterThanOrEqual(100);
    expect(Math.max(...decisions.map((decision) => decision.delayMs))).toBeLessThanOrEqual(200);
  });

  it('applies the first rule whose pattern matches the whole name, and leaves other functions alone', () => {
    const injector = new FaultInjector({
      seed: 3,
      rules: [
        { functions: '*Subscriber*', errorRate: 1, at: 'before' },
        { functions: '*', slowRate: 1, slowMs: 5 },
      ],
    });
    expect(injector.decide('Stack-AccountingSubscriber-9')).toEqual({
      failure: { kind: 'error', at: 'before' },
      delayMs: 0,
    });
    expect(injector.decide('Stack-RecordOrder-2')).toEqual({ delayMs: 5 });
    const exact = new FaultInjector({ rules: [{ functions: 'Process', errorRate: 1 }] });
    expect(exact.decide('ProcessOrders')).toEqual({ delayMs: 0 });
    expect(exact.report().size).toBe(0);
  });

  it('counts what it injected, and injects nothing while paused', () => {
    const injector = new FaultInjector({ seed: 5, rules: [{ functions: 'f', errorRate: 1, at: 'after' }] });
    injector.decide('f');
    injector.pause();
    expect(injector.decide('f')).toEqual({ delayMs: 0 });
    injector.resume();
    injector.decide('f');
    expect(injector.report().get('f')).toEqual({
      invocations: 3,
      errorsBefore: 0,
      errorsAfter: 2,
      timeoutsBefore: 0,
      timeoutsAfter: 0,
      slowed: 0,
    });
  });
});

describe('LambdaHost with injected faults', () => {
  let host: LambdaHost | undefined;
  let directory: string;
  let journal: string;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'faults-'));
    journal = path.join(directory, 'journal');
  });
  afterEach(async () => {
    await host?.close();
    host = undefined;
    await rm(directory, { recursive: true, force: true });
  });

  function hostWith(rule: Omit<FaultRule, 'functions'>) {
    const started = testHost({
      faults: new FaultInjector({ seed: 1, rules: [{ functions: 'journal', ...rule }] }),
    });
    host = started.host;
    host.register(fixtureFunction('journal', { timeoutSeconds: 1 }));
    return started;
  }
  const invoke = (id: string) => {
    if (!host) {
      throw new Error('no host');
    }
    return host.invoke('journal', JSON.stringify({ id, journal }));
  };
  const applied = async () => (await readFile(journal, 'utf8').catch(() => '')).split('\n').filter(Boolean);

  it('an error before the handler: the invocation fails and nothing was applied', async () => {
    const { logs } = hostWith({ errorRate: 1, at: 'before' });
    const outcome = await invoke('a');
    expect(outcome).toMatchObject({ status: 'function-error', errorType: 'InjectedFault' });
    expect(JSON.parse(outcome.status === 'function-error' ? outcome.payload : '{}')).toEqual({
      errorType: 'InjectedFault',
      errorMessage: 'Injected fault: the invocation failed before the handler ran',
    });
    expect(await applied()).toEqual([]);
    expect(logs.some((line) => /WARN\tInjected fault: an error before the handler ran/.test(line))).toBe(
      true,
    );
    expect(logs.at(-1)).toMatch(/^journal: REPORT RequestId: /);
  });

  it('an error after the handler: its side effect is done, the caller still sees a failure', async () => {
    hostWith({ errorRate: 1, at: 'after' });
    const outcome = await invoke('b');
    expect(outcome).toMatchObject({ status: 'function-error', errorType: 'InjectedFault' });
    expect(await applied()).toEqual(['b']);
  });

  it('a timeout after the handler: Sandbox.Timedout once its time is up, and the environment is replaced', async () => {
    const { logs } = hostWith({ timeoutRate: 1, at: 'after' });
    const started = performance.now();
    const outcome = await invoke('c');
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(outcome).toMatchObject({ status: 'function-error', errorType: 'Sandbox.Timedout' });
    expect(await applied()).toEqual(['c']);
    expect(logs.some((line) => line.includes('Task timed out after 1.00 seconds'))).toBe(true);
    await invoke('d');
    expect(logs.filter((line) => line.includes('Init Duration')).length).toBe(2);
  });

  it('a timeout before the handler: Sandbox.Timedout and nothing applied', async () => {
    hostWith({ timeoutRate: 1, at: 'before' });
    expect(await invoke('e')).toMatchObject({ status: 'function-error', errorType: 'Sandbox.Timedout' });
    expect(await applied()).toEqual([]);
  });

  it('latency uses up the function’s time: the handler sees less of it, and too much is a timeout', async () => {
    hostWith({ slowRate: 1, slowMs: 300 });
    const outcome = await invoke('f');
    expect(outcome.status).toBe('succeeded');
    expect(outcome.status === 'succeeded' && outcome.durationMs).toBeGreaterThanOrEqual(300);
    expect(payloadOf<{ remainingMs: number }>(outcome).remainingMs).toBeLessThanOrEqual(700);
    await host?.close();
    hostWith({ slowRate: 1, slowMs: 1_500 });
    expect(await invoke('g')).toMatchObject({ status: 'function-error', errorType: 'Sandbox.Timedout' });
    expect(await applied()).toEqual(['f']);
  });
});
