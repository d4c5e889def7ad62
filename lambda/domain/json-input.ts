import type { z } from 'zod';
import { type FieldError, ValidationError } from './errors.ts';

/** A schema failure as field errors, one JSON Pointer per field; an unknown field is named as its own pointer. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ pointer: pointer([...issue.path, key]), detail: 'Unknown field.' }));
    }
    return [{ pointer: pointer(issue.path), detail: issue.message }];
  });
}

/** A JSON Pointer (RFC 6901) as a URI fragment. */
function pointer(path: readonly PropertyKey[]): string {
  return `#${path.map((part) => `/${String(part).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')}`;
}

/** Parses a JSON request body; a missing or malformed body is a `ValidationError` saying what to send. */
export function parseJsonBody(body: string | null | undefined, expected: string): unknown {
  if (body === null || body === undefined || body.trim() === '') {
    throw new ValidationError('The request has no body.', [{ pointer: '#', detail: `Send ${expected}.` }]);
  }
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new ValidationError('The body is not valid JSON.', [
      { pointer: '#', detail: (error as Error).message },
    ]);
  }
}
