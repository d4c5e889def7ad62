import { type ChildProcess, spawn } from 'node:child_process';

/** How the local cloud's command is started. */
export type CliCommand =
  /** `node --import tsx scripts/start.ts`: the program alone, as the e2e tests run it. */
  | 'cli'
  /** `npm start -- ...`: what users type and time (npm, a shell, the Node.js check, then the program). */
  | 'npm-start';

export interface CliProcessOptions {
  /** @default 'cli' */
  readonly command?: CliCommand;
  /** Variables added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
}

/** `npm start`'s program (`scripts/start.ts` over the local cloud's CLI) running in a project folder, with its output collected. */
export class CliProcess {
  /** `performance.now()` when it was spawned. */
  readonly spawnedAt: number;
  private output = '';
  private readonly child: ChildProcess;
  private readonly command: CliCommand;
  private readonly exited: Promise<number | null>;

  constructor(root: string, args: readonly string[], options: CliProcessOptions = {}) {
    this.command = options.command ?? 'cli';
    const [file, commandArgs] = commandLine(this.command, args);
    this.spawnedAt = performance.now();
    // Its own process group, so that stopping it also stops what it started (emulators, the JVM).
    this.child = spawn(file, commandArgs, {
      cwd: root,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const collect = (chunk: Buffer): void => {
      this.output += chunk.toString();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Everything printed so far. */
  get text(): string {
    return this.output;
  }

  /**
   * Waits until the output after `from` (an offset in {@link text}) matches `pattern`, and returns the match. Fails
   * at once if the process exits, and after `timeoutMs` (a safety net for a hung process, not a tuned figure).
   */
  async waitFor(
    pattern: RegExp,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<RegExpMatchArray> {
    const deadline = Date.now() + (options.timeoutMs ?? 180_000);
    for (;;) {
      const match = this.output.slice(options.from ?? 0).match(pattern);
      if (match) {
        return match;
      }
      if (this.child.exitCode !== null) {
        throw new Error(
          `The CLI exited (${this.child.exitCode}) before printing ${pattern}:\n${this.output}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(`No ${pattern} within ${options.timeoutMs ?? 180_000} ms:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Ctrl-C, as a user stops it; its exit code. Under `npm start` the signal goes to the whole process group, as a
   * terminal sends it: npm does not pass a SIGINT of its own on to the script it runs.
   */
  async interrupt(): Promise<number | null> {
    if (this.command === 'npm-start' && this.child.pid !== undefined) {
      signalGroup(this.child.pid, 'SIGINT');
    } else {
      this.child.kill('SIGINT');
    }
    return this.exited;
  }

  /**
   * Waits until no process of its group is left (what it started included); false if some still run after
   * `timeoutMs`.
   */
  async waitForGroupExit(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.child.pid !== undefined && signalGroup(this.child.pid, 0)) {
      if (Date.now() > deadline) {
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return true;
  }

  /** Makes sure nothing of it is left: the whole process group. */
  kill(): void {
    if (this.child.pid !== undefined) {
      signalGroup(this.child.pid, 'SIGKILL');
    }
  }
}

/** The program and arguments that run `command` with `args`. */
function commandLine(command: CliCommand, args: readonly string[]): [string, string[]] {
  return command === 'cli'
    ? [
        process.execPath,
        ['--disable-warning=ExperimentalWarning', '--import', 'tsx', 'scripts/start.ts', ...args],
      ]
    : npmCommand(['start', '--', ...args]);
}

/** The program and arguments that run `npm <args>`: under `npm run`, the npm that runs us, on this Node.js. */
export function npmCommand(args: readonly string[]): [string, string[]] {
  const npm = process.env.npm_execpath;
  return npm?.endsWith('npm-cli.js') ? [process.execPath, [npm, ...args]] : ['npm', [...args]];
}

/** Sends `signal` to the process group led by `pid`; whether any process of the group was there to get it. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
