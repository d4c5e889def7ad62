import { describe, expect, it } from 'vitest';
import { requireEnv } from '../../../lambda/shared/config.ts';

describe('requireEnv', () => {
  it('returns the value of a variable that is set', () => {
    expect(requireEnv('ORDERS_TABLE_NAME', { ORDERS_TABLE_NAME: 'orders-prod' })).toBe('orders-prod');
  });

  it.each([
    ['missing', {}],
    ['empty', { ORDERS_TABLE_NAME: '' }],
  ])('fails naming a variable that is %s', (_case, environment) => {
    expect(() => requireEnv('ORDERS_TABLE_NAME', environment)).toThrow(
      'Missing environment variable ORDERS_TABLE_NAME',
    );
  });
});
