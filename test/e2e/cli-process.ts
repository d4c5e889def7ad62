import { type ChildProcess, spawn } from 'node:child_process';

/** `npm start`'s program (`local/cli.ts`) running in a project folder, with its output collected. */
export class CliProcess {
  private output = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(root: string, args: readonly string[]) {
    // Its own process group, so that stopping it also stops what it started (emulators, the JVM).
    this.child = spawn(process.execPath, ['--import', 'tsx', 'local/cli.ts', ...args], {
      cwd: root,
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

  /** Ctrl-C, as a user stops it; its exit code. */
  async interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }

  /** Makes sure nothing of it is left: the whole process group. */
  kill(): void {
    if (this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}
