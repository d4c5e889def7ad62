import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const PRELOAD = path.resolve(import.meta.dirname, '../../src/emulators/exit-with-parent.mjs');

/**
 * A child that behaves as kinesis-mock does on a signal: its own handler starts a graceful shutdown that never
 * ends, and it replaces process.exit with that shutdown.
 */
const STUBBORN = [
  "process.on('SIGTERM', () => {}); process.on('SIGINT', () => {});",
  'process.exit = () => {};',
  "console.log('up'); setInterval(() => {}, 1000);",
].join(' ');

function startStubborn() {
  const child = spawn(process.execPath, ['--import', PRELOAD, '-e', STUBBORN], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const up = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return { child, exited, up };
}

describe('the exit-with-parent preload', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'ends the emulator at once on %s, whatever its own handlers do',
    async (signal) => {
      const { child, exited, up } = startStubborn();
      await up;
      child.kill(signal);
      expect(await exited).toEqual({ code: 0, signal: null });
    },
  );

  it('ends the emulator when its standard input closes, as when the local cloud is gone', async () => {
    const { child, exited, up } = startStubborn();
    await up;
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});
