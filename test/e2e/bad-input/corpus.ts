import { gzipSync } from 'node:zlib';
import { type Json, jsonText, raw, withMember, withValue } from './json-text.ts';

/**
 * The bad-input corpus: for each endpoint family (a pattern's REST routes), requests that are wrong in one way
 * each, generated from the tables below (categories x routes x fields), never hand-listed one by one. Each
 * request says what is wrong in its name and which statuses a correct API answers it with.
 */

/** The endpoint families: the patterns with REST routes. */
export const FAMILIES = ['sync', 'queue', 'stream', 'files', 'shared', 'pubsub', 'cqrs', 'push'] as const;
export type Family = (typeof FAMILIES)[number];

/** What each family stands for, for the summary. */
export const FAMILY_TITLES: Readonly<Record<Family, string>> = {
  sync: '1. API payload (`/sync/orders`)',
  queue: '2. Message queue (`/queue/orders`)',
  stream: '3. Message stream (`/stream/events`, `/stream/stats`)',
  files: '4. File drop (`/files`)',
  shared: '5. Shared database (`/shared/...`)',
  pubsub: '6. Publish/subscribe (`/events/orders`, IAM route)',
  cqrs: '7. CQRS (`/cqrs/...`)',
  push: '8. Status push (`/push/tickets`)',
};

/** The kinds of bad input, each with what it covers. */
export const CATEGORIES = {
  'malformed-json':
    'JSON that does not parse: cut off, trailing commas, single quotes, comments, NaN, two documents',
  'content-type': 'a body sent as text/plain, XML, a form, multipart, octet-stream, or with no content type',
  'empty-body': 'no body, white space, null, a string, a number, an array instead of an object',
  'huge-body': "over API Gateway's 10 MB, over Lambda's 6 MB, just over the pattern's own limit",
  'wrong-type': 'each field with each JSON type it must not have',
  'out-of-range': 'negative, zero, huge, fractional and NaN-like numbers; values outside a pattern or enum',
  'missing-field': 'each required field left out, nested ones included',
  'unknown-field': 'unknown members at the top and nested, `__proto__`, `constructor`, an empty name',
  'deep-nesting':
    '10,000 nested arrays or objects in a field or an unknown member, 100,000 as the whole body',
  'invalid-unicode':
    'lone surrogate escapes (`\\ud800`), invalid UTF-8 bytes sent raw, overlong and truncated sequences',
  'traversal-and-control':
    'path traversal (`../`, `%2e%2e%2f`, `..\\`), NUL, CR LF, ESC, DEL and very long values in ids and file names',
  'oversize-batch': 'batches and line lists one over the maximum, and 10,000 long',
  'mixed-batch': 'good items with one bad one: all or nothing',
  'api-key': 'no key, an empty, unknown, truncated, case-changed key, the key id, the key in the wrong place',
  method: 'methods a route does not have, X-HTTP-Method-Override, unknown and case-changed paths',
  precondition: 'missing, weak, stale, wildcard and malformed If-Match; stale versions; bad query parameters',
  signature: 'missing, malformed, wrongly scoped, expired and wrong SigV4 signatures on the IAM route',
} as const;
export type Category = keyof typeof CATEGORIES;

/** Which API key a request carries. */
export type KeyChoice =
  | { readonly kind: 'valid' }
  | { readonly kind: 'none' }
  | { readonly kind: 'value'; readonly value: string };

/** How to sign a request with SigV4 (service `execute-api`), wrongly in one way. */
export interface Signing {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** @default the API's region */
  readonly region?: string;
  /** @default 'execute-api' */
  readonly service?: string;
  /** Signed this long before it is sent. @default 0 */
  readonly ageSeconds?: number;
  /** The path the signature covers, when it is not the one sent. */
  readonly signedPath?: string;
}

/** One bad request. */
export interface BadRequest {
  readonly family: Family;
  readonly category: Category;
  /** What is wrong with it, unique in its family: `POST /sync/orders: #/lines/0/quantity is 1.5`. */
  readonly name: string;
  readonly method: string;
  /** Path and query under the stage URL, sent byte for byte: no normalisation, no percent-encoding. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly apiKey: KeyChoice;
  /** The body, built when it is sent (some are 10 MB). */
  readonly body?: () => Buffer;
  /** The statuses a correct API answers with. */
  readonly expected: readonly number[];
  /**
   * API Gateway answers first with its own `{"message": ...}`, which it does not let an API customise
   * (413 REQUEST_TOO_LARGE); every other answer must be `application/problem+json`.
   */
  readonly gatewayOwn?: boolean;
  /** Signed with SigV4 before sending (the IAM-authorized route). */
  readonly signing?: Signing;
}

/** What the corpus needs from the system under test, found or made before it runs. */
export interface CorpusContext {
  /** Unique per run: every id the corpus uses carries it. */
  readonly runId: string;
  /** The API key's value and id. */
  readonly apiKey: string;
  readonly apiKeyId: string;
  /** A shared order that exists at version 1, for bad writes that must not change it. */
  readonly sharedOrderId: string;
  /** A placed CQRS order at version 1, for bad commands that must not append to it. */
  readonly cqrsOrderId: string;
  /** An access key the target knows, to sign with a wrong secret; and the API's region. */
  readonly accessKeyId: string;
  readonly region: string;
}

