import { describe, expect, it } from 'vitest';
import { startChildEmulator } from '../../src/emulators/child-emulator.ts';
import { EmulatorExitedError } from '../../src/emulators/emulator-error.ts';

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

describe('startChildEmulator, when the process ends', () => {
  it('says with what status it exited before it was ready', async () => {
    const failure = await startChildEmulator({
      name: 'Crashing emulator',
      command: process.execPath,
      args: ['-e', 'process.kill(process.pid, "SIGABRT")'],
      endpoint: 'http://127.0.0.1:1',
      isReady: async () => false,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EmulatorExitedError);
    expect((failure as EmulatorExitedError).status).toBe('SIGABRT');
  });

  it('runs onExit with the exit status before stop() resolves', async () => {
    const statuses: Array<number | string> = [];
    let listening = false;
    const emulator = await startChildEmulator({
      name: 'Tidy emulator',
      command: process.execPath,
      args: [
        '-e',
        'process.on("SIGTERM", () => process.exit(143)); console.log("ready"); setInterval(() => {}, 1000)',
      ],
      endpoint: 'http://127.0.0.1:1',
      onOutput: () => {
        listening = true;
      },
      isReady: async () => listening,
      onExit: async (status) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        statuses.push(status);
      },
    });
    await emulator.stop();
    expect(statuses).toEqual([143]);
    await emulator.stop();
    expect(statuses).toEqual([143]);
  });
});
