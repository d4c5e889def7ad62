import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parseAmzDate } from '../sigv4-dates.ts';

/**
 * Verifies S3 presigned requests (SigV4 query-string authentication) the way S3 does, in front of fauxqs,
 * which accepts any signature. Requests signed in the `Authorization` header (the SDK's own calls) and
 * unsigned requests pass untouched: only a request carrying `X-Amz-Algorithm` in its query is checked.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */

/** The request as it came off the wire. */
export interface WireRequest {
  readonly method: string;
  /** Path and query exactly as sent (before any virtual-host rewrite), e.g. `/bucket/a%20b.txt?X-Amz-...`. */
  readonly rawUrl: string;
  /** Header names in lower case, as Node.js parses them; `host` as sent. */
  readonly headers: IncomingHttpHeaders;
  /** The server's clock, for the expiry. */
  readonly now: Date;
}

/** The secret access key of an access key id, or undefined when no such key exists. */
export type SecretLookup = (accessKeyId: string) => string | undefined;

/** What the verifier may check beyond the signature. */
export interface PresignedCheckOptions {
  /** The endpoint's region: a credential scoped to another is refused, as S3 does. @default any region */
  readonly region?: string;
}

/** An error S3 answers an authentication failure with: status, code, message and the extra XML members. */
export interface S3AuthError {
  readonly status: 400 | 403;
  readonly code:
    | 'AccessDenied'
    | 'AuthorizationQueryParametersError'
    | 'InvalidAccessKeyId'
    | 'InvalidArgument'
    | 'SignatureDoesNotMatch';
  readonly message: string;
  /** Members S3 adds after `Message` (`Expires`, `ServerTime`, `StringToSign`, ...), in its order. */
  readonly details: ReadonlyArray<readonly [name: string, value: string]>;
}

/** Verdict on one request: not presigned (not checked), presigned with a valid signature, or refused. */
export type PresignedVerdict =
  | { readonly ok: true; readonly presigned: false }
  | { readonly ok: true; readonly presigned: true; readonly accessKeyId: string }
  | { readonly ok: false; readonly error: S3AuthError };

const ALGORITHM = 'AWS4-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
// The longest X-Amz-Expires S3 accepts: 7 days.
const MAX_EXPIRES_SECONDS = 604_800;
// How far ahead of the server's clock X-Amz-Date may be before S3 answers "Request is not yet valid".
const MAX_FUTURE_SKEW_SECONDS = 900;
const REQUIRED_PARAMETERS = [
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-Date',
  'X-Amz-SignedHeaders',
  'X-Amz-Expires',
] as const;
const CREDENTIAL_PREFIX = 'Error parsing the X-Amz-Credential parameter; ';

/**
 * Checks a request's query-string signature as S3 does, in S3's order: algorithm, required parameters, date,
 * expiry bounds, not yet valid, expired, credential scope, access key, unsigned `x-amz-*` headers, signature.
 * Codes and messages follow https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html.
 */
