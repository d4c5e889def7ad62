/** JSON text that `JSON.stringify` cannot write: `1e400`, `NaN`, 10,000 nested brackets, raw member names. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A JSON value, where `raw(...)` stands for text spliced in as it is. */
export type Json =
  | null
  | boolean
  | number
  | string
  | RawJson
  | readonly Json[]
  | { readonly [key: string]: Json };

/** JSON text spliced into a body as it is, valid or not. */
export function raw(text: string): RawJson {
  return new RawJson(text);
}

/** Serializes a body, splicing each `raw(...)` value's text in place of the value. */
export function jsonText(value: Json): string {
  const spliced: string[] = [];
  const text = JSON.stringify(value, (_key, member: unknown) =>
    member instanceof RawJson ? `\u0000raw${spliced.push(member.text) - 1}\u0000` : member,
  );
  return text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_match, index: string) => spliced[Number(index)] ?? '');
}

/** A copy of `body` with the value at `path` (`lines/0/quantity`) replaced, or removed when `value` is undefined. */
export function withValue(body: Json, path: string, value: Json | undefined): Json {
  const [head, ...rest] = path.split('/');
  if (head === undefined || head === '') {
    return value ?? null;
  }
  if (Array.isArray(body)) {
    const copy = [...body];
    const index = Number(head);
    if (rest.length === 0 && value === undefined) {
      copy.splice(index, 1);
    } else {
      copy[index] =
        rest.length === 0 ? (value as Json) : withValue(copy[index] ?? null, rest.join('/'), value);
    }
    return copy;
  }
  if (body === null || typeof body !== 'object' || body instanceof RawJson) {
    throw new Error(`No member ${head} in ${JSON.stringify(body)}`);
  }
  const copy: Record<string, Json> = { ...(body as Record<string, Json>) };
  if (rest.length === 0 && value === undefined) {
    delete copy[head];
  } else {
    copy[head] = rest.length === 0 ? (value as Json) : withValue(copy[head] ?? null, rest.join('/'), value);
  }
  return copy;
}

/**
 * A copy of `body` with one more member in the object at `path` (`''` for the top level). The member is defined
 * as an own property, so `__proto__` and `constructor` are written as members, not as the prototype.
 */
export function withMember(body: Json, path: string, name: string, value: Json): Json {
  const target = path === '' ? body : valueAt(body, path);
  if (target === null || typeof target !== 'object' || Array.isArray(target) || target instanceof RawJson) {
    throw new Error(`No object at ${path}`);
  }
  const copy: Record<string, Json> = { ...(target as Record<string, Json>) };
  Object.defineProperty(copy, name, { value, enumerable: true, writable: true, configurable: true });
  return path === '' ? copy : withValue(body, path, copy);
}

/** The value at `path`, or undefined. */
export function valueAt(body: Json, path: string): Json | undefined {
  let at: Json | undefined = body;
  for (const part of path.split('/').filter((segment) => segment !== '')) {
    if (at === null || typeof at !== 'object' || at instanceof RawJson) {
      return undefined;
    }
    at = Array.isArray(at) ? at[Number(part)] : (at as Record<string, Json>)[part];
  }
  return at;
}
