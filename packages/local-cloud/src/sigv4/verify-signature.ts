import { timingSafeEqual } from 'node:crypto';
import { UNSIGNED_PAYLOAD } from '@smithy/signature-v4';
import { expectedSignature } from './canonical-request.ts';
import { ALGORITHM, readClaim, type SignatureClaim } from './signature-claim.ts';
import type { SigV4Error, SigV4Options, SigV4Request, SigV4Verdict } from './signed-request.ts';
import {
  badCredential,
  clockSkewed,
  contentHashMismatch,
  type Dialect,
  dialectOf,
  headersNotSigned,
  invalidToken,
  missingAuthentication,
  requestExpired,
  requestNotYetValid,
  scopeDateMismatch,
  signatureMismatch,
  unknownAccessKey,
} from './sigv4-errors.ts';

const TERMINATOR = 'aws4_request';
// A header signature's X-Amz-Date may be this far from the server's clock, either way: 15 minutes for S3
// (RequestTimeTooSkewed, https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), 5 minutes for the
// other services ("a request must reach AWS within five minutes of the time stamp in the request").
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html
const MAX_CLOCK_SKEW_MS: Record<Dialect, number> = { s3: 15 * 60_000, aws: 5 * 60_000 };
// How far ahead of the server's clock a presigned URL's X-Amz-Date may be before S3 answers "Request is not yet
// valid".
const MAX_PRESIGNED_FUTURE_MS = 15 * 60_000;

/**
 * Verifies a request's SigV4 signature, in the `Authorization` header or in the query (a presigned URL), as the
 * service named in the options does: the credential scope (date, region, service), the access key and its session
 * token, the signing time (the clock skew for a header, the expiry for a URL), then the signature itself, compared
 * in constant time. The verdict names who signed, or carries the error the service answers with. A request with
 * no signature at all gets `MissingAuthenticationToken` (S3: `AccessDenied`): the caller decides whether an
 * anonymous request may go on.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
export async function verifySigV4(request: SigV4Request, options: SigV4Options): Promise<SigV4Verdict> {
  const dialect = dialectOf(options.service);
  const reading = readClaim(request, dialect);
  if ('unsigned' in reading) {
    return refuse(missingAuthentication(dialect));
  }
  if ('error' in reading) {
    return refuse(reading.error);
  }
  const { claim } = reading;
  // S3 checks a presigned URL's validity period before its scope; a header's clock skew comes after the key.
  const early = claim.location === 'query' ? expiryError(claim, options, dialect) : undefined;
  const problem =
    early ??
    scopeError(claim, options, dialect) ??
    credentialError(claim, options, dialect) ??
    (claim.location === 'header' ? skewError(claim, options, dialect) : undefined) ??
    unsignedHeadersError(claim, request, dialect);
  if (problem) {
    return refuse(problem);
  }
  const [accessKeyId = ''] = claim.credential.split('/');
  const secretAccessKey = options.secretFor(accessKeyId) as string;
  const claimedHash = claim.contentSha256;
  if (
    dialect === 's3' &&
    claimedHash !== undefined &&
    request.bodySha256 !== undefined &&
    /^[0-9a-f]{64}$/.test(claimedHash) &&
    claimedHash !== request.bodySha256
  ) {
    return refuse(contentHashMismatch(claimedHash, request.bodySha256));
  }
  const payloadHash = payloadHashOf(claim, request, dialect);
  const [, , region = '', service = ''] = claim.credential.split('/');
  const computed = await expectedSignature(
    { ...request, signedHeaders: claim.signedHeaders, payloadHash },
    { accessKeyId, secretAccessKey, amzDate: claim.amzDate, signedAt: claim.signedAt, region, service },
  );
  const sortedHeaders = [...new Set(claim.signedHeaders)].sort().join(';');
  // The signer trusts a given x-amz-content-sha256; the services hash the body they received.
  const bodyMatches =
    claimedHash === undefined ||
    request.bodySha256 === undefined ||
    !/^[0-9a-f]{64}$/.test(claimedHash) ||
    claimedHash === request.bodySha256;
  if (
    // Another algorithm (SigV4a, SigV2) cannot have made the signature computed here: that is a mismatch too.
    claim.algorithm !== ALGORITHM ||
    !bodyMatches ||
    sortedHeaders !== claim.signedHeaders.join(';') ||
    !sameText(computed.signature, claim.signature)
  ) {
    return refuse(signatureMismatch(dialect, { accessKeyId, ...computed }, claim.signature));
  }
  // The local access keys stand for the account's root user, as the local STS (fauxqs GetCallerIdentity) says.
  return {
    ok: true,
    accessKeyId,
    location: claim.location,
    caller: {
      accountId: options.accountId,
      userId: options.accountId,
      arn: `arn:aws:iam::${options.accountId}:root`,
    },
  };
}

/** Before `X-Amz-Date` (beyond the allowed skew) or after `X-Amz-Date` + `X-Amz-Expires`. */
function expiryError(claim: SignatureClaim, options: SigV4Options, dialect: Dialect): SigV4Error | undefined {
  const seconds = claim.expires?.seconds ?? 0;
  const expiresAt = new Date(claim.signedAt.getTime() + seconds * 1000);
  const now = options.now.getTime();
  if (claim.signedAt.getTime() - now > MAX_PRESIGNED_FUTURE_MS) {
    return requestNotYetValid(dialect, claim.signedAt, claim.amzDate, expiresAt, options.now);
  }
  if (now - claim.signedAt.getTime() > seconds * 1000) {
    return requestExpired(
      dialect,
      { amzDate: claim.amzDate, expiresParam: claim.expires?.param ?? '0', expiresAt },
      options.now,
    );
  }
  return undefined;
}

