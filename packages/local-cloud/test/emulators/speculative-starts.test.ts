import { describe, expect, it } from 'vitest';
import { SpeculativeStarts, type Stoppable } from '../../src/emulators/speculative-starts.ts';

interface FakeService extends Stoppable {
  readonly name: string;
}

/** Services that record when they start and stop; `failing` ones fail to start. */
function fakeServices(failing: readonly string[] = []) {
  const events: string[] = [];
  const starter = (name: string) => async (): Promise<FakeService> => {
    events.push(`start ${name}`);
    await new Promise((resolve) => setImmediate(resolve));
    if (failing.includes(name)) {
      throw new Error(`${name} needs Java`);
    }
    return {
      name,
      stop: async () => {
        events.push(`stop ${name}`);
      },
    };
  };
  const starts = new SpeculativeStarts<{ dynamodb: FakeService; fauxqs: FakeService; kinesis: FakeService }>({
    dynamodb: starter('dynamodb'),
    fauxqs: starter('fauxqs'),
    kinesis: starter('kinesis'),
  });
  return { starts, events };
}

describe('SpeculativeStarts', () => {
  it('starts the guessed services at once, before it is known which are needed', () => {
    const { starts, events } = fakeServices();
    starts.start(['dynamodb', 'kinesis']);
    expect(events).toEqual(['start dynamodb', 'start kinesis']);
    expect(starts.startedNames()).toEqual(['dynamodb', 'kinesis']);
  });

  it('keeps the needed ones, stops the others, and starts needed ones nobody guessed', async () => {
    const { starts, events } = fakeServices();
    starts.start(['dynamodb', 'fauxqs', 'kinesis']);
    const kept = await starts.settle(['fauxqs']);
    expect(Object.keys(kept)).toEqual(['fauxqs']);
    expect(kept.fauxqs?.name).toBe('fauxqs');
    await starts.stop();
    expect(events.filter((event) => event.startsWith('stop')).sort()).toEqual([
      'stop dynamodb',
      'stop fauxqs',
      'stop kinesis',
    ]);

    const later = fakeServices();
    later.starts.start(['fauxqs']);
    const both = await later.starts.settle(['fauxqs', 'dynamodb']);
    expect(Object.keys(both).sort()).toEqual(['dynamodb', 'fauxqs']);
    expect(later.events).toEqual(['start fauxqs', 'start dynamodb']);
  });

  it('stops an unneeded service as soon as its start ends, without waiting for settle’s caller', async () => {
    const { starts, events } = fakeServices();
    starts.start(['dynamodb', 'fauxqs']);
    await starts.settle(['fauxqs']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toContain('stop dynamodb');
    expect(events).not.toContain('stop fauxqs');
    expect(starts.startedNames()).toEqual(['fauxqs']);
  });

  it('ignores a failed start of a service that turns out not to be needed', async () => {
    const { starts } = fakeServices(['dynamodb']);
    starts.start(['dynamodb', 'fauxqs']);
    await expect(starts.settle(['fauxqs'])).resolves.toHaveProperty('fauxqs');
    await expect(starts.stop()).resolves.toBeUndefined();
  });

  it('fails as a needed service that cannot start, and still stops the others', async () => {
    const { starts, events } = fakeServices(['dynamodb']);
    starts.start(['dynamodb', 'kinesis']);
    await expect(starts.settle(['dynamodb', 'kinesis'])).rejects.toThrow('dynamodb needs Java');
    await starts.stop();
    expect(events).toContain('stop kinesis');
  });

  it('stops services still starting once they have started', async () => {
    const { starts, events } = fakeServices();
    starts.start(['kinesis']);
    await starts.stop();
    expect(events).toEqual(['start kinesis', 'stop kinesis']);
  });
});
