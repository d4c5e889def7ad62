/** What to log of a failure: a client that went away mid-request in one line, anything else with its stack. */
export function failureOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    (error as Error)?.message === 'aborted'
  ) {
    return 'the client closed the connection before the request was complete';
  }
  return (error as Error)?.stack ?? String(error);
}