/** The ids and markers the corpus writes with, to look for afterwards: nothing must exist under them. */
export function corpusIds(runId: string) {
  return {
    syncOrderId: `bad-sync-${runId}`,
    queueOrderId: `bad-queue-${runId}`,
    streamSku: `bad-sku-${runId}`,
    fileMarker: `bad-file-${runId}`,
    sharedNewOrderId: `bad-shared-${runId}`,
    cqrsCustomerId: `bad-customer-${runId}`,
    pubsubOrderId: `bad-pubsub-${runId}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Field rules: the JSON type a field has, whether it is required, and values of that type that are still wrong.

type JsonType = 'string' | 'integer' | 'array' | 'object' | 'boolean';

interface BadValue {
  readonly what: string;
  readonly value: Json;
  readonly category: Category;
  /** @default [400] */
  readonly expected?: readonly number[];
}

interface FieldRule {
  readonly type: JsonType;
  readonly required: boolean;
  readonly bad: readonly BadValue[];
}

const bad = (what: string, value: Json, category: Category = 'out-of-range'): BadValue => ({
  what,
  value,
  category,
});

/** Ids and codes with a strict pattern (`[A-Za-z0-9_-]{1,64}` and the like), the most telling first. */
function idValues(maxLength: number): BadValue[] {
  return [
    bad('is empty', ''),
    bad(`is ${maxLength + 1} characters`, 'a'.repeat(maxLength + 1), 'traversal-and-control'),
    bad('is a path (../../etc/passwd)', '../../etc/passwd', 'traversal-and-control'),
    bad('holds NUL', 'order\u0000', 'traversal-and-control'),
    bad('holds CR LF and a header', 'order\r\nX-Injected: 1', 'traversal-and-control'),
    bad('is a lone high surrogate (\\ud800)', '\ud800', 'invalid-unicode'),
    bad('is 10,000 characters', 'a'.repeat(10_000), 'traversal-and-control'),
    bad('is encoded traversal (..%2f..%2fetc)', '..%2f..%2fetc', 'traversal-and-control'),
    bad('is a Windows path (..\\..\\win)', '..\\..\\win', 'traversal-and-control'),
    bad('holds a tab', 'order\t1', 'traversal-and-control'),
    bad('holds an ANSI escape', 'order\u001b[31m', 'traversal-and-control'),
    bad('holds a right-to-left override', 'order\u202e1', 'traversal-and-control'),
    bad('holds a space', 'order 1'),
    bad('holds a non-ASCII letter', 'bestellung-ä'),
    bad('holds an emoji', 'order-😀'),
    bad('is a reversed surrogate pair (\\udc00\\ud800)', '\udc00\ud800', 'invalid-unicode'),
  ];
}

/** The first `count` bad values: a field of a kind already covered in full elsewhere in the route. */
const few = (values: readonly BadValue[], count = 6): BadValue[] => values.slice(0, count);

/** Integers from `min` to `max`; `cents` adds a fraction of a cent. */
function integerValues(
  min: number,
  max: number,
  { cents = false, overMax = [400] as readonly number[] } = {},
) {
  const values: BadValue[] = [
    bad(`is ${min - 1}, below ${min}`, min - 1),
    { ...bad(`is ${max + 1}, above ${max}`, max + 1), expected: overMax },
    bad('is fractional (1.5)', 1.5),
    ...(cents ? [bad('is a fraction of a cent (0.001)', 0.001)] : []),
    bad('overflows a double (1e400)', raw('1e400')),
    bad('is the string "NaN"', 'NaN'),
    bad('is 2^53 + 1 (9007199254740993)', raw('9007199254740993')),
    ...(min - 1 === -1 ? [] : [bad('is negative (-1)', -1)]),
    bad('is 1e21', 1e21),
    bad('is the string "Infinity"', 'Infinity'),
    bad('is the string "1e3"', '1e3'),
    bad('is a number in a string ("12")', '12'),
  ];
  return values;
}

function textValues(min: number, max: number): BadValue[] {
  return [
    ...(min > 0 ? [bad('is empty', '')] : []),
    bad(`is ${max + 1} characters`, 'x'.repeat(max + 1)),
    bad('holds a lone surrogate escape (\\ud800)', `text \ud800`, 'invalid-unicode'),
    bad('holds a lone low surrogate escape (\\udc00)', `\udc00 text`, 'invalid-unicode'),
  ];
}

const DATE_TIME_VALUES: readonly BadValue[] = [
  bad('is a date without a time', '2026-11-22'),
  bad('has no UTC offset', '2026-11-22T10:15:00'),
  bad('is February 30', '2026-02-30T10:15:00Z'),
  bad('has hour 25', '2026-11-22T25:00:00Z'),
  bad('is free text ("yesterday")', 'yesterday'),
  bad('is empty', ''),
  bad('is Unix time in a string', '1763806500'),
];

const DATE_VALUES: readonly BadValue[] = [
  bad('is February 30', '2026-02-30'),
  bad('is month 13', '2026-13-01'),
  bad('is day/month/year', '22/11/2026'),
  bad('is a date-time', '2026-12-22T00:00:00Z'),
  bad('is empty', ''),
];

const CURRENCY_VALUES: readonly BadValue[] = [
  bad('is lower case (eur)', 'eur'),
  bad('is four letters (EURO)', 'EURO'),
  bad('is a symbol (€)', '€'),
  bad('is withdrawn (BGN)', 'BGN'),
  bad('is the no-currency code XXX', 'XXX'),
  bad('is empty', ''),
];

const enumValues = (valid: string): BadValue[] => [
  bad(
    `is lower case (${valid.toLowerCase()})`,
    valid.toLowerCase() === valid ? valid.toUpperCase() : valid.toLowerCase(),
  ),
  bad('is not one of the values', 'UNKNOWN'),
  bad('is empty', ''),
];

const MEDIA_TYPE_VALUES: readonly BadValue[] = [
  bad('has no slash', 'pdf'),
  bad('has two slashes', 'application/pdf/x'),
  bad('has parameters', 'application/pdf; charset=x'),
  bad('holds CR LF', 'application/pdf\r\nX-Injected: 1', 'traversal-and-control'),
  bad('is 300 characters', `application/${'x'.repeat(288)}`),
  bad('is empty', ''),
];

const BASE64_VALUES: readonly BadValue[] = [
  bad('is not base64', 'not base64!'),
  bad('has a length that is not a multiple of 4', 'QUJD='),
  bad('holds a space', 'QU JD'),
  bad('holds a line break', 'QUJD\nQUJD'),
];

/** File names: never a path, no control characters, at most 255 characters (and, for the drop, bytes). */
function filenameValues(marker: string, { utf8Bytes = false } = {}): BadValue[] {
  const tc = 'traversal-and-control' as const;
  return [
    bad('is a relative path (../)', `../${marker}.pdf`, tc),
    bad('is a Windows path (..\\)', `..\\${marker}.pdf`, tc),
    bad('holds NUL', `${marker}\u0000.pdf`, tc),
    bad('holds CR LF', `${marker}\r\n.pdf`, tc),
    bad('is 256 characters', `${marker}${'a'.repeat(256 - marker.length - 4)}.pdf`, tc),
    bad('holds a lone surrogate escape', `${marker}\ud800.pdf`, 'invalid-unicode'),
    bad('climbs two levels (../../)', `../../${marker}.pdf`, tc),
    bad('is an absolute path', `/etc/${marker}.pdf`, tc),
    bad('has a directory', `dir/${marker}.pdf`, tc),
    bad('is "."', '.', tc),
    bad('is ".."', '..', tc),
    bad('holds an ESC', `${marker}\u001b.pdf`, tc),
    bad('holds DEL', `${marker}\u007f.pdf`, tc),
    ...(utf8Bytes
      ? [bad('is 255 characters or fewer but over 255 UTF-8 bytes', `${marker}${'é'.repeat(125)}.pdf`, tc)]
      : []),
    bad('is empty', ''),
  ];
}

const FIELD_TYPES: readonly JsonType[] = ['string', 'integer', 'array', 'object', 'boolean'];
/** One value of each JSON type, and null. */
const TYPE_SAMPLES: Readonly<Record<JsonType | 'null', Json>> = {
  null: null,
  boolean: true,
  integer: 42,
  string: 'text',
  array: [],
  object: {},
};

const TYPE_NAMES: Readonly<Record<JsonType | 'null', string>> = {
  null: 'null',
  boolean: 'a boolean',
  integer: 'a number',
  string: 'a string',
  array: 'an array',
  object: 'an object',
};

const field = (type: JsonType, badValues: readonly BadValue[] = [], required = true): FieldRule => ({
  type,
  required,
  bad: badValues,
});
const optional = (type: JsonType, badValues: readonly BadValue[] = []): FieldRule =>
  field(type, badValues, false);

// ---------------------------------------------------------------------------------------------------------------
// Routes.

/** A route that takes a JSON body. */
interface BodyRoute {
  readonly method: 'POST' | 'PUT' | 'PATCH';
  /** The route as API Gateway names it, for request names: `/shared/orders/{orderId}`. */
  readonly template: string;
  readonly path: string;
  readonly validBody: Json;
  /** Every field by JSON Pointer path (`lines/0/quantity`), with its rule. */
  readonly fields: Readonly<Record<string, FieldRule>>;
  /** Objects inside the body, where an unknown member is refused too. */
  readonly nested: readonly string[];
  /** A string field with a strict pattern, for bytes that are not UTF-8. */
  readonly patternField?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** `{}` and no body are valid (the ticket route). */
  readonly emptyIsValid?: boolean;
  /** The family's other routes cover the body-wide categories in full: this one gets the first few of each. */
  readonly sample?: boolean;
  /** Requests peculiar to the route: over its own size limits, mixed batches. */
  readonly extra?: ReadonlyArray<Omit<BadRequest, 'family' | 'method' | 'path' | 'apiKey'>>;
}

/** A route with an id in its path. */
interface IdRoute {
  readonly method: string;
  readonly template: string;
  readonly pathFor: (id: string) => string;
  readonly body?: Json;
  readonly headers?: Readonly<Record<string, string>>;
  /** More ids no resource can have, peculiar to the route (not UUIDs, for file ids). */
  readonly extraIds?: ReadonlyArray<readonly [string, string]>;
  /** Another route of the family takes every id: this one gets the first few. */
  readonly sample?: boolean;
}

/** A path with the methods it has; every other method is a wrong one. */
interface Resource {
  readonly template: string;
  readonly path: string;
  readonly methods: readonly string[];
  /** A body to send with a wrong method: one the right method would accept, so a mix-up would write it. */
  readonly body?: Json;
}

interface FamilyDefinition {
  readonly family: Family;
  readonly bodyRoutes: readonly BodyRoute[];
  readonly idRoutes: readonly IdRoute[];
  /** Routes the API key guards, each with a request it would accept. */
  readonly keyRoutes: ReadonlyArray<{
    readonly method: string;
    readonly template: string;
    readonly path: string;
    readonly body?: Json;
    readonly headers?: Readonly<Record<string, string>>;
  }>;
  readonly resources: readonly Resource[];
  /** Paths with no route. */
  readonly unknownPaths: readonly string[];
  readonly extra: ReadonlyArray<Omit<BadRequest, 'family'>>;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;
/** Body-wide requests per category on a route whose family covers them in full on another route. */
const SAMPLED_PER_CATEGORY = 3;
const WRONG_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Ids in a URL path, as sent on the wire (already percent-encoded where it must be). */
const PATH_IDS: ReadonlyArray<readonly [string, string, readonly number[]]> = [
  ['`..%2f..%2fetc%2fpasswd`', '..%2f..%2fetc%2fpasswd', [400, 404]],
  ['`%2e%2e`', '%2e%2e', [400, 404]],
  ['NUL (`%00`)', 'order%00', [400]],
  ['CR LF and a header (`%0d%0a`)', 'order%0d%0aX-Injected:%201', [400]],
  ['65 characters', 'a'.repeat(65), [400]],
  ['bytes that are not UTF-8 (`%ff%fe`)', '%ff%fe', [400]],
  ['`..`', '..', [400, 404]],
  ['`%2e%2e%2f%2e%2e%2fetc`', '%2e%2e%2f%2e%2e%2fetc', [400, 404]],
  ['`..%5c..%5cwin`', '..%5c..%5cwin', [400, 404]],
  ['a tab (`%09`)', 'order%091', [400]],
  ['DEL (`%7f`)', 'order%7f', [400]],
  ['an ANSI escape (`%1b[31m`)', 'order%1b%5b31m', [400]],
  ['2,000 characters', 'a'.repeat(2_000), [400]],
  ['a space (`%20`)', 'order%201', [400]],
  ['a UTF-8-encoded surrogate (`%ed%a0%80`)', '%ed%a0%80', [400]],
  ['an overlong `/` (`%c0%af`)', '%c0%afetc', [400]],
  ['a non-ASCII letter (`%c3%a9`)', 'caf%c3%a9', [400]],
  ["SQL (`' OR '1'='1`)", '%27%20OR%20%271%27%3D%271', [400]],
  ['a template injection (`${jndi:ldap}`)', '%24%7Bjndi%3Aldap%3A%2F%2Fx%7D', [400]],
];

/** The ways to get the API key wrong, each sent with a request the route would otherwise accept. */
function keyCases(context: CorpusContext): ReadonlyArray<{
  readonly what: string;
  readonly key: KeyChoice;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: string;
}> {
  const key = context.apiKey;
  const none = { kind: 'none' } as const;
  const value = (text: string) => ({ kind: 'value', value: text }) as const;
  return [
    { what: 'no API key', key: none },
    { what: 'an empty API key', key: value('') },
    { what: 'an unknown API key', key: value('not-a-real-key') },
    { what: 'a made-up 40-character key', key: value('Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm12') },
    {
      what: 'the key in lower case',
      key: value(key.toLowerCase() === key ? key.toUpperCase() : key.toLowerCase()),
    },
    { what: 'the key without its last character', key: value(key.slice(0, -1)) },
    { what: 'the key with one more character', key: value(`${key}x`) },
    { what: 'the key twice', key: value(`${key}${key}`) },
    { what: 'the key id instead of the key', key: value(context.apiKeyId) },
    { what: 'the key in the query string', key: none, query: `x-api-key=${encodeURIComponent(key)}` },
    { what: 'the key as a bearer token', key: none, headers: { authorization: `Bearer ${key}` } },
    { what: 'the key in a cookie', key: none, headers: { cookie: `x-api-key=${key}` } },
    { what: 'the key under another header name (api-key)', key: none, headers: { 'api-key': key } },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// The families.

const order = (orderId: string) => ({
  orderId,
  customerId: 'customer-42',
  currency: 'EUR',
  placedAt: '2026-11-22T10:15:00Z',
  lines: [
    { sku: 'book-ddia', quantity: 2, unitPriceCents: 4599 },
    { sku: 'mug-lambda', quantity: 1, unitPriceCents: 1250 },
  ],
});
const orderFields = (): Record<string, FieldRule> => ({
  orderId: field('string', idValues(64)),
  customerId: field('string', few(idValues(64))),
  currency: field('string', CURRENCY_VALUES),
  placedAt: field('string', DATE_TIME_VALUES),
  lines: field('array', [bad('is empty', [])]),
  'lines/0': field('object'),
  'lines/0/sku': field('string', few(idValues(64))),
  'lines/0/quantity': field('integer', integerValues(1, 10_000)),
  'lines/0/unitPriceCents': field('integer', few(integerValues(0, 1_000_000_000, { cents: true }))),
});
const lines = (count: number) =>
  Array.from({ length: count }, (_, index) => ({ sku: `sku-${index}`, quantity: 1, unitPriceCents: 100 }));
const oversizeLines = (body: Json): Array<Omit<BadRequest, 'family' | 'method' | 'path' | 'apiKey'>> => [
  {
    category: 'oversize-batch',
    name: 'has 101 lines (at most 100)',
    headers: JSON_HEADERS,
    body: text(withValue(body, 'lines', lines(101))),
    expected: [400],
  },
  {
    category: 'oversize-batch',
    name: 'has 10,000 lines',
    headers: JSON_HEADERS,
    body: text(withValue(body, 'lines', lines(10_000))),
    expected: [400],
  },
];
/** An attachment of `bytes` decoded bytes, built when sent. */
const withAttachment = (body: Json, bytes: number) => () =>
  Buffer.from(
    jsonText(
      withValue(body, 'attachment', {
        filename: 'scan.pdf',
        contentType: 'application/pdf',
        base64: Buffer.alloc(bytes, 0x25).toString('base64'),
      }),
    ),
  );
const attachmentFields = (marker: string): Record<string, FieldRule> => ({
  attachment: optional('object'),
  'attachment/filename': field('string', [
    ...few(filenameValues(marker)),
    bad('is 254 characters but 1,004 UTF-8 bytes', `${'📄'.repeat(250)}.pdf`, 'traversal-and-control'),
  ]),
  'attachment/contentType': field('string', MEDIA_TYPE_VALUES),
  'attachment/base64': field('string', BASE64_VALUES),
});
const attachment = (marker: string) => ({
  filename: `${marker}.pdf`,
  contentType: 'application/pdf',
  base64: 'JVBERi0xLjcK',
});

function text(value: Json): () => Buffer {
  return () => Buffer.from(jsonText(value));
}

function families(context: CorpusContext): FamilyDefinition[] {
  const ids = corpusIds(context.runId);
  const syncOrder = { ...order(ids.syncOrderId), attachment: attachment(ids.fileMarker) };
  const queueOrder = { ...order(ids.queueOrderId), attachment: attachment(ids.fileMarker) };
  const sharedOrder = {
    customerId: 'customer-42',
    currency: 'EUR',
    lines: [{ sku: 'book-ddia', quantity: 2, unitPriceCents: 4599 }],
  };
  const invoice = {
    invoiceNumber: 'INV-2026-0001',
    status: 'ISSUED',
    amountCents: 9198,
    dueOn: '2026-12-22',
  };
  const placeOrder = { ...sharedOrder, customerId: ids.cqrsCustomerId };
  const pay = { paymentReference: 'psp:1', expectedVersion: 1 };
  const cancel = { reason: 'ordered twice', expectedVersion: 1 };
  const published = {
    ...order(ids.pubsubOrderId),
    shipTo: {
      name: 'Ada Lovelace',
      line1: '12 St James Square',
      city: 'London',
      postalCode: 'SW1Y 4JH',
      country: 'GB',
    },
  };
  const event = (index: number, type = 'view', extra: Record<string, Json> = {}) => ({
    eventId: `bad-event-${context.runId}-${index}`,
    sku: ids.streamSku,
    type,
    occurredAt: '2026-11-22T10:15:00Z',
    ...extra,
  });
  const events = {
    events: [event(0), event(1, 'review', { rating: 4 }), event(2, 'purchase', { quantity: 2 })],
  };
  const manyEvents = (count: number) => Array.from({ length: count }, (_, index) => event(index));
  const upload = { filename: `${ids.fileMarker}.pdf`, contentType: 'application/pdf', size: 1234 };
  const ifMatch = { 'if-match': '"1"' };
  const cqrsOrder = context.cqrsOrderId;
  const sharedId = context.sharedOrderId;

  return [
    {
      family: 'sync',
      bodyRoutes: [
        {
          method: 'POST',
          template: '/sync/orders',
          path: 'sync/orders',
          validBody: syncOrder,
          fields: { ...orderFields(), ...attachmentFields(ids.fileMarker) },
          nested: ['lines/0', 'attachment'],
          patternField: 'orderId',
          extra: [
            ...oversizeLines(syncOrder),
            {
              category: 'huge-body',
              name: 'has an attachment of 1 MiB + 1 byte (at most 1 MiB)',
              headers: JSON_HEADERS,
              body: withAttachment(syncOrder, 1_048_577),
              expected: [413],
            },
            {
              category: 'huge-body',
              name: "has a 5 MiB attachment: 7 MB of base64, over Lambda's 6 MB",
              headers: JSON_HEADERS,
              body: withAttachment(syncOrder, 5 * 1_048_576),
              expected: [413],
              gatewayOwn: true,
            },
          ],
        },
      ],
      idRoutes: [{ method: 'GET', template: '/sync/orders/{orderId}', pathFor: (id) => `sync/orders/${id}` }],
      keyRoutes: [
        { method: 'POST', template: '/sync/orders', path: 'sync/orders', body: syncOrder },
        { method: 'GET', template: '/sync/orders/{orderId}', path: `sync/orders/${ids.syncOrderId}` },
      ],
      resources: [
        { template: '/sync/orders', path: 'sync/orders', methods: ['POST'], body: syncOrder },
        {
          template: '/sync/orders/{orderId}',
          path: `sync/orders/${ids.syncOrderId}`,
          methods: ['GET'],
          body: syncOrder,
        },
      ],
      unknownPaths: [
        'sync/order',
        'SYNC/orders',
        'sync/Orders',
        `sync/orders/${ids.syncOrderId}/lines`,
        'sync',
        'sync/orders.json',
      ],
      extra: [],
    },
    {
      family: 'queue',
      bodyRoutes: [
        {
          method: 'POST',
          template: '/queue/orders',
          path: 'queue/orders',
          validBody: queueOrder,
          fields: { ...orderFields(), ...attachmentFields(ids.fileMarker) },
          nested: ['lines/0', 'attachment'],
          patternField: 'orderId',
          extra: [
            ...oversizeLines(queueOrder),
            {
              category: 'huge-body',
              name: 'has an attachment of 4 MiB + 1 byte (at most 4 MiB)',
              headers: JSON_HEADERS,
              body: withAttachment(queueOrder, 4 * 1_048_576 + 1),
              expected: [413],
            },
            {
              category: 'huge-body',
              name: "has a 4.5 MiB attachment: 6.3 MB of base64, over Lambda's 6 MB",
              headers: JSON_HEADERS,
              body: withAttachment(queueOrder, 4.5 * 1_048_576),
              expected: [413],
              gatewayOwn: true,
            },
          ],
        },
      ],
      idRoutes: [
        { method: 'GET', template: '/queue/orders/{orderId}', pathFor: (id) => `queue/orders/${id}` },
      ],
      keyRoutes: [
        { method: 'POST', template: '/queue/orders', path: 'queue/orders', body: queueOrder },
        { method: 'GET', template: '/queue/orders/{orderId}', path: `queue/orders/${ids.queueOrderId}` },
      ],
      resources: [
        { template: '/queue/orders', path: 'queue/orders', methods: ['POST'], body: queueOrder },
        {
          template: '/queue/orders/{orderId}',
          path: `queue/orders/${ids.queueOrderId}`,
          methods: ['GET'],
          body: queueOrder,
        },
      ],
      unknownPaths: [
        'queue/order',
        'QUEUE/orders',
        `queue/orders/${ids.queueOrderId}/receipt`,
        'queue',
        'queue/messages',
      ],
      extra: [],
    },
    {
      family: 'stream',
      bodyRoutes: [
        {
          method: 'POST',
          template: '/stream/events',
          path: 'stream/events',
          validBody: events,
          fields: {
            events: field('array', [bad('is empty', [])]),
            'events/0': field('object'),
            'events/0/eventId': field('string', idValues(64)),
            'events/0/sku': field('string', few(idValues(64))),
            'events/0/type': field('string', enumValues('view')),
            'events/0/occurredAt': field('string', DATE_TIME_VALUES),
            'events/1/rating': field('integer', integerValues(1, 5)),
            'events/2/quantity': field('integer', few(integerValues(1, 10_000))),
          },
          nested: ['events/0', 'events/1', 'events/2'],
          patternField: 'events/0/eventId',
          extra: [
            {
              category: 'oversize-batch',
              name: 'has 501 events (at most 500)',
              headers: JSON_HEADERS,
              body: text({ events: manyEvents(501) }),
              expected: [400],
            },
            {
              category: 'oversize-batch',
              name: 'has 10,000 events',
              headers: JSON_HEADERS,
              body: text({ events: manyEvents(10_000) }),
              expected: [400],
            },
            ...(
              [
                ['the first', 0],
                ['the middle', 5],
                ['the last', 9],
              ] as const
            ).map(([where, index]) => ({
              category: 'mixed-batch' as const,
              name: `has 9 good events and a bad one (${where}, a view with a rating)`,
              headers: JSON_HEADERS,
              body: text({ events: manyEvents(10).map((e, i) => (i === index ? { ...e, rating: 5 } : e)) }),
              expected: [400],
            })),
            {
              category: 'mixed-batch',
              name: 'has 499 good events and a review without a rating',
              headers: JSON_HEADERS,
              body: text({ events: [...manyEvents(499), event(499, 'review')] }),
              expected: [400],
            },
            {
              category: 'mixed-batch',
              name: 'has a good event and the same event id again with another type',
              headers: JSON_HEADERS,
              body: text({ events: [event(0), { ...event(0), type: 'purchase' }] }),
              expected: [400],
            },
          ],
        },
      ],
      idRoutes: [
        {
          method: 'GET',
          template: '/stream/stats/{sku}',
          pathFor: (id) => `stream/stats/${id}`,
          // A SKU may hold dots: `.` and `..` alone are SKUs, so only traversal with a separator is wrong.
        },
      ],
      keyRoutes: [
        { method: 'POST', template: '/stream/events', path: 'stream/events', body: events },
        { method: 'GET', template: '/stream/stats/{sku}', path: `stream/stats/${ids.streamSku}` },
      ],
      resources: [
        { template: '/stream/events', path: 'stream/events', methods: ['POST'], body: events },
        {
          template: '/stream/stats/{sku}',
          path: `stream/stats/${ids.streamSku}`,
          methods: ['GET'],
          body: events,
        },
      ],
      unknownPaths: [
        'stream/event',
        'STREAM/events',
        'stream/stats',
        `stream/events/${ids.streamSku}`,
        'stream',
      ],
      extra: [],
    },
    {
      family: 'files',
      bodyRoutes: [
        {
          method: 'POST',
          template: '/files',
          path: 'files',
          validBody: upload,
          fields: {
            filename: field('string', filenameValues(ids.fileMarker, { utf8Bytes: true })),
            contentType: field('string', [
              ...enumValues('application/pdf'),
              bad('is an executable', 'application/x-msdownload'),
              bad('is HTML', 'text/html'),
              bad('has parameters', 'application/pdf; charset=binary'),
            ]),
            size: field('integer', integerValues(1, 104_857_600, { overMax: [413] })),
            multipart: optional('boolean'),
          },
          nested: [],
          patternField: 'filename',
          extra: [
            {
              category: 'out-of-range',
              name: 'is named .exe for a PDF',
              headers: JSON_HEADERS,
              body: text({ ...upload, filename: `${ids.fileMarker}.exe` }),
              expected: [400],
            },
            {
              category: 'out-of-range',
              name: 'is named .pdf.exe for a PDF',
              headers: JSON_HEADERS,
              body: text({ ...upload, filename: `${ids.fileMarker}.pdf.exe` }),
              expected: [400],
            },
            {
              category: 'out-of-range',
              name: 'is named .csv for a PDF',
              headers: JSON_HEADERS,
              body: text({ ...upload, filename: `${ids.fileMarker}.csv` }),
              expected: [400],
            },
          ],
        },
      ],
      idRoutes: [
        {
          method: 'GET',
          template: '/files/{fileId}',
          pathFor: (id) => `files/${id}`,
          extraIds: [
            ['an upper-case UUID', '0B9F6F5E-8A47-4D0C-9A57-3C1F0D3E2B11'],
            ['a UUID and `/..`', '0b9f6f5e-8a47-4d0c-9a57-3c1f0d3e2b11%2f..'],
            ['a UUID without dashes', '0b9f6f5e8a474d0c9a573c1f0d3e2b11'],
            ['a file name', 'invoice.pdf'],
          ],
        },
      ],
      keyRoutes: [
        { method: 'POST', template: '/files', path: 'files', body: upload },
        { method: 'GET', template: '/files/{fileId}', path: 'files/0b9f6f5e-8a47-4d0c-9a57-3c1f0d3e2b11' },
      ],
      resources: [
        { template: '/files', path: 'files', methods: ['POST'], body: upload },
        {
          template: '/files/{fileId}',
          path: 'files/0b9f6f5e-8a47-4d0c-9a57-3c1f0d3e2b11',
          methods: ['GET'],
          body: upload,
        },
      ],
      unknownPaths: [
        'file',
        'FILES',
        'files/0b9f6f5e-8a47-4d0c-9a57-3c1f0d3e2b11/download',
        'files/incoming/x.pdf',
        'uploads',
      ],
      extra: [],
    },
    {
      family: 'shared',
      bodyRoutes: [
        {
          method: 'PUT',
          template: '/shared/orders/{orderId}',
          path: `shared/orders/${sharedId}`,
          validBody: sharedOrder,
          headers: ifMatch,
          fields: {
            customerId: field('string', idValues(64)),
            currency: field('string', CURRENCY_VALUES),
            lines: field('array', [bad('is empty', [])]),
            'lines/0': field('object'),
            'lines/0/sku': field('string', few(idValues(64))),
            'lines/0/quantity': field('integer', few(integerValues(1, 10_000))),
            'lines/0/unitPriceCents': field('integer', few(integerValues(0, 1_000_000_000, { cents: true }))),
          },
          nested: ['lines/0'],
          patternField: 'customerId',
          extra: oversizeLines(sharedOrder).map((request) => ({
            ...request,
            headers: { ...request.headers, ...ifMatch },
          })),
        },
        {
          method: 'PATCH',
          template: '/shared/orders/{orderId}/invoice',
          path: `shared/orders/${sharedId}/invoice`,
          validBody: invoice,
          headers: ifMatch,
          fields: {
            invoiceNumber: field('string', few(idValues(32))),
            status: field('string', enumValues('ISSUED')),
            amountCents: field('integer', integerValues(0, Number.MAX_SAFE_INTEGER, { cents: true })),
            dueOn: field('string', DATE_VALUES),
          },
          nested: [],
          patternField: 'invoiceNumber',
          sample: true,
        },
      ],
      idRoutes: [
        { method: 'GET', template: '/shared/orders/{orderId}', pathFor: (id) => `shared/orders/${id}` },
        {
          method: 'PUT',
          template: '/shared/orders/{orderId}',
          pathFor: (id) => `shared/orders/${id}`,
          body: sharedOrder,
          sample: true,
        },
        {
          method: 'PATCH',
          template: '/shared/orders/{orderId}/invoice',
          pathFor: (id) => `shared/orders/${id}/invoice`,
          sample: true,
          body: invoice,
          headers: ifMatch,
        },
        {
          method: 'GET',
          template: '/shared/orders/{orderId}/changes',
          pathFor: (id) => `shared/orders/${id}/changes`,
          sample: true,
        },
        {
          method: 'GET',
          template: '/shared/accounting/inbox/{orderId}',
          pathFor: (id) => `shared/accounting/inbox/${id}`,
          sample: true,
        },
      ],
      keyRoutes: [
        {
          method: 'PUT',
          template: '/shared/orders/{orderId}',
          path: `shared/orders/${ids.sharedNewOrderId}`,
          body: sharedOrder,
        },
        {
          method: 'PATCH',
          template: '/shared/orders/{orderId}/invoice',
          path: `shared/orders/${sharedId}/invoice`,
          body: invoice,
          headers: ifMatch,
        },
      ],
      resources: [
        {
          template: '/shared/orders/{orderId}',
          path: `shared/orders/${sharedId}`,
          methods: ['GET', 'PUT'],
          body: invoice,
        },
        {
          template: '/shared/orders/{orderId}/invoice',
          path: `shared/orders/${sharedId}/invoice`,
          methods: ['PATCH'],
          body: invoice,
        },
        {
          template: '/shared/orders/{orderId}/changes',
          path: `shared/orders/${sharedId}/changes`,
          methods: ['GET'],
        },
        { template: '/shared/orders', path: 'shared/orders', methods: [], body: sharedOrder },
      ],
      unknownPaths: [
        `shared/orders/${sharedId}/order`,
        `SHARED/orders/${sharedId}`,
        'shared/accounting/inbox',
        'shared',
        `shared/orders/${sharedId}/invoice/1`,
      ],
      extra: preconditionCases(sharedId, ids.sharedNewOrderId, sharedOrder, invoice),
    },
    {
      family: 'cqrs',
      bodyRoutes: [
        {
          method: 'POST',
          template: '/cqrs/orders',
          path: 'cqrs/orders',
          validBody: placeOrder,
          fields: {
            customerId: field('string', idValues(64)),
            currency: field('string', CURRENCY_VALUES),
            lines: field('array', [bad('is empty', [])]),
            'lines/0': field('object'),
            'lines/0/sku': field('string', few(idValues(64))),
            'lines/0/quantity': field('integer', few(integerValues(1, 10_000))),
            'lines/0/unitPriceCents': field('integer', few(integerValues(0, 1_000_000_000, { cents: true }))),
          },
          nested: ['lines/0'],
          patternField: 'customerId',
          extra: [
            ...oversizeLines(placeOrder),
            {
              category: 'unknown-field',
              name: 'names its own order id',
              headers: JSON_HEADERS,
              body: text({ ...placeOrder, orderId: `bad-${context.runId}` }),
              expected: [400],
            },
          ],
        },
        {
          method: 'POST',
          template: '/cqrs/orders/{orderId}/pay',
          path: `cqrs/orders/${cqrsOrder}/pay`,
          validBody: pay,
          fields: {
            // A payment reference may hold `.`, `:` and `/` (`psp:1/2`): a path is one, control characters are not.
            paymentReference: field('string', [
              bad('is empty', ''),
              bad('is 129 characters', 'p'.repeat(129), 'traversal-and-control'),
              bad('holds NUL', 'psp:1\u0000', 'traversal-and-control'),
              bad('holds CR LF', 'psp:1\r\nX-Injected: 1', 'traversal-and-control'),
              bad('holds a space', 'psp 1'),
              bad('is a lone high surrogate (\\ud800)', '\ud800', 'invalid-unicode'),
            ]),
            expectedVersion: optional('integer', few(integerValues(1, Number.MAX_SAFE_INTEGER))),
          },
          nested: [],
          patternField: 'paymentReference',
          sample: true,
        },
        {
          method: 'POST',
          template: '/cqrs/orders/{orderId}/cancel',
          path: `cqrs/orders/${cqrsOrder}/cancel`,
          validBody: cancel,
          fields: {
            reason: field('string', textValues(1, 500)),
            expectedVersion: optional('integer', few(integerValues(1, Number.MAX_SAFE_INTEGER), 3)),
          },
          nested: [],
          sample: true,
        },
      ],
      idRoutes: [
        {
          method: 'POST',
          template: '/cqrs/orders/{orderId}/pay',
          pathFor: (id) => `cqrs/orders/${id}/pay`,
          body: pay,
        },
        {
          method: 'POST',
          template: '/cqrs/orders/{orderId}/cancel',
          pathFor: (id) => `cqrs/orders/${id}/cancel`,
          sample: true,
          body: cancel,
        },
        {
          method: 'GET',
          template: '/cqrs/orders/{orderId}',
          pathFor: (id) => `cqrs/orders/${id}`,
          sample: true,
        },
        {
          method: 'GET',
          template: '/cqrs/customers/{customerId}/summary',
          pathFor: (id) => `cqrs/customers/${id}/summary`,
          sample: true,
        },
      ],
      keyRoutes: [
        { method: 'POST', template: '/cqrs/orders', path: 'cqrs/orders', body: placeOrder },
        {
          method: 'POST',
          template: '/cqrs/orders/{orderId}/pay',
          path: `cqrs/orders/${cqrsOrder}/pay`,
          body: pay,
        },
      ],
      resources: [
        { template: '/cqrs/orders', path: 'cqrs/orders', methods: ['POST'], body: placeOrder },
        {
          template: '/cqrs/orders/{orderId}',
          path: `cqrs/orders/${cqrsOrder}`,
          methods: ['GET'],
          body: cancel,
        },
        {
          template: '/cqrs/orders/{orderId}/pay',
          path: `cqrs/orders/${cqrsOrder}/pay`,
          methods: ['POST'],
          body: pay,
        },
        {
          template: '/cqrs/customers/{customerId}/summary',
          path: `cqrs/customers/${ids.cqrsCustomerId}/summary`,
          methods: ['GET'],
          body: placeOrder,
        },
      ],
      unknownPaths: [
        `cqrs/orders/${cqrsOrder}/refund`,
        `cqrs/orders/${cqrsOrder}/PAY`,
        'cqrs/customers',
        `cqrs/customers/${ids.cqrsCustomerId}`,
        'cqrs/events',
      ],
      extra: [
        {
          category: 'precondition',
          name: 'POST /cqrs/orders/{orderId}/pay: expects version 5 of an order at version 1',
          method: 'POST',
          path: `cqrs/orders/${cqrsOrder}/pay`,
          headers: JSON_HEADERS,
          apiKey: { kind: 'valid' },
          body: text({ ...pay, expectedVersion: 5 }),
          expected: [409],
        },
        {
          category: 'precondition',
          name: 'POST /cqrs/orders/{orderId}/cancel: expects version 2 of an order at version 1',
          method: 'POST',
          path: `cqrs/orders/${cqrsOrder}/cancel`,
          headers: JSON_HEADERS,
          apiKey: { kind: 'valid' },
          body: text({ ...cancel, expectedVersion: 2 }),
          expected: [409],
        },
        {
          category: 'precondition',
          name: 'POST /cqrs/orders/{orderId}/pay: pays an order that does not exist',
          method: 'POST',
          path: `cqrs/orders/bad-none-${context.runId}/pay`,
          headers: JSON_HEADERS,
          apiKey: { kind: 'valid' },
          body: text({ paymentReference: 'psp:1' }),
          expected: [404],
        },
      ],
    },
    {
      family: 'pubsub',
      bodyRoutes: [
        {
          method: 'POST',
          template: '/events/orders',
          path: 'events/orders',
          validBody: published,
          fields: {
            ...orderFields(),
            shipTo: optional('object'),
            'shipTo/name': field('string', textValues(1, 200)),
            'shipTo/line1': field('string', few(textValues(1, 200), 2)),
            'shipTo/line2': optional('string', few(textValues(1, 200), 2)),
            'shipTo/city': field('string', few(textValues(1, 100), 2)),
            'shipTo/postalCode': field('string', [
              bad('is empty', ''),
              bad('is 17 characters', '1'.repeat(17)),
              bad('holds an underscore', 'SW1Y_4JH'),
              bad('holds a line break', 'SW1Y\n4JH', 'traversal-and-control'),
            ]),
            'shipTo/country': field('string', [
              bad('is lower case (gb)', 'gb'),
              bad('is alpha-3 (GBR)', 'GBR'),
              bad('is empty', ''),
              bad('holds a digit', 'G1'),
            ]),
          },
          nested: ['lines/0', 'shipTo'],
          patternField: 'orderId',
          extra: [
            ...oversizeLines(published),
            {
              category: 'unknown-field',
              name: 'carries an attachment (events stay small)',
              headers: JSON_HEADERS,
              body: text({ ...published, attachment: attachment(ids.fileMarker) }),
              expected: [400],
            },
          ],
        },
      ],
      idRoutes: [
        {
          method: 'GET',
          template: '/events/orders/{orderId}/deliveries',
          pathFor: (id) => `events/orders/${id}/deliveries`,
        },
      ],
      keyRoutes: [
        { method: 'POST', template: '/events/orders', path: 'events/orders', body: published },
        {
          method: 'GET',
          template: '/events/orders/{orderId}/deliveries',
          path: `events/orders/${ids.pubsubOrderId}/deliveries`,
        },
      ],
      resources: [
        { template: '/events/orders', path: 'events/orders', methods: ['POST'], body: published },
        {
          template: '/events/orders/{orderId}/deliveries',
          path: `events/orders/${ids.pubsubOrderId}/deliveries`,
          methods: ['GET'],
          body: published,
        },
      ],
      unknownPaths: [
        'events/order',
        'EVENTS/orders',
        'events',
        `events/orders/${ids.pubsubOrderId}/delivery`,
        'events/topics',
      ],
      extra: [...styleCases(published), ...signatureCases(context, ids.pubsubOrderId)],
    },
    {
      family: 'push',
      bodyRoutes: [
        {
          method: 'POST',
          template: '/push/tickets',
          path: 'push/tickets',
          validBody: {},
          fields: {},
          nested: [],
          emptyIsValid: true,
          extra: (
            [
              [
                'asks for a ticket of its own choosing',
                { ticket: 'my-own-ticket-value-that-never-expires-0000' },
              ],
              ['asks for a day-long lifetime', { ttlSeconds: 86_400 }],
              ['asks for an expiry in 2099', { expiresAt: '2099-01-01T00:00:00Z' }],
              ['names the URL to connect to', { url: 'wss://attacker.example/prod' }],
              ['names an order to subscribe to', { orderId: 'order-1001' }],
              ['names a connection id', { connectionId: 'abc=' }],
              ['sends a subscribe message', { action: 'subscribe', orderId: 'order-1001' }],
              ['sends its API key in the body', { apiKey: context.apiKey }],
              ['asks for admin rights', { admin: true }],
              ['asks for 100 tickets', { count: 100 }],
              ['asks for a wildcard subscription', { orderId: '*' }],
              ['sends a callback URL', { callbackUrl: 'https://attacker.example/hook' }],
              ['sends a JSON-RPC call', { jsonrpc: '2.0', method: 'issue', id: 1 }],
              ['names a stage', { stage: 'test' }],
              ['asks for the ticket in a cookie', { setCookie: true }],
              ['asks for a ticket for another API key', { apiKeyId: 'another-key' }],
              ['sends a purchase order instead', order('order-1001')],
            ] as const
          ).map(([what, body]) => ({
            category: 'unknown-field' as const,
            name: what,
            headers: JSON_HEADERS,
            body: text(body),
            expected: [400],
          })),
        },
      ],
      idRoutes: [],
      keyRoutes: [{ method: 'POST', template: '/push/tickets', path: 'push/tickets' }],
      resources: [{ template: '/push/tickets', path: 'push/tickets', methods: ['POST'], body: {} }],
      unknownPaths: [
        'push',
        'push/ticket',
        'PUSH/tickets',
        'push/tickets/1',
        'push/tickets/%2e%2e',
        'push/tickets/..%2f..%2fsync%2forders',
        'push/connections',
        'push/@connections',
        'push/tickets.json',
      ],
      extra: [],
    },
  ];
}

/** If-Match on the shared order (at version 1): what is missing, weak, stale, a wildcard or not a tag at all. */
function preconditionCases(
  sharedId: string,
  newId: string,
  sharedOrder: Json,
  invoice: Json,
): Array<Omit<BadRequest, 'family'>> {
  const tags: ReadonlyArray<readonly [string, string | undefined, number]> = [
    ['no If-Match', undefined, 428],
    ['an empty If-Match', '', 428],
    ['If-Match: *', '*', 428],
    ['a weak tag (W/"1")', 'W/"1"', 412],
    ['a stale version ("0")', '"0"', 412],
    ['a version not reached yet ("2")', '"2"', 412],
    ['a negative version ("-1")', '"-1"', 412],
    ['an unquoted version (1)', '1', 412],
    ['an unterminated tag ("1)', '"1', 412],
    ['a tag that is not a version ("abc")', '"abc"', 412],
    ['a 20-digit version', '"99999999999999999999"', 412],
    ['a fractional version ("1.0")', '"1.0"', 412],
  ];
  const requests: Array<Omit<BadRequest, 'family'>> = [];
  for (const [what, tag, status] of tags) {
    const headers = { ...JSON_HEADERS, ...(tag === undefined ? {} : { 'if-match': tag }) };
    // Without If-Match a PUT creates, so it is a bad request only for an order that exists.
    requests.push({
      category: 'precondition',
      name: `PUT /shared/orders/{orderId}: replaces an existing order with ${what}`,
      method: 'PUT',
      path: `shared/orders/${sharedId}`,
      headers,
      apiKey: { kind: 'valid' },
      body: text(sharedOrder),
      expected: [status],
    });
    requests.push({
      category: 'precondition',
      name: `PATCH /shared/orders/{orderId}/invoice: invoices with ${what}`,
      method: 'PATCH',
      path: `shared/orders/${sharedId}/invoice`,
      headers,
      apiKey: { kind: 'valid' },
      body: text(invoice),
      expected: [status],
    });
  }
  requests.push(
    {
      category: 'precondition',
      name: 'PUT /shared/orders/{orderId}: If-Match "1" on an order that does not exist',
      method: 'PUT',
      path: `shared/orders/${newId}`,
      headers: { ...JSON_HEADERS, 'if-match': '"1"' },
      apiKey: { kind: 'valid' },
      body: text(sharedOrder),
      expected: [412],
    },
    {
      category: 'precondition',
      name: 'PATCH /shared/orders/{orderId}/invoice: invoices an order that does not exist',
      method: 'PATCH',
      path: `shared/orders/${newId}/invoice`,
      headers: { ...JSON_HEADERS, 'if-match': '"1"' },
      apiKey: { kind: 'valid' },
      body: text(invoice),
      expected: [404],
    },
  );
  return requests;
}

/** `?style=` values other than fat and thin. */
function styleCases(published: Json): Array<Omit<BadRequest, 'family'>> {
  return (
    [
      ['in upper case (THIN)', 'THIN'],
      ['unknown (skinny)', 'skinny'],
      ['empty', ''],
      ['with NUL (thin%00)', 'thin%00'],
      ['with a space (thin%20)', 'thin%20'],
      ['a JSON array', '%5B%22thin%22%5D'],
      ['given twice, thin then skinny (the last counts)', 'thin&style=skinny'],
    ] as const
  ).map(([what, value]) => ({
    category: 'precondition' as const,
    name: `POST /events/orders: ?style= ${what}`,
    method: 'POST',
    path: `events/orders?style=${value}`,
    headers: JSON_HEADERS,
    apiKey: { kind: 'valid' } as const,
    body: text(published),
    expected: [400],
  }));
}

/** The IAM-authorized `GET /events/orders/{orderId}`: every way to fail its SigV4 check. */
function signatureCases(context: CorpusContext, orderId: string): Array<Omit<BadRequest, 'family'>> {
  const path = `events/orders/${orderId}`;
  const name = (what: string) => `GET /events/orders/{orderId} (IAM): ${what}`;
  const base = { category: 'signature' as const, method: 'GET', path, apiKey: { kind: 'none' } as const };
  const wrongSecret = { accessKeyId: context.accessKeyId, secretAccessKey: 'not-the-secret' };
  return [
    { ...base, name: name('no signature'), headers: {}, expected: [404] },
    {
      ...base,
      name: name('the API key instead of a signature'),
      headers: {},
      apiKey: { kind: 'valid' },
      expected: [404],
    },
    { ...base, name: name('a bearer token'), headers: { authorization: 'Bearer abc' }, expected: [403] },
    {
      ...base,
      name: name('Basic credentials'),
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
      expected: [403],
    },
    {
      ...base,
      name: name('an AWS4 header without its parts'),
      headers: { authorization: 'AWS4-HMAC-SHA256 garbage' },
      expected: [403],
    },
    {
      ...base,
      name: name('an AWS4 header without a date'),
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=${context.accessKeyId}/20261122/${context.region}/execute-api/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
      },
      expected: [403],
    },
    { ...base, name: name('signed with a wrong secret'), headers: {}, signing: wrongSecret, expected: [403] },
    {
      ...base,
      name: name('signed by an unknown access key'),
      headers: {},
      signing: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
      expected: [403],
    },
    {
      ...base,
      name: name('signed with a session token no one issued'),
      headers: {},
      signing: { ...wrongSecret, sessionToken: 'FwoGZXIvYXdzEXAMPLE' },
      expected: [403],
    },
    {
      ...base,
      name: name('signed for another region'),
      headers: {},
      signing: { ...wrongSecret, region: context.region === 'eu-north-1' ? 'us-east-1' : 'eu-north-1' },
      expected: [403],
    },
    {
      ...base,
      name: name('signed for another service (s3)'),
      headers: {},
      signing: { ...wrongSecret, service: 's3' },
      expected: [403],
    },
    {
      ...base,
      name: name('signed 10 minutes ago'),
      headers: {},
      signing: { ...wrongSecret, ageSeconds: 600 },
      expected: [403],
    },
    {
      ...base,
      name: name('signed for another path'),
      headers: {},
      signing: { ...wrongSecret, signedPath: `events/orders/${orderId}-other` },
      expected: [403],
    },
    {
      ...base,
      name: name('signed, then sent as POST'),
      method: 'POST',
      headers: {},
      signing: wrongSecret,
      expected: [404],
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Generation.

/** Every bad request of a family. */
export function familyCorpus(family: Family, context: CorpusContext): BadRequest[] {
  const definition = families(context).find((entry) => entry.family === family);
  if (!definition) {
    throw new Error(`No family ${family}`);
  }
  const requests: Array<Omit<BadRequest, 'family'>> = [];
  for (const route of definition.bodyRoutes) {
    requests.push(...bodyRouteCases(route));
  }
  for (const route of definition.idRoutes) {
    requests.push(...idRouteCases(route));
  }
  for (const [index, route] of definition.keyRoutes.entries()) {
    // Every way to get the key wrong on the family's first route; the first few on the others.
    const cases = keyCases(context).slice(0, index === 0 ? undefined : 6);
    for (const { what, key, headers, query } of cases) {
      requests.push({
        category: 'api-key',
        name: `${route.method} ${route.template}: ${what}`,
        method: route.method,
        path: query ? `${route.path}?${query}` : route.path,
        headers: { ...(route.body === undefined ? {} : JSON_HEADERS), ...route.headers, ...headers },
        apiKey: key,
        ...(route.body === undefined ? {} : { body: text(route.body) }),
        expected: [403],
      });
    }
  }
  for (const resource of definition.resources) {
    requests.push(...methodCases(resource));
  }
  for (const path of definition.unknownPaths) {
    requests.push({
      category: 'method',
      name: `GET /${path}: no such route`,
      method: 'GET',
      path,
      headers: {},
      apiKey: { kind: 'valid' },
      expected: [404],
    });
  }
  requests.push(...definition.extra);
  return requests.map((request) => ({ family, ...request }));
}

function bodyRouteCases(route: BodyRoute): Array<Omit<BadRequest, 'family'>> {
  const at = `${route.method} ${route.template}`;
  const valid = jsonText(route.validBody);
  const headers = { ...JSON_HEADERS, ...route.headers };
  const requests: Array<Omit<BadRequest, 'family'>> = [];
  const add = (
    category: Category,
    what: string,
    body: (() => Buffer) | undefined,
    expected: readonly number[] = [400],
    more: Partial<BadRequest> = {},
  ) =>
    requests.push({
      category,
      name: `${at}: ${what}`,
      method: route.method,
      path: route.path,
      headers,
      apiKey: { kind: 'valid' },
      ...(body ? { body } : {}),
      expected,
      ...more,
    });
  const bytes = (value: string) => () => Buffer.from(value);

  // Malformed JSON: each mutation of the valid text that no longer parses.
  const withoutEnd = valid.slice(0, -1);
  const malformed: ReadonlyArray<readonly [string, string]> = [
    ['is cut off half way', valid.slice(0, Math.ceil(valid.length / 2))],
    ['lacks its closing brace', withoutEnd],
    ['has a trailing comma', `${withoutEnd},}`],
    ['uses single quotes', valid.replaceAll('"', "'")],
    ['has unquoted member names', valid.replace(/"([A-Za-z]+)":/g, '$1:')],
    ['starts with a comment', `/* order */${valid}`],
    ['holds NaN', `${withoutEnd}${valid.length > 2 ? ',' : ''}"n":NaN}`],
    ['holds undefined', `${withoutEnd}${valid.length > 2 ? ',' : ''}"n":undefined}`],
    ['holds a number with a leading zero', `${withoutEnd}${valid.length > 2 ? ',' : ''}"n":01}`],
    ['holds an invalid escape (\\x41)', `${withoutEnd}${valid.length > 2 ? ',' : ''}"n":"\\x41"}`],
    ['holds a raw line break in a string', `${withoutEnd}${valid.length > 2 ? ',' : ''}"n":"line\nbreak"}`],
    ['is two JSON documents', `${valid}${valid}`],
    ['is not JSON at all', 'order please'],
    ['is XML', '<order><id>1</id></order>'],
    ['is a lone opening brace', '{'],
    ['is a lone closing brace', '}'],
    ['has a member without a value', '{"a":}'],
    ['has a value without a name', '{:1}'],
    ['mixes brackets and braces', '[}'],
  ];
  for (const [what, body] of malformed) {
    if (!parses(body)) {
      add('malformed-json', what, bytes(body));
    }
  }

  // The body in a media type other than JSON (a function refuses those API Gateway does not check).
  const contentTypes: ReadonlyArray<readonly [string, string, string]> = [
    ['text/plain', 'text/plain', valid],
    ['text/plain; charset=utf-8', 'text/plain; charset=utf-8', valid],
    ['application/xml', 'application/xml', '<order/>'],
    ['text/html', 'text/html', valid],
    [
      'a form (application/x-www-form-urlencoded)',
      'application/x-www-form-urlencoded',
      'orderId=1&currency=EUR',
    ],
    [
      'multipart/form-data',
      'multipart/form-data; boundary=x',
      `--x\r\nContent-Disposition: form-data; name="order"\r\n\r\n${valid}\r\n--x--\r\n`,
    ],
    ['application/octet-stream', 'application/octet-stream', valid],
    ['application/jsonx', 'application/jsonx', valid],
    ['text/json', 'text/json', valid],
    ['application/javascript', 'application/javascript', valid],
    ['text/csv', 'text/csv', 'orderId,currency\r\n1,EUR\r\n'],
    ['application/pdf', 'application/pdf', '%PDF-1.7\n%%EOF\n'],
  ];
  for (const [what, type, body] of contentTypes) {
    add('content-type', `is sent as ${what}`, bytes(body), [415], {
      headers: { ...route.headers, 'content-type': type },
    });
  }
  add('content-type', 'has no content type and a form body', bytes('orderId=1&currency=EUR'), [400], {
    headers: { ...route.headers },
  });
  // The API takes no compressed requests: API Gateway passes gzip bytes on as they are, which is not JSON.
  add('content-type', 'is gzip-compressed JSON (Content-Encoding: gzip)', () => gzipSync(valid), [400], {
    headers: { ...headers, 'content-encoding': 'gzip' },
  });

  // Empty bodies, and JSON values that are not an object.
  if (!route.emptyIsValid) {
    add('empty-body', 'has no body', undefined);
    add('empty-body', 'is white space only', bytes(' \r\n\t '));
    add('empty-body', 'is an empty object', bytes('{}'));
  }
  for (const [what, body] of [
    ['is null', 'null'],
    ['is an empty array', '[]'],
    ['is a string', '"order"'],
    ['is a number', '42'],
    ['is true', 'true'],
    ['is an array holding the body', `[${valid}]`],
    ['is the body as a JSON string', JSON.stringify(valid)],
  ] as const) {
    add('empty-body', what, bytes(body));
  }

  // Huge bodies: over API Gateway's 10 MB, and over Lambda's 6 MB where API Gateway checks nothing.
  add('huge-body', 'is 10 MB + 1 byte', () => padded(10_485_761), [413], { gatewayOwn: true });
  add(
    'huge-body',
    'is 7 MB as application/merge-patch+json (API Gateway checks only JSON)',
    () => padded(7_000_000),
    [413],
    {
      gatewayOwn: true,
      headers: { ...route.headers, 'content-type': 'application/merge-patch+json' },
    },
  );

  // Deep nesting.
  const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  add(
    'deep-nesting',
    'nests 10,000 arrays in an unknown member',
    text(withMember(route.validBody, '', 'nested', raw(arrays(10_000)))),
  );
  add(
    'deep-nesting',
    'nests 10,000 objects in an unknown member',
    text(withMember(route.validBody, '', 'nested', raw(objects(10_000)))),
  );
  add('deep-nesting', 'is 100,000 nested arrays', bytes(arrays(100_000)));
  add('deep-nesting', 'is 10,000 nested objects', bytes(objects(10_000)));
  add(
    'deep-nesting',
    'nests 10,000 arrays, sent as application/vnd.api+json (checked by the function only)',
    text(withMember(route.validBody, '', 'nested', raw(arrays(10_000)))),
    [400],
    {
      headers: { ...route.headers, 'content-type': 'application/vnd.api+json' },
    },
  );
  const firstField = Object.keys(route.fields)[0];
  if (firstField !== undefined) {
    add(
      'deep-nesting',
      `nests 10,000 arrays in #/${firstField}`,
      text(withValue(route.validBody, firstField, raw(arrays(10_000)))),
    );
  }

  // Text that is not Unicode: escapes JSON allows but no encoder can write, and bytes that are not UTF-8.
  add(
    'invalid-unicode',
    'has a member name that is a lone surrogate escape',
    text(withMember(route.validBody, '', '\ud800', 1)),
  );
  add('invalid-unicode', 'holds bytes that are not UTF-8 (0xff 0xfe) in a member name', () =>
    Buffer.concat([
      Buffer.from(valid.length > 2 ? `${withoutEnd},"` : '{"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('":1}'),
    ]),
  );
  add('invalid-unicode', 'starts with a UTF-8 byte order mark', () =>
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)]),
  );
  add('invalid-unicode', 'is the single byte 0xff', () => Buffer.from([0xff]));
  add('invalid-unicode', 'ends in a truncated UTF-8 sequence', () =>
    Buffer.concat([Buffer.from(valid), Buffer.from([0xe2, 0x82])]),
  );
  add('invalid-unicode', 'holds bytes that are not UTF-8 (0xc3 0x28) outside strings', () =>
    Buffer.concat([Buffer.from(withoutEnd), Buffer.from([0xc3, 0x28]), Buffer.from('}')]),
  );
  if (route.patternField !== undefined) {
    const field = route.patternField;
    const withBytes = (raw: readonly number[]) => () => {
      const [before = '', after = ''] = jsonText(withValue(route.validBody, field, '~bytes~')).split(
        '~bytes~',
      );
      return Buffer.concat([Buffer.from(before), Buffer.from(raw), Buffer.from(after)]);
    };
    add('invalid-unicode', `holds the byte 0xff in #/${field}`, withBytes([0x6f, 0xff]));
    add(
      'invalid-unicode',
      `holds Latin-1 é (0xe9) in #/${field}`,
      withBytes([0x63, 0x61, 0x66, 0xe9]),
      [400],
      {
        headers: { ...headers, 'content-type': 'application/json; charset=iso-8859-1' },
      },
    );
    add(
      'invalid-unicode',
      `holds an overlong / (0xc0 0xaf) in #/${field}`,
      withBytes([0x2e, 0x2e, 0xc0, 0xaf]),
    );
    add(
      'invalid-unicode',
      `holds a UTF-8-encoded surrogate (0xed 0xa0 0x80) in #/${field}`,
      withBytes([0xed, 0xa0, 0x80]),
    );
    add(
      'invalid-unicode',
      `holds a lone low surrogate escape in #/${field}`,
      text(withValue(route.validBody, field, 'x\udc00')),
    );
  }

  // Unknown members: at the top, in each nested object, and the names that reach prototypes.
  const firstName = Object.keys(route.fields)[0];
  const unknown: ReadonlyArray<readonly [string, string, Json]> = [
    ['', 'extra', 1],
    ['', '__proto__', { admin: true }],
    ['', 'constructor', { prototype: { admin: true } }],
    ['', '', 'empty name'],
    ['', 'status', 'DONE'],
    ...(firstName !== undefined && !firstName.includes('/')
      ? [['', firstName.charAt(0).toUpperCase() + firstName.slice(1), 'x'] as const]
      : []),
    ...route.nested.flatMap((path) => [
      [path, 'extra', 1] as const,
      [path, '__proto__', { admin: true }] as const,
    ]),
  ];
  for (const [path, name, value] of unknown) {
    const where = path === '' ? '' : ` in #/${path}`;
    add(
      'unknown-field',
      `has an unknown member ${JSON.stringify(name)}${where}`,
      text(withMember(route.validBody, path, name, value)),
    );
  }

  if (route.sample) {
    // The family's first route covers these in full; the others keep the first few of each category.
    const kept = new Map<Category, number>();
    const generic = requests.splice(0);
    for (const request of generic) {
      const count = kept.get(request.category) ?? 0;
      if (count < SAMPLED_PER_CATEGORY || request.category === 'huge-body') {
        requests.push(request);
        kept.set(request.category, count + 1);
      }
    }
  }

  // Each field: missing, of each wrong type, and of the right type but wrong.
  for (const [path, rule] of Object.entries(route.fields)) {
    const pointer = `#/${path}`;
    // An element of a list is not a field: without it the list is shorter, not incomplete.
    if (rule.required && !/\/\d+$/.test(path)) {
      add('missing-field', `lacks ${pointer}`, text(withValue(route.validBody, path, undefined)));
    }
    for (const type of ['null', ...FIELD_TYPES] as const) {
      if (type !== rule.type) {
        add(
          'wrong-type',
          `has ${pointer} as ${TYPE_NAMES[type]}`,
          text(withValue(route.validBody, path, TYPE_SAMPLES[type])),
        );
      }
    }
    if (rule.type === 'integer') {
      add(
        'wrong-type',
        `has ${pointer} as a number with a fraction of zero in a string ("1.0")`,
        text(withValue(route.validBody, path, '1.0')),
      );
    }
    for (const value of rule.bad) {
      add(
        value.category,
        `${pointer} ${value.what}`,
        text(withValue(route.validBody, path, value.value)),
        value.expected ?? [400],
      );
    }
  }

  for (const request of route.extra ?? []) {
    requests.push({
      ...request,
      name: `${at}: ${request.name}`,
      method: route.method,
      path: route.path,
      headers: { ...route.headers, ...request.headers },
      apiKey: { kind: 'valid' },
    });
  }
  return requests;
}