export function verifyPresignedRequest(
  request: WireRequest,
  secretFor: SecretLookup,
  options: PresignedCheckOptions = {},
): PresignedVerdict {
  const questionMark = request.rawUrl.indexOf('?');
  const rawPath = questionMark === -1 ? request.rawUrl : request.rawUrl.slice(0, questionMark);
  const parameters = parseQuery(questionMark === -1 ? '' : request.rawUrl.slice(questionMark + 1));
  const param = (name: string) => parameters.find((parameter) => parameter.name === name)?.value;
  const algorithm = param('X-Amz-Algorithm');
  if (algorithm === undefined) {
    return { ok: true, presigned: false };
  }
  if (request.headers.authorization !== undefined) {
    return refuse(
      400,
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string ' +
        'parameter or the Authorization header should be specified',
      [
        ['ArgumentName', 'Authorization'],
        ['ArgumentValue', headerValue(request.headers.authorization)],
      ],
    );
  }
  if (algorithm !== ALGORITHM) {
    return malformed('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256 and AWS4-ECDSA-P256-SHA256"');
  }
  const [credential, signature, amzDate, signedHeaders, expiresParam] = REQUIRED_PARAMETERS.map(param);
  if (
    credential === undefined ||
    signature === undefined ||
    amzDate === undefined ||
    signedHeaders === undefined ||
    expiresParam === undefined
  ) {
    return malformed(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, ' +
        'X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    return malformed("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  if (!/^-?\d+$/.test(expiresParam)) {
    return malformed('X-Amz-Expires should be a number');
  }
  const expiresSeconds = Number(expiresParam);
  if (expiresSeconds < 0) {
    return malformed('X-Amz-Expires must be non-negative');
  }
  if (expiresSeconds > MAX_EXPIRES_SECONDS) {
    return malformed(
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less ' +
        `than ${MAX_EXPIRES_SECONDS} seconds`,
    );
  }
  const expiresAt = isoSeconds(new Date(signedAt.getTime() + expiresSeconds * 1000));
  const serverTime = isoSeconds(request.now);
  if (signedAt.getTime() - request.now.getTime() > MAX_FUTURE_SKEW_SECONDS * 1000) {
    return refuse(403, 'AccessDenied', 'Request is not yet valid', [
      ['X-Amz-Date', String(signedAt.getTime())],
      ['Expires', expiresAt],
      ['ServerTime', serverTime],
    ]);
  }
  if (request.now.getTime() - signedAt.getTime() > expiresSeconds * 1000) {
    return refuse(403, 'AccessDenied', 'Request has expired', [
      ['X-Amz-Expires', expiresParam],
      ['Expires', expiresAt],
      ['ServerTime', serverTime],
    ]);
  }
  const scope = credential.split('/');
  const [accessKeyId, scopeDate, region, service, terminal] = scope;
  if (
    scope.length !== 5 ||
    accessKeyId === undefined ||
    scopeDate === undefined ||
    region === undefined ||
    service === undefined ||
    terminal === undefined
  ) {
    return malformed(
      `${CREDENTIAL_PREFIX}the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
    );
  }
  if (region === '') {
    return malformed(`${CREDENTIAL_PREFIX}a non-empty region must be provided in the credential.`);
  }
  if (options.region !== undefined && region !== options.region) {
    return malformed(`${CREDENTIAL_PREFIX}the region '${region}' is wrong; expecting '${options.region}'`, [
      ['Region', options.region],
    ]);
  }
  if (service !== 's3') {
    return malformed(`${CREDENTIAL_PREFIX}incorrect service "${service}". This endpoint belongs to "s3".`);
  }
  if (terminal !== 'aws4_request') {
    return malformed(
      `${CREDENTIAL_PREFIX}incorrect terminal "${terminal}". This endpoint uses "aws4_request".`,
    );
  }
  if (scopeDate !== amzDate.slice(0, 8)) {
    return malformed(
      `Invalid credential date "${scopeDate}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`,
    );
  }
  const secret = secretFor(accessKeyId);
  if (secret === undefined) {
    return refuse(
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      [['AWSAccessKeyId', accessKeyId]],
    );
  }
  const signedNames = signedHeaders.split(';');
  // "Any x-amz-* headers that you plan to add to the request are also required to be signed" (query auth page).
  const unsigned = Object.keys(request.headers).filter(
    (name) => name.startsWith('x-amz-') && !signedNames.includes(name),
  );
  if (unsigned.length > 0) {
    return refuse(403, 'AccessDenied', 'There were headers present in the request which were not signed', [
      ['HeadersNotSigned', unsigned.join(', ')],
    ]);
  }

  const canonicalRequest = [
    request.method,
    // S3 signs the path as sent: no normalisation and no second round of encoding.
    rawPath,
    canonicalQueryString(parameters),
    signedNames.map((name) => `${name}:${canonicalHeaderValue(request.headers[name])}\n`).join(''),
    signedHeaders,
    param('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD,
  ].join('\n');
  const credentialScope = `${scopeDate}/${region}/${service}/${terminal}`;
  const stringToSign = [ALGORITHM, amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${secret}`, scopeDate);
  for (const part of [region, service, terminal]) {
    key = hmac(key, part);
  }
  const expected = hmac(key, stringToSign).toString('hex');
  if (!constantTimeEquals(expected, signature)) {
    return refuse(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      [
        ['AWSAccessKeyId', accessKeyId],
        ['StringToSign', stringToSign],
        ['SignatureProvided', signature],
        ['StringToSignBytes', hexBytes(stringToSign)],
        ['CanonicalRequest', canonicalRequest],
        ['CanonicalRequestBytes', hexBytes(canonicalRequest)],
      ],
    );
  }
  return { ok: true, presigned: true, accessKeyId };
}

/** The S3 XML error document for an authentication failure, with a fresh request id. */
export function s3ErrorXml(error: S3AuthError, requestId: string): string {
  const members = [
    ['Code', error.code],
    ['Message', error.message],
    ...error.details,
    ['RequestId', requestId],
  ] as const;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    members.map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join('') +
    '</Error>'
  );
}

/** The part of a Fastify request the check reads. */
export interface HookRequest {
  readonly method: string;
  /** Fastify keeps the URL as sent here; `raw.url` is what fauxqs's virtual-host rewrite made of it. */
  readonly originalUrl: string;
  readonly headers: IncomingHttpHeaders;
}

/** The part of a Fastify reply the check writes. */
export interface HookReply {
  code(statusCode: number): HookReply;
  header(name: string, value: string): HookReply;
  send(payload: string): HookReply;
}

/** The part of a Fastify instance the check hooks into (fauxqs's `buildApp()` returns one). */
export interface HookableApp {
  addHook(
    name: 'onRequest',
    hook: (request: HookRequest, reply: HookReply) => Promise<HookReply | undefined>,
  ): unknown;
}

/** Adds an `onRequest` hook that refuses a presigned request S3 would refuse, with S3's XML error. */
export function registerPresignedRequestCheck(
  app: HookableApp,
  options: PresignedCheckOptions & {
    readonly secretFor: SecretLookup;
    /** The clock the expiry is checked against. @default the system clock */
    readonly now?: () => Date;
  },
): void {
  const now = options.now ?? (() => new Date());
  app.addHook('onRequest', async (request, reply) => {
    const verdict = verifyPresignedRequest(
      { method: request.method, rawUrl: request.originalUrl, headers: request.headers, now: now() },
      options.secretFor,
      options,
    );
    if (verdict.ok) {
      return undefined;
    }
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    // Returning the reply after send() is how an async Fastify hook ends the request early.
    return reply
      .code(verdict.error.status)
      .header('content-type', 'application/xml')
      .header('x-amz-request-id', requestId)
      .send(s3ErrorXml(verdict.error, requestId));
  });
}

interface QueryParameter {
  readonly name: string;
  readonly value: string;
}

function parseQuery(rawQuery: string): QueryParameter[] {
  return rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals === -1
        ? { name: decode(pair), value: '' }
        : { name: decode(pair.slice(0, equals)), value: decode(pair.slice(equals + 1)) };
    });
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    // A stray '%' is kept as sent; encoding it again then yields a canonical string the client did not sign.
    return component;
  }
}

// Every parameter but the signature, names and values URI-encoded, sorted by name and then by value.
function canonicalQueryString(parameters: readonly QueryParameter[]): string {
  return parameters
    .filter((parameter) => parameter.name !== 'X-Amz-Signature')
    .map((parameter) => [uriEncode(parameter.name), uriEncode(parameter.value)] as const)
    .sort(([nameA, valueA], [nameB, valueB]) => compare(nameA, nameB) || compare(valueA, valueB))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// RFC 3986: everything but A-Z a-z 0-9 - _ . ~ is percent-encoded as UTF-8 with upper-case hex digits.
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return values.map((one) => one.trim().replace(/\s+/g, ' ')).join(',');
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

function hmac(key: string | Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value, 'utf8').digest();
}

function constantTimeEquals(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  // Compare equal-length buffers even on a length mismatch, so the time taken does not tell the length.
  return timingSafeEqual(a, b.length === a.length ? b : a) && a.length === b.length;
}

function hexBytes(value: string): string {
  return Buffer.from(value, 'utf8')
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}

function escapeXml(value: string): string {
  return value.replace(
    /[<>&"']/g,
    (character) =>
      ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[character] ?? character,
  );
}

function refuse(
  status: S3AuthError['status'],
  code: S3AuthError['code'],
  message: string,
  details: S3AuthError['details'] = [],
): PresignedVerdict {
  return { ok: false, error: { status, code, message, details } };
}

function malformed(message: string, details: S3AuthError['details'] = []): PresignedVerdict {
  return refuse(400, 'AuthorizationQueryParametersError', message, details);
}
