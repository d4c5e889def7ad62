import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { EmulatorError, EmulatorExitedError } from './emulator-error.ts';

/** An emulator running as a child process. */
export interface RunningEmulator {
  readonly name: string;
  /** Base URL of its AWS-protocol endpoint, e.g. `http://127.0.0.1:8000`. */
  readonly endpoint: string;
  /** Stops it and waits until the process is gone. Safe to call twice. */
  stop(): Promise<void>;
}

/** An emulator in a process of its own, which can also be killed. */
export interface ChildEmulator extends RunningEmulator {
  /** Kills it at once (SIGKILL, as a crash or an OOM kill would) and waits until the process is gone. */
  kill(): Promise<void>;
}

export interface ChildEmulatorOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** Extra environment variables for the process. */
  readonly env?: Readonly<Record<string, string>>;
  readonly endpoint: string;
  /** Resolves true once the emulator answers requests. */
  readonly isReady: () => Promise<boolean>;
  /**
   * How long to wait for readiness before giving up: a net under an emulator that hangs, far above a start on a
   * saturated machine (a JVM's start can take a minute when both cores are busy). @default 180 s
   */
  readonly startTimeoutMs?: number;
  /** Each line the emulator prints. */
  readonly onOutput?: (line: string) => void;
  /** How long {@link RunningEmulator.stop} waits after SIGTERM before SIGKILL. @default 5 s */
  readonly stopGraceMs?: number;
  /** Runs once the process is gone, with its exit code or signal, before `stop()` and `kill()` resolve. */
  readonly onExit?: (status: number | string) => Promise<void>;
}

const OUTPUT_LINES_KEPT = 30;
const STOP_GRACE_MS = 5_000;
const START_TIMEOUT_MS = 180_000;
/**
 * Between two readiness checks. A refused connection costs well under a millisecond, and the check also runs
 * as soon as the emulator prints a line, so readiness is seen within a few ms of the port answering.
 */
const READY_POLL_MS = 10;

/** Every child still running, killed on exit so a crash of the local cloud leaves none behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) {
    child.kill('SIGKILL');
  }
});

/**
 * Whether `setpriv --pdeathsig` can run a command here (Linux with util-linux 2.33 or later): checked once.
 * https://man7.org/linux/man-pages/man1/setpriv.1.html
 */
let parentDeathSignal: boolean | undefined;
function hasParentDeathSignal(): boolean {
  parentDeathSignal ??=
    process.platform === 'linux' &&
    spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' }).status === 0;
  return parentDeathSignal;
}

/**
 * The command line that starts an emulator so that it dies with this process, whatever kills it (SIGKILL
 * included) and whatever the emulator is busy with: on Linux, `setpriv` asks the kernel to send it SIGKILL when
 * its parent goes (prctl PR_SET_PDEATHSIG), then runs it in its own place (same pid). An emulator also watches
 * its standard input (exit-with-parent.mjs, the DynamoDB Local launcher), but only once its own start has come
 * that far: killed while starting, it ran on for seconds, a JVM for a minute. The signal follows the thread that
 * spawned the child, so emulators are started from the main thread, never from a worker thread.
 * https://man7.org/linux/man-pages/man2/prctl.2.html (PR_SET_PDEATHSIG)
 */
export function diesWithParent(command: string, args: readonly string[]): [string, string[]] {
  // A command that cannot run is spawned as is, so that it fails as itself (ENOENT), not as setpriv's exit 127.
  return hasParentDeathSignal() && isExecutable(command)
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]]
    : [command, [...args]];
}

function isExecutable(command: string): boolean {
  const candidates = command.includes(path.sep)
    ? [command]
    : (process.env.PATH ?? '').split(path.delimiter).map((folder) => path.join(folder, command));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Starts an emulator process and waits until it is ready; fails with its last output when it is not. */
export async function startChildEmulator(options: ChildEmulatorOptions): Promise<ChildEmulator> {
  const [command, args] = diesWithParent(options.command, options.args);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  const recentOutput: string[] = [];
  let printed: () => void = () => {};
  const onChunk = (chunk: Buffer): void => {
    printed();
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (line.trim() === '') {
        continue;
      }
      recentOutput.push(line);
      if (recentOutput.length > OUTPUT_LINES_KEPT) {
        recentOutput.shift();
      }
      options.onOutput?.(line);
    }
  };
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);

  const gone = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      running.delete(child);
      resolve((error as NodeJS.ErrnoException).code ?? error.message);
    });
  });
  const exited = gone.then(async (status) => {
    await options.onExit?.(status).catch(() => {});
    return status;
  });
  let exitStatus: number | string | undefined;
  void gone.then((status) => {
    exitStatus = status;
    printed();
  });

  const stop = async (): Promise<void> => {
    if (exitStatus !== undefined) {
      await exited;
      return;
    }
    child.stdin?.end();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.stopGraceMs ?? STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const kill = async (): Promise<void> => {
    if (exitStatus === undefined) {
      child.kill('SIGKILL');
    }
    await exited;
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? START_TIMEOUT_MS);
  while (Date.now() < deadline) {
    if (exitStatus !== undefined) {
      await exited;
      throw new EmulatorExitedError(
        `${options.name} exited (${exitStatus}) before it was ready. Its last output:\n  ${recentOutput.join('\n  ')}`,
        exitStatus,
      );
    }
    if (await options.isReady().catch(() => false)) {
      printed = () => {};
      return { name: options.name, endpoint: options.endpoint, stop, kill };
    }
    // The next check comes after the poll interval, or at once when the emulator prints or exits.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, READY_POLL_MS);
      printed = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  await stop();
  throw new EmulatorError(
    `${options.name} was not ready after ${options.startTimeoutMs ?? START_TIMEOUT_MS} ms. Its last output:\n  ${recentOutput.join('\n  ')}`,
  );
}
