import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambda/domain/errors.ts';
import { EarlierRecordFailedError, inKeyOrder } from '../../../lambda/shared/key-ordered.ts';

interface Item {
  readonly key: string;
  readonly id: string;
}

const item = (key: string, id: string): Item => ({ key, id });

describe('inKeyOrder', () => {
  it('runs one key’s records one after another, in order, and different keys side by side', async () => {
    const log: string[] = [];
    const process = inKeyOrder(
      (record: Item) => record.key,
      async (record) => {
        log.push(`start ${record.id}`);
        await new Promise((resolve) => setTimeout(resolve, record.id === 'a1' ? 20 : 1));
        log.push(`end ${record.id}`);
      },
    );
    await Promise.all([item('a', 'a1'), item('b', 'b1'), item('a', 'a2')].map(process));
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  it('fails a key’s later records, unrun, once one of its records failed; other keys go on', async () => {
    const ran: string[] = [];
    const process = inKeyOrder(
      (record: Item) => record.key,
      async (record) => {
        if (record.id === 'a2') {
          throw new Error('DynamoDB throttled');
        }
        ran.push(record.id);
      },
    );
    const batch = [
      item('a', 'a1'),
      item('b', 'b1'),
      item('a', 'a2'),
      item('b', 'b2'),
      item('a', 'a3'),
      item('a', 'a4'),
    ];
    const outcomes = await Promise.allSettled(batch.map(process));
    expect(ran).toEqual(['a1', 'b1', 'b2']);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
    const [, , failed, , skipped] = outcomes;
    expect(failed?.status === 'rejected' && failed.reason).toEqual(new Error('DynamoDB throttled'));
    expect(skipped?.status === 'rejected' && skipped.reason).toBeInstanceOf(EarlierRecordFailedError);
    expect(skipped?.status === 'rejected' && (skipped.reason as Error).message).toMatch(/key a failed/);
  });

  it('lets a key go on past a record whose content is invalid: no retry can apply it, so nothing overtakes it', async () => {
    const ran: string[] = [];
    const process = inKeyOrder(
      (record: Item) => record.key,
      async (record) => {
        if (record.id === 'a1') {
          throw new ValidationError('The body is not valid JSON.', []);
        }
        ran.push(record.id);
      },
    );
    const outcomes = await Promise.allSettled([item('a', 'a1'), item('a', 'a2')].map(process));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled']);
    expect(ran).toEqual(['a2']);
  });
});
