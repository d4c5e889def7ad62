import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { checkFaultPlan } from '../../src/lambda/fault-injection.ts';

describe('the example fault plan', () => {
  it('is a valid plan, as `npm start -- --faults examples/faults.json` reads it', async () => {
    expect(checkFaultPlan(JSON.parse(await readFile('examples/faults.json', 'utf8')))).toEqual([]);
  });
});
