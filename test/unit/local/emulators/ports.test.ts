import { describe, expect, it } from 'vitest';
import { freePort, isPortFree } from '../../../../local/emulators/ports.ts';

describe('freePort', () => {
  it('never hands out the same port twice, even before anything listens on it', async () => {
    const ports = [];
    for (let i = 0; i < 300; i++) {
      ports.push(await freePort());
    }
    expect(new Set(ports).size).toBe(ports.length);
    expect(await isPortFree(ports[0] as number)).toBe(true);
  });
});
