/**
 * The URL of a request as the server received it, or `undefined` when its target is not a path (`*`, an absolute
 * URL) or cannot be parsed. Parsed against a fixed origin, so `//host/x` stays the path `//host/x` rather than
 * naming a host.
 */
export function requestUrl(target: string | undefined): URL | undefined {
  if (!target?.startsWith('/')) {
    return undefined;
  }
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    return undefined;
  }
}
