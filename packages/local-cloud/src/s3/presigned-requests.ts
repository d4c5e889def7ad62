import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { distinctHeaders } from '../sigv4/distinct-headers.ts';
import type { SecretLookup, SigV4Error } from '../sigv4/signed-request.ts';
import { verifySigV4 } from '../sigv4/verify-signature.ts';

export type { SecretLookup } from '../sigv4/signed-request.ts';

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
  /**
   * Header names in lower case, as Node.js parses them; `host` as sent. `headersDistinct` keeps each value of a
   * repeated header, which SigV4 joins with a comma.
   */
  readonly headers: IncomingHttpHeaders | NodeJS.Dict<string[]>;
  /** The server's clock, for the expiry. */
  readonly now: Date;
}

/** What the verifier may check beyond the signature. */
export interface PresignedCheckOptions {
  /** The endpoint's region: a credential scoped to another is refused, as S3 does. @default any region */
  readonly region?: string;
  /** The account the access keys belong to. @default `000000000000` */
  readonly accountId?: string;
}

/** An error S3 answers an authentication failure with: status, code, message and the extra XML members. */
export type S3AuthError = SigV4Error;

/** Verdict on one request: not presigned (not checked), presigned with a valid signature, or refused. */
export type PresignedVerdict =
  | { readonly ok: true; readonly presigned: false }
  | { readonly ok: true; readonly presigned: true; readonly accessKeyId: string }
  | { readonly ok: false; readonly error: S3AuthError };

/**
 * Checks a request's query-string signature as S3 does (the SigV4 module does the checking, in S3's order:
 * algorithm, required parameters, date, expiry bounds, not yet valid, expired, credential scope, access key,
 * unsigned `x-amz-*` headers, signature). Codes and messages follow
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html.
 */
export async function verifyPresignedRequest(
  request: WireRequest,
  secretFor: SecretLookup,
  options: PresignedCheckOptions = {},
): Promise<PresignedVerdict> {
  const questionMark = request.rawUrl.indexOf('?');
  const query = questionMark === -1 ? '' : request.rawUrl.slice(questionMark + 1);
  if (!query.split('&').some((pair) => pair.split('=')[0] === 'X-Amz-Algorithm')) {
    return { ok: true, presigned: false };
  }
  const verdict = await verifySigV4(
    {
      method: request.method,
      path: questionMark === -1 ? request.rawUrl : request.rawUrl.slice(0, questionMark),
      query,
      headers: distinctHeaders(request.headers),
    },
    {
      service: 's3',
      region: options.region,
      secretFor,
      accountId: options.accountId ?? '000000000000',
      now: request.now,
    },
  );
  return verdict.ok
    ? { ok: true, presigned: true, accessKeyId: verdict.accessKeyId }
    : { ok: false, error: verdict.error };
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
  /** The Node.js request, whose `headersDistinct` keeps each value of a repeated header. */
  readonly raw: { readonly headersDistinct: NodeJS.Dict<string[]> };
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
    const verdict = await verifyPresignedRequest(
      {
        method: request.method,
        rawUrl: request.originalUrl,
        headers: request.raw.headersDistinct,
        now: now(),
      },
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

function escapeXml(value: string): string {
  return value.replace(
    /[<>&"']/g,
    (character) =>
      ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[character] ?? character,
  );
}
