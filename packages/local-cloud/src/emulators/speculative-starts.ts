/** Anything started that must be stopped. */
export interface Stoppable {
  stop(): Promise<void>;
}

/** How to start each of a set of services, by name. */
export type Starters<Handles extends { [Name in keyof Handles]: Stoppable }> = {
  readonly [Name in keyof Handles]: () => Promise<Handles[Name]>;
};

/**
 * Starts services before it is known which are needed, then keeps those that are: emulators start while the
 * cloud assembly is still being synthesized, and once its template is read the ones it does not use are stopped.
 * A service that fails to start counts only if it turns out to be needed.
 */
export class SpeculativeStarts<Handles extends { [Name in keyof Handles]: Stoppable }> {
  readonly #starters: Starters<Handles>;
  readonly #started = new Map<keyof Handles, Promise<Stoppable>>();
  readonly #stopping: Promise<void>[] = [];

  constructor(starters: Starters<Handles>) {
    this.#starters = starters;
  }

  /** Starts these services now, in parallel; those already started are left alone. */
  start(names: Iterable<keyof Handles>): void {
    for (const name of names) {
      if (!this.#started.has(name)) {
        const starting = this.#starters[name]();
        // Until someone waits for it, a failure is only remembered: it may belong to a service nobody needs.
        starting.catch(() => {});
        this.#started.set(name, starting);
      }
    }
  }

  /** The names started so far (and not stopped as unneeded). */
  startedNames(): Array<keyof Handles> {
    return [...this.#started.keys()];
  }

  /**
   * Keeps exactly the needed services: starts those not started yet, stops the others in the background, and
   * waits until every needed one is ready. Fails as the first needed service that cannot start.
   */
  async settle(needed: Iterable<keyof Handles>): Promise<Partial<Handles>> {
    const wanted = new Set<keyof Handles>(needed);
    for (const [name, starting] of this.#started) {
      if (!wanted.has(name)) {
        this.#started.delete(name);
        this.#stopping.push(starting.then((service) => service.stop()).catch(() => {}));
      }
    }
    this.start(wanted);
    const entries = await Promise.all(
      [...wanted].map(async (name) => [name, await this.#started.get(name)] as const),
    );
    return Object.fromEntries(entries) as Partial<Handles>;
  }

  /**
   * Stops every service started, in parallel, waiting for those still starting. Failures to start are ignored
   * here; the first failure to stop is thrown once every other service has stopped.
   */
  async stop(): Promise<void> {
    const started = [...this.#started.values()];
    this.#started.clear();
    const results = await Promise.allSettled([
      ...started.map((starting) =>
        starting.then(
          (service) => service.stop(),
          () => undefined,
        ),
      ),
      ...this.#stopping,
    ]);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) {
      throw failure.reason;
    }
  }
}
