import { describe, expect, it } from 'vitest';
import { runInDependencyOrder } from '../../src/cloudformation/dependency-order.ts';

/** A run whose end the test decides: `finish(id)` or `fail(id, error)`. */
function controlledRuns() {
  const started: string[] = [];
  const endings = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  const run = (id: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      started.push(id);
      endings.set(id, { resolve, reject });
    });
  /** Lets the scheduler react to what just ended (its callbacks run on microtasks). */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    started,
    run,
    finish: async (id: string) => {
      endings.get(id)?.resolve();
      await settle();
    },
    fail: async (id: string, error: Error) => {
      endings.get(id)?.reject(error);
      await settle();
    },
    settle,
  };
}

const deps = (entries: Record<string, string[]>) =>
  new Map(Object.entries(entries).map(([id, needs]) => [id, new Set(needs)]));

describe('runInDependencyOrder', () => {
  it('starts what has no dependency at once, together, and the rest only once all its dependencies ended', async () => {
    const runs = controlledRuns();
    const done = runInDependencyOrder(
      ['Table', 'Queue', 'Function', 'Mapping'],
      deps({ Table: [], Queue: [], Function: ['Table'], Mapping: ['Function', 'Queue'] }),
      runs.run,
      8,
    );
    await runs.settle();
    expect(runs.started).toEqual(['Table', 'Queue']);
    await runs.finish('Table');
    expect(runs.started).toEqual(['Table', 'Queue', 'Function']);
    await runs.finish('Function');
    // Mapping still waits for Queue.
    expect(runs.started).toEqual(['Table', 'Queue', 'Function']);
    await runs.finish('Queue');
    expect(runs.started).toEqual(['Table', 'Queue', 'Function', 'Mapping']);
    await runs.finish('Mapping');
    await expect(done).resolves.toBeUndefined();
  });

  it('runs at most `concurrency` at a time, the earliest in the given order first', async () => {
    const runs = controlledRuns();
    const done = runInDependencyOrder(
      ['A', 'B', 'C', 'D'],
      deps({ A: [], B: [], C: [], D: [] }),
      runs.run,
      2,
    );
    await runs.settle();
    expect(runs.started).toEqual(['A', 'B']);
    await runs.finish('B');
    expect(runs.started).toEqual(['A', 'B', 'C']);
    await runs.finish('A');
    await runs.finish('C');
    await runs.finish('D');
    await expect(done).resolves.toBeUndefined();
  });

  it('starts nothing more after a failure, waits for the runs under way, then throws the failure', async () => {
    const runs = controlledRuns();
    let outcome: unknown;
    const done = runInDependencyOrder(
      ['Table', 'Bucket', 'Function', 'Later'],
      deps({ Table: [], Bucket: [], Function: ['Table'], Later: ['Bucket'] }),
      runs.run,
      8,
    ).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    void done.then((value) => {
      outcome = value;
    });
    await runs.settle();
    await runs.fail('Table', new Error('Resource Table (AWS::DynamoDB::Table) failed to create: boom'));
    // Bucket is still being created: the failure is reported once it ends.
    expect(outcome).toBeUndefined();
    await runs.finish('Bucket');
    expect(runs.started).toEqual(['Table', 'Bucket']);
    expect(outcome).toEqual(new Error('Resource Table (AWS::DynamoDB::Table) failed to create: boom'));
  });

  it('reports resources that wait for each other', async () => {
    await expect(
      runInDependencyOrder(['A', 'B'], deps({ A: ['B'], B: ['A'] }), async () => {}, 4),
    ).rejects.toThrow('Circular dependency between resources: A, B');
  });
});
