/**
 * What a boot has started, stopped in the reverse order: the last started first (the API server before the
 * functions before the emulators). Stopping twice stops once.
 */
export class Stoppers {
  readonly #stoppers: Array<() => Promise<void>> = [];
  readonly #log: (line: string) => void;
  #stopped: Promise<void> | undefined;

  /** `log`: where a failure to stop one thing is reported; the others are stopped all the same. */
  constructor(log: (line: string) => void) {
    this.#log = log;
  }

  push(stop: () => Promise<void>): void {
    this.#stoppers.push(stop);
  }

  stopAll(): Promise<void> {
    this.#stopped ??= this.#stopEach();
    return this.#stopped;
  }

  async #stopEach(): Promise<void> {
    for (const stopOne of this.#stoppers.reverse()) {
      await stopOne().catch((error: unknown) => this.#log(`while stopping: ${String(error)}`));
    }
  }
}
