import { describe, expect, it } from 'vitest';
import { measured, Timings } from '../src/timings.ts';

/** A clock the test moves by hand. */
function manualClock(startMs: number) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('Timings', () => {
  it('records overlapping steps from their origin, failed ones too, and lists them by start', async () => {
    const clock = manualClock(1_000);
    const timings = new Timings(500, clock.now);
    timings.mark('command line read');
    let finishSynthesis: () => void = () => {};
    const synthesis = timings.measure(
      'synthesis',
      () => new Promise<void>((resolve) => (finishSynthesis = resolve)),
    );
    clock.advance(100);
    const emulator = timings.measure('emulator DynamoDB Local', async () => {
      throw new Error('no Java');
    });
    clock.advance(1_200);
    await expect(emulator).rejects.toThrow('no Java');
    clock.advance(1_800);
    finishSynthesis();
    await synthesis;
    clock.advance(10);
    timings.mark('ready');
    expect(timings.entries()).toEqual([
      { name: 'command line read', startMs: 500 },
      { name: 'synthesis', startMs: 500, durationMs: 3_100 },
      { name: 'emulator DynamoDB Local', startMs: 600, durationMs: 1_200 },
      { name: 'ready', startMs: 3_610 },
    ]);
    expect(timings.format().split('\n')).toEqual([
      '  command line read        at  0.50 s',
      '  synthesis                at  0.50 s  took  3.10 s',
      '  emulator DynamoDB Local  at  0.60 s  took  1.20 s',
      '  ready                    at  3.61 s',
    ]);
  });

  it('runs a step untimed when there is no recorder', async () => {
    await expect(measured(undefined, 'synthesis', async () => 'cdk.out')).resolves.toBe('cdk.out');
  });
});