function idRouteCases(route: IdRoute): Array<Omit<BadRequest, 'family'>> {
  const at = `${route.method} ${route.template}`;
  const ids = route.sample ? PATH_IDS.slice(0, 6) : PATH_IDS;
  const cases = [...ids, ...(route.extraIds ?? []).map(([what, id]) => [what, id, [400]] as const)];
  return cases.map(([what, id, expected]) => ({
    category: 'traversal-and-control' as const,
    name: `${at}: the id is ${what}`,
    method: route.method,
    path: route.pathFor(id),
    headers: { ...(route.body === undefined ? {} : JSON_HEADERS), ...route.headers },
    apiKey: { kind: 'valid' } as const,
    ...(route.body === undefined ? {} : { body: text(route.body) }),
    expected,
  }));
}

function methodCases(resource: Resource): Array<Omit<BadRequest, 'family'>> {
  const wrong = WRONG_METHODS.filter((method) => !resource.methods.includes(method));
  const requests: Array<Omit<BadRequest, 'family'>> = wrong.map((method) => ({
    category: 'method' as const,
    name: `${method} ${resource.template}: no such method`,
    method,
    path: resource.path,
    headers: resource.body === undefined || method === 'GET' ? {} : JSON_HEADERS,
    apiKey: { kind: 'valid' } as const,
    ...(resource.body === undefined || method === 'GET' || method === 'OPTIONS'
      ? {}
      : { body: text(resource.body) }),
    expected: [404],
  }));
  // API Gateway routes by X-HTTP-Method-Override: a POST overridden to a method the resource lacks is that method.
  for (const method of resource.methods.filter((m) => m !== 'GET').slice(0, 1)) {
    for (const override of wrong.filter((m) => m !== 'OPTIONS').slice(0, 2)) {
      requests.push({
        category: 'method',
        name: `${method} ${resource.template}: X-HTTP-Method-Override: ${override}`,
        method,
        path: resource.path,
        headers: { ...JSON_HEADERS, 'x-http-method-override': override },
        apiKey: { kind: 'valid' },
        ...(resource.body === undefined ? {} : { body: text(resource.body) }),
        expected: [404],
      });
    }
  }
  return requests;
}

/** A JSON object of exactly `size` bytes: `{"pad":"AAAA..."}`. */
function padded(size: number): Buffer {
  const buffer = Buffer.alloc(size, 0x41);
  buffer.write('{"pad":"', 0);
  buffer.write('"}', size - 2);
  return buffer;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
