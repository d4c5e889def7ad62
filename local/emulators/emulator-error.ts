/** An emulator that cannot start; the message says what to install or change. */
export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
}
