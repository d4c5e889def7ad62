/** One measured step of a boot, in ms from the recorder's origin; a mark has no duration. */
export interface Timing {
  readonly name: string;
  readonly startMs: number;
  readonly durationMs?: number;
}

/**
 * Records how long the steps of a boot take (`--timings`). Steps may overlap: emulators start while the
 * assembly is synthesized, so the breakdown shows when each step started beside how long it took.
 */
export class Timings {
  readonly #entries: Timing[] = [];
  readonly #origin: number;
  readonly #now: () => number;

  /**
   * `origin`: the `performance.now()` that counts as 0. @default 0, when the process started
   * `now`: the clock. @default performance.now
   */
  constructor(origin = 0, now: () => number = () => performance.now()) {
    this.#origin = origin;
    this.#now = now;
  }

  /** Runs `step` and records how long it took under `name`, whether it succeeds or fails. */
  async measure<T>(name: string, step: () => Promise<T>): Promise<T> {
    const start = this.#now();
    try {
      return await step();
    } finally {
      this.#entries.push({ name, startMs: start - this.#origin, durationMs: this.#now() - start });
    }
  }

  /** Records a moment, e.g. `ready`. */
  mark(name: string): void {
    this.#entries.push({ name, startMs: this.#now() - this.#origin });
  }

  /** The steps and marks recorded, by start time. */
  entries(): readonly Timing[] {
    return [...this.#entries].sort((a, b) => a.startMs - b.startMs);
  }

  /** The breakdown, one aligned line per entry: name, start, duration. */
  format(): string {
    const entries = this.entries();
    const width = Math.max(0, ...entries.map((entry) => entry.name.length));
    return entries
      .map(({ name, startMs, durationMs }) => {
        const took = durationMs === undefined ? '' : `  took ${seconds(durationMs)}`;
        return `  ${name.padEnd(width)}  at ${seconds(startMs)}${took}`;
      })
      .join('\n');
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2).padStart(5)} s`;
}

/** Runs a step, timed under `name` when there is a recorder. */
export function measured<T>(timings: Timings | undefined, name: string, step: () => Promise<T>): Promise<T> {
  return timings ? timings.measure(name, step) : step();
}