/** The credential must be `<key>/<date of X-Amz-Date>/<this region>/<this service>/aws4_request`. */
function scopeError(claim: SignatureClaim, options: SigV4Options, dialect: Dialect): SigV4Error | undefined {
  const scope = claim.credential.split('/');
  const [, scopeDate = '', region = '', service = '', terminator = ''] = scope;
  const { location } = claim;
  const context = (got: string, expected: string) => ({ credential: claim.credential, got, expected });
  if (scope.length !== 5) {
    return badCredential(dialect, location, 'form', context('', ''));
  }
  if (region === '') {
    return badCredential(dialect, location, 'no-region', context(region, options.region ?? ''));
  }
  if (options.region !== undefined && region !== options.region) {
    return badCredential(dialect, location, 'region', context(region, options.region));
  }
  if (service !== options.service) {
    return badCredential(dialect, location, 'service', context(service, options.service));
  }
  if (terminator !== TERMINATOR) {
    return badCredential(dialect, location, 'terminator', context(terminator, TERMINATOR));
  }
  if (scopeDate !== claim.amzDate.slice(0, 8)) {
    return scopeDateMismatch(dialect, location, scopeDate, claim.amzDate);
  }
  return undefined;
}

/** The access key must exist; the local keys have no session token, so a request must carry none. */
function credentialError(
  claim: SignatureClaim,
  options: SigV4Options,
  dialect: Dialect,
): SigV4Error | undefined {
  const [accessKeyId = ''] = claim.credential.split('/');
  if (options.secretFor(accessKeyId) === undefined) {
    return unknownAccessKey(dialect, accessKeyId);
  }
  return claim.securityToken === undefined ? undefined : invalidToken(dialect);
}

function skewError(claim: SignatureClaim, options: SigV4Options, dialect: Dialect): SigV4Error | undefined {
  const maxSkewMs = options.maxClockSkewMs ?? MAX_CLOCK_SKEW_MS[dialect];
  const skewMs = Math.abs(claim.signedAt.getTime() - options.now.getTime());
  return skewMs > maxSkewMs
    ? clockSkewed(dialect, claim.amzDate, claim.signedAt, options.now, maxSkewMs)
    : undefined;
}

/**
 * "Any x-amz-* headers that you plan to add to the request are also required to be signed" (S3, presigned URLs).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
function unsignedHeadersError(
  claim: SignatureClaim,
  request: SigV4Request,
  dialect: Dialect,
): SigV4Error | undefined {
  if (dialect !== 's3' || claim.location !== 'query') {
    return undefined;
  }
  const unsigned = Object.keys(request.headers).filter(
    (name) => name.startsWith('x-amz-') && !claim.signedHeaders.includes(name),
  );
  return unsigned.length > 0 ? headersNotSigned(unsigned) : undefined;
}

/**
 * The canonical request's last line. A presigned S3 URL signs `UNSIGNED-PAYLOAD` unless it names a hash; a header
 * signature signs `x-amz-content-sha256` when the client sent it (S3 requires it), else the body's hash.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
function payloadHashOf(claim: SignatureClaim, request: SigV4Request, dialect: Dialect): string {
  if (claim.location === 'query' && dialect === 's3') {
    return claim.contentSha256 ?? UNSIGNED_PAYLOAD;
  }
  return claim.contentSha256 ?? request.bodySha256 ?? UNSIGNED_PAYLOAD;
}

function refuse(error: SigV4Error): SigV4Verdict {
  return { ok: false, error };
}

/** Compares in constant time, even on a length mismatch, so the time taken tells nothing of the expected text. */
function sameText(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  return timingSafeEqual(a, b.length === a.length ? b : a) && a.length === b.length;
}
