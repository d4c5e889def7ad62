import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/helpers/eventually.ts';

const BOOT = path.resolve(import.meta.dirname, 'fixtures/boot-with-emulators.ts');

/** A process as /proc shows it: its parent, its state (`Z` for a zombie: it has exited) and its command line. */
interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly state: string;
  readonly command: string;
}

function processes(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so split after its last `)`.
      const [state = '', ppid = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      entries.push({ pid: Number(name), ppid: Number(ppid), state, command });
    } catch {
      // It exited while the folder was read.
    }
  }
  return entries;
}

function descendantsOf(pid: number): ProcessEntry[] {
  const all = processes();
  const found: ProcessEntry[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of all) {
      if (parents.has(entry.ppid) && !parents.has(entry.pid)) {
        parents.add(entry.pid);
        found.push(entry);
        grew = true;
      }
    }
  }
  return found;
}

/** Whether a process still runs: a zombie has exited and only waits for init to reap it. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

describe.runIf(process.platform === 'linux')('when the local cloud process is killed', () => {
  it('takes every emulator with it at once, even one still starting (SIGKILL while kinesis-mock and DynamoDB Local start)', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'local-cloud-orphans-'));
    const cloud = spawn(process.execPath, ['--import', 'tsx', BOOT, directory], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    cloud.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    cloud.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise((resolve) => cloud.once('exit', resolve));
    const pid = cloud.pid as number;
    try {
      // Both emulators are child processes: kill as soon as both exist, long before either is ready.
      const starting = await eventually(
        async () => {
          const children = descendantsOf(pid);
          const kinesis = children.some((entry) => entry.command.includes('kinesis-local'));
          const java = children.some((entry) => entry.command.includes('DynamoDbLocalOnLoopback'));
          return kinesis && java ? children : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 20, what: `both emulators to start; output: ${output.join('')}` },
      );
      cloud.kill('SIGKILL');
      await exited;
      // Within a short deadline: an emulator that waits until its own start is over to notice is a leak.
      await eventually(async () => (starting.some((entry) => isRunning(entry.pid)) ? undefined : true), {
        timeoutMs: 3_000,
        intervalMs: 20,
      }).catch(() => undefined);
      expect(
        starting.filter((entry) => isRunning(entry.pid)).map((entry) => entry.command.slice(0, 120)),
      ).toEqual([]);
    } finally {
      cloud.kill('SIGKILL');
      for (const entry of descendantsOf(pid)) {
        process.kill(entry.pid, 'SIGKILL');
      }
      await rm(directory, { recursive: true, force: true });
    }
  }, 90_000);
});
