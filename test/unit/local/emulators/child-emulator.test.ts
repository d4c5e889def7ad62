import { describe, expect, it } from 'vitest';
import { startChildEmulator } from '../../../../local/emulators/child-emulator.ts';

describe('startChildEmulator', () => {
  it('fails with the emulator’s last output when it exits before it is ready', async () => {
    await expect(
      startChildEmulator({
        name: 'Broken emulator',
        command: process.execPath,
        args: ['-e', "console.error('Address already in use: bind'); process.exit(2)"],
        endpoint: 'http://127.0.0.1:1',
        isReady: async () => false,
      }),
    ).rejects.toThrow(
      /Broken emulator exited \(2\) before it was ready\. Its last output:\n {2}Address already in use: bind/,
    );
  });

  it('stops an emulator that never becomes ready, and says so', async () => {
    await expect(
      startChildEmulator({
        name: 'Silent emulator',
        command: process.execPath,
        args: ['-e', 'setInterval(() => {}, 1000)'],
        endpoint: 'http://127.0.0.1:1',
        isReady: async () => false,
        startTimeoutMs: 300,
      }),
    ).rejects.toThrow('Silent emulator was not ready after 300 ms');
  });

  it('says which command could not start', async () => {
    await expect(
      startChildEmulator({
        name: 'Missing emulator',
        command: '/nonexistent/emulator',
        args: [],
        endpoint: 'http://127.0.0.1:1',
        isReady: async () => false,
      }),
    ).rejects.toThrow(/Missing emulator exited \(ENOENT\)/);
  });

  it('is ready once its check passes, and stop() ends the process', async () => {
    const emulator = await startChildEmulator({
      name: 'Fine emulator',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      endpoint: 'http://127.0.0.1:1',
      isReady: async () => true,
    });
    await emulator.stop();
    await emulator.stop();
    expect(emulator.endpoint).toBe('http://127.0.0.1:1');
  });
});
