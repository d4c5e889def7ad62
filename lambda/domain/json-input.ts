import type * as z from 'zod/mini';
import { type FieldError, ValidationError } from './errors.ts';

/** A schema failure as field errors, one JSON Pointer per field; an unknown field is named as its own pointer. */
export function fieldErrors(error: z.core.$ZodError): FieldError[] {
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
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new ValidationError('The body is not valid JSON.', [
      { pointer: '#', detail: (error as Error).message },
    ]);
  }
  const illFormed = illFormedStrings(value);
  if (illFormed.length > 0) {
    throw new ValidationError(
      'The body holds text that is not Unicode.',
      illFormed.map((at) => ({ pointer: at, detail: LONE_SURROGATE_DETAIL })),
    );
  }
  return value;
}

const LONE_SURROGATE_DETAIL =
  'A lone surrogate escape (such as \\ud800) is not a character: every string must be well-formed Unicode ' +
  '(RFC 8259 section 8.2, RFC 7493 section 2.1).';

/** Strings reported at most: enough to locate the problem, bounded for a body made of nothing else. */
const MAX_REPORTED = 10;
/** Deepest pointer reported: below it, the pointer names the enclosing value, so an answer stays small. */
const MAX_POINTER_DEPTH = 32;

// In a `u` regular expression a surrogate pair is one code point, so only a lone surrogate is of category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Pointers to the strings and member names holding a lone surrogate. JSON escapes such as `\ud800` parse to
 * strings no UTF-8 encoder can write, which DynamoDB, S3 keys and SNS all refuse or mangle further on. The walk
 * uses its own stack, not recursion: a body nested 10,000 levels deep is bad input, not a stack overflow.
 */
function illFormedStrings(root: unknown): string[] {
  interface Node {
    readonly value: unknown;
    readonly parent?: Node;
    readonly key?: string | number;
  }
  const found: string[] = [];
  const pending: Node[] = [{ value: root }];
  const pathOf = (node: Node, key?: string): string => {
    const parts: Array<string | number> = key === undefined ? [] : [key];
    for (let at: Node | undefined = node; at?.key !== undefined; at = at.parent) {
      parts.unshift(at.key);
    }
    return pointer(parts.slice(0, MAX_POINTER_DEPTH));
  };
  for (let node = pending.pop(); node !== undefined && found.length < MAX_REPORTED; node = pending.pop()) {
    const { value } = node;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) {
        found.push(pathOf(node));
      }
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) {
        pending.push({ value: value[index], parent: node, key: index });
      }
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, member] = entries[index] as [string, unknown];
        if (LONE_SURROGATE.test(key)) {
          found.push(pathOf(node, key));
        } else {
          pending.push({ value: member, parent: node, key });
        }
      }
    }
  }
  return found.slice(0, MAX_REPORTED);
}
