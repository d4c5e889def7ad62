import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { acceptsConnections, freePort, isPortFree } from '../../src/emulators/ports.ts';

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

describe('acceptsConnections', () => {
  it('tells a port something listens on from one nothing listens on', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      expect(await acceptsConnections(port)).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await acceptsConnections(port)).toBe(false);
  });
});
