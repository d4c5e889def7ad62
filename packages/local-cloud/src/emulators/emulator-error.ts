/** An emulator that cannot start; the message says what to install or change. */
export class EmulatorError extends Error {
  override readonly name: string = 'EmulatorError';
}

/** An emulator process that exited before it was ready, with its exit code or the signal that ended it. */
export class EmulatorExitedError extends EmulatorError {
  override readonly name = 'EmulatorExitedError';

  constructor(
    message: string,
    readonly status: number | string,
  ) {
    super(message);
  }
}
