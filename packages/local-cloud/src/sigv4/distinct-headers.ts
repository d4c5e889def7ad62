import type { IncomingHttpHeaders } from 'node:http';
import type { DistinctHeaders } from './signed-request.ts';

/**
 * Header values as lists, from Node's `headersDistinct` (each value of a repeated header kept) or from its
 * `headers` (a repeated header already joined with `, `, which then counts as one value).
 */
export function distinctHeaders(headers: IncomingHttpHeaders | NodeJS.Dict<string[]>): DistinctHeaders {
  // No prototype: a header named `__proto__` is a header like any other.
  const distinct: Record<string, string[]> = Object.create(null);
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) {
      distinct[name.toLowerCase()] = [value].flat();
    }
  }
  return distinct;
}
